// The daemon's JSON API and its event stream. The token (when the farm has one) travels as
// "Authorization: Bearer" on every call, and as a same-site cookie for what the browser fetches
// on its own (the event stream, downloads); writes always send the header.

let token = sessionStorage.getItem('tinytx_token') || '';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function setToken(t) {
  token = t;
  sessionStorage.setItem('tinytx_token', t);
  document.cookie = `tinytx_token=${encodeURIComponent(t)}; path=/; SameSite=Strict`;
}

function headers() {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function call(method, path) {
  const r = await fetch(path, { method, headers: headers() });
  if (!r.ok) {
    let message = r.statusText;
    try {
      message = (await r.json()).error || message;
    } catch {
      /* not JSON: keep the status text */
    }
    throw new ApiError(r.status, message);
  }
  return r.json();
}

export const getJson = (path) => call('GET', path);
export const postJson = (path) => call('POST', path);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Server-Sent Events from /api/events: handlers by event name; onState(true|false) for the
// connection. EventSource reconnects by itself.
export function openEvents(handlers, onState) {
  const es = new EventSource('/api/events');
  es.onopen = () => onState(true);
  es.onerror = () => onState(false);
  for (const [name, fn] of Object.entries(handlers))
    es.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  return es;
}
