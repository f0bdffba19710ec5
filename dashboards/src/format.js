// Numbers as people read them in a lab: bytes in KiB, cycles in millions, knobs in one line.

export function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function cycles(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

export function ms(us) {
  return `${(us / 1000).toFixed(2)} ms`;
}

export function energy(uj) {
  return uj >= 1000 ? `${(uj / 1000).toFixed(2)} mJ` : `${uj.toFixed(1)} µJ`;
}

export function pct(x) {
  return `${x >= 0 ? '+' : ''}${x.toFixed(2)} %`;
}

export function seconds(s) {
  if (s < 0) return '?';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

// "standard · depthfirst T=4 · dsp · ffn 16 · @dtcm · weights@dtcm"
export function layerKnobs(k) {
  const parts = [k.attention, k.mhsa === 'depthfirst' ? `depthfirst T=${k.tile_rows}` : k.mhsa, k.variant,
    k.ffn_tile ? `ffn ${k.ffn_tile}` : 'ffn untiled'];
  if (k.placement) parts.push(`@${k.placement}`);
  if (k.weights) parts.push(`weights@${k.weights}`);  // absent: the weights are in flash
  return parts.join(' · ');
}

// One line when every layer has the same knobs, else one per layer.
export function knobLines(layers) {
  const lines = layers.map(layerKnobs);
  if (lines.every((l) => l === lines[0])) return [`${layers.length > 1 ? 'all layers: ' : ''}${lines[0]}`];
  return lines.map((l, i) => `L${i}: ${l}`);
}

export function shortId(hash) {
  return hash.slice(0, 12);
}

// The text of an element, escaped (the dashboard builds its DOM from data, never from HTML).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else if (k === 'text') e.textContent = v;
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// Three significant figures, no exponent, no trailing zeros: 18.42109375 -> "18.4", 0.5 -> "0.5"
export function three(v) {
  if (!Number.isFinite(v) || v === 0) return '0';
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v)) + 1e-9));
  return String(Number(v.toFixed(decimals)));
}

// Units of a quantity, smallest first: [name, base units per unit]
export const UNITS = {
  bytes: [['B', 1], ['KiB', 1024], ['MiB', 1024 * 1024]],
  micros: [['µs', 1], ['ms', 1e3], ['s', 1e6]],
  cycles: [['cycles', 1], ['k cycles', 1e3], ['M cycles', 1e6]],
  microjoules: [['µJ', 1], ['mJ', 1e3], ['J', 1e6]],
  cosine: [['', 1]],
};

// The largest unit the values' top is at least one of: an axis or a column states one unit.
export function unitFor(kind, top) {
  const units = UNITS[kind];
  let u = units[0];
  for (const c of units) if (top >= c[1]) u = c;
  return { name: u[0], scale: u[1] };
}
