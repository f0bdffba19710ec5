// The dashboard page: pick a model and a board, see its Pareto front, open a candidate, follow
// the farm's jobs live. The selection lives in the URL's hash, so a view can be linked.
import { ApiError, getJson, openEvents, postJson, query, setToken } from './api.js';
import { CalibrationChart } from './calibration_chart.js';
import { DetailPanel } from './detail.js';
import { el, kib, knobLines, shortId, three, unitFor } from './format.js';
import { FrontChart } from './front_chart.js';
import { JobsPanel } from './jobs.js';

const $ = (s) => document.querySelector(s);

const state = {
  info: null,
  models: [],
  boards: [],
  model: null,    // ids
  board: null,
  budget: '',
  view: 'memory',
  front: null,
  seen: new Map(),  // "model/board" -> candidate ids already shown (the newest points are marked)
  newIds: new Set(),
  events: null,
};

// what tests (and the curious) can read: the state, the charts, when things were drawn
const hook = { state, frontVersion: 0, calibrationVersion: 0, timings: {} };
window.__tinytx = hook;

function status(text, isError = false) {
  const s = $('#status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  return { model: Number(h.get('model')) || null, board: Number(h.get('board')) || null, budget: h.get('budget') || '',
    view: h.get('view') || 'memory' };
}

function writeHash() {
  const h = new URLSearchParams();
  if (state.model) h.set('model', state.model);
  if (state.board) h.set('board', state.board);
  if (state.budget) h.set('budget', state.budget);
  if (state.view !== 'memory') h.set('view', state.view);
  history.replaceState(null, '', `#${h}`);
}

function boardsOf(modelId) {
  const m = state.models.find((x) => x.id === modelId);
  return m ? m.boards.map((b) => state.boards.find((x) => x.id === b.board_id)).filter(Boolean) : [];
}

function fillSelects() {
  const ms_ = $('#model-select');
  const measured = state.models.filter((m) => m.boards.length);
  ms_.replaceChildren(...measured.map((m) => el('option', { value: m.id,
    text: `${m.name} (${m.spec_hash.slice(0, 8)})` })));
  if (!measured.find((m) => m.id === state.model)) state.model = measured.length ? measured[0].id : null;
  ms_.value = state.model ?? '';
  const boards = boardsOf(state.model);
  $('#board-select').replaceChildren(...boards.map((b) => el('option', { value: b.id, text: `${b.name} (${b.core})` })));
  if (!boards.find((b) => b.id === state.board)) state.board = boards.length ? boards[0].id : null;
  $('#board-select').value = state.board ?? '';
  $('#budget-input').value = state.budget;
  $('#view-select').value = state.view;
}

async function loadLists() {
  [state.models, state.boards] = await Promise.all([getJson('/api/models'), getJson('/api/boards')]);
  fillSelects();
}

// The front points, the best one first (what tinytx-tune --out exports), then by latency; every
// column in one unit, chosen by the magnitude of its values and named in its header.
function renderTable(front) {
  const best = frontChart.best;
  const points = frontChart.frontPoints().slice().sort((a, b) =>
    (best && b.candidate_id === best.candidate_id) - (best && a.candidate_id === best.candidate_id)
    || a.latency_cycles - b.latency_cycles);
  const unit = (kind, values) => {
    const positive = values.filter((v) => v > 0);
    return unitFor(kind, positive.length ? Math.min(...positive) : 0);
  };
  const lat = unit('micros', points.map((p) => p.latency_us));
  const en = unit('microjoules', points.map((p) => p.energy_uj));
  const arena = unit('bytes', points.map((p) => p.peak_memory_bytes));
  const flash = unit('bytes', points.map((p) => p.flash_bytes || 0));
  const withAccuracy = points.some((p) => p.accuracy !== null && p.accuracy !== undefined);
  const headers = ['', 'schedule', 'source', front.clock_hz ? `latency (${lat.name})` : 'latency', 'cycles',
    `energy (${en.name})`, `arena peak (${arena.name})`, `flash (${flash.name})`,
    ...(withAccuracy ? ['accuracy (cosine)'] : []), 'knobs'];
  $('#front-table thead tr').replaceChildren(...headers.map((h) => el('th', { text: h })));
  const cell = (v, u) => el('td', { class: 'num', text: three(v / u.scale) });
  $('#front-count').textContent = points.length;
  $('#front-table tbody').replaceChildren(...points.map((p) => {
    const isBest = best && p.candidate_id === best.candidate_id;
    return el('tr', {
      'data-candidate-id': p.candidate_id, 'data-schedule-id': p.schedule_id, 'data-cycles': p.latency_cycles,
      'data-energy': p.energy_uj, 'data-peak': p.peak_memory_bytes, 'data-source': p.source,
      'data-best': isBest ? 'yes' : 'no',
      class: `${state.newIds.has(p.candidate_id) ? 'new' : ''}${isBest ? ' best' : ''}`,
      onclick: () => openDetail(p.candidate_id),
    },
    el('td', { class: 'mark', text: isBest ? '★ best' : '', title: isBest ? 'the schedule tinytx-tune --out exports' : '' }),
    el('td', { text: shortId(p.schedule_id) }), el('td', { text: p.source }),
    front.clock_hz ? cell(p.latency_us, lat) : el('td', { text: '–' }),
    el('td', { class: 'num', text: p.latency_cycles.toLocaleString('en') }),
    cell(p.energy_uj, en), cell(p.peak_memory_bytes, arena),
    p.flash_bytes ? cell(p.flash_bytes, flash) : el('td', { text: '–' }),
    ...(withAccuracy ? [el('td', { class: 'num', text: p.accuracy === null ? '–' : p.accuracy.toFixed(4) })] : []),
    el('td', { class: 'knobs', text: knobLines(p.knobs).join('; ') }));
  }));
}

function summarize(front) {
  const count = (s) => front.points.filter((p) => p.status === s).length;
  const sources = Object.keys(front.fronts);
  const parts = [
    `${front.points.length} candidates run`,
    ...sources.map((s) => `front ${front.fronts[s].length} (${s})`),
    `${count('dominated') + count('duplicate')} dominated`,
  ];
  if (count('over_budget')) parts.push(`${count('over_budget')} over the budget`);
  if (front.failed.length) parts.push(`${front.failed.length} failed`);
  parts.push(front.budget_bytes === null ? 'no budget'
    : `budget ${kib(front.budget_bytes)} (${front.budget_from === 'request' ? 'as asked' : `from ${front.budget_from}`})`);
  if (sources.length > 1) parts.push('emulated and measured figures are fronts of their own');
  for (const s of sources) parts.push(`${sources.length > 1 ? s : 'all figures'}: ${front.source_text[s] || s}`);
  $('#front-summary').textContent = parts.join(' · ');
  // what an empty budget field stands for (the daemon says when the field is empty)
  if (front.budget_from !== 'request')
    $('#budget-input').placeholder = front.budget_from.startsWith('run ')
      ? `default: ${kib(front.budget_bytes)} (${front.budget_from})` : 'default: no budget (no tuning run)';
  // only imported models have an accuracy to plot
  $('#view-select option[value="accuracy"]').disabled = !front.accuracy;
  $('#download-svg').href = `/api/front.svg${query({ model: state.model, board: state.board, budget: state.budget })}`;
  $('#front-title').textContent = `— ${front.model.name} on ${front.board.name}`;
}

// Refreshes overlap (a live event during a budget change): only the newest request's answer is shown.
let frontRequests = 0;
async function refreshFront() {
  if (!state.model || !state.board) {
    $('#front-summary').textContent = 'No candidate run yet: run tinytx-tune (or a farm job) on this database.';
    return;
  }
  const t0 = performance.now();
  const request = ++frontRequests;
  let front;
  try {
    front = await getJson(`/api/front${query({ model: state.model, board: state.board, budget: state.budget })}`);
  } catch (e) {
    return request === frontRequests ? handleError(e) : undefined;
  }
  if (request !== frontRequests) return;  // an answer to an older selection
  const t1 = performance.now();
  const key = `${state.model}/${state.board}`;
  const seen = state.seen.get(key);
  state.newIds = new Set(seen ? front.points.map((p) => p.candidate_id).filter((id) => !seen.has(id)) : []);
  state.seen.set(key, new Set(front.points.map((p) => p.candidate_id)));
  state.front = front;
  if (state.view === 'accuracy' && !front.accuracy) state.view = 'memory';
  frontChart.render(front, state.view, state.newIds, $('#legend-extra'));
  renderTable(front);
  summarize(front);
  status(state.newIds.size ? `${state.newIds.size} new point${state.newIds.size > 1 ? 's' : ''}` : '');
  hook.timings.front = { fetch_ms: t1 - t0, render_ms: performance.now() - t1, points: front.points.length };
  hook.frontVersion += 1;
  document.body.dataset.frontVersion = hook.frontVersion;
}

async function refreshCalibration() {
  if (!state.board) return;
  try {
    const cal = await getJson(`/api/calibration${query({ board: state.board })}`);
    const b = state.boards.find((x) => x.id === state.board);
    $('#calibration-title').textContent = b ? `— ${b.name}` : '';
    calibrationChart.render(cal, $('#calibration-summary'));
    hook.calibrationVersion += 1;
    document.body.dataset.calibrationVersion = hook.calibrationVersion;
  } catch (e) {
    handleError(e);
  }
}

async function openDetail(candidateId) {
  try {
    detail.render(await getJson(`/api/candidates/${candidateId}${query({ budget: state.budget })}`));
  } catch (e) {
    handleError(e);
  }
}

function handleError(e) {
  if (e instanceof ApiError && e.status === 401) {
    $('#token-form').hidden = false;
    $('#token-message').textContent = e.message;
    status('a token is needed', true);
  } else {
    status(e.message, true);
  }
}

// Fronts are redrawn at most once a second however fast points arrive.
let refreshTimer = null;
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    await refreshFront();
    await refreshCalibration();
  }, 1000);
}

async function onJob(job) {
  const before = jobs.update(job);
  // a job on a model or board not listed yet: its first points made it appear
  if (job.model_id && !state.models.find((m) => m.id === job.model_id && m.boards.some((b) => b.board_id === job.board_id)))
    await loadLists().catch(() => {});
  if (before && before.state !== job.state) scheduleRefresh();
}

function connectEvents() {
  if (state.events) state.events.close();
  state.events = openEvents({
    job: onJob,
    measurements: () => scheduleRefresh(),
  }, (on) => $('#live').classList.toggle('on', on));
}

async function selectionChanged() {
  writeHash();
  detail.hide();
  await refreshFront();
  await refreshCalibration();
}

const frontChart = new FrontChart($('#front-chart'), $('#tooltip'), { onClick: (p) => openDetail(p.candidate_id) });
const calibrationChart = new CalibrationChart($('#calibration-chart'));
const detail = new DetailPanel($('#detail'));
const jobs = new JobsPanel($('#jobs'), {
  canCancel: () => state.info && state.info.jobs_run_here,
  onCancel: async (j) => {
    try {
      jobs.update(await postJson(`/api/jobs/${j.id}/cancel`));
    } catch (e) {
      handleError(e);
    }
  },
  onSelect: async (j) => {
    if (!j.model_id) return;
    state.model = j.model_id;
    state.board = j.board_id;
    fillSelects();
    await selectionChanged();
  },
});
hook.frontChart = frontChart;
hook.calibrationChart = calibrationChart;
hook.openDetail = openDetail;

let listening = false;
function addListeners() {
  if (listening) return;
  listening = true;
  $('#model-select').addEventListener('change', (e) => { state.model = Number(e.target.value); fillSelects(); selectionChanged(); });
  $('#board-select').addEventListener('change', (e) => { state.board = Number(e.target.value); selectionChanged(); });
  $('#budget-input').addEventListener('change', (e) => { state.budget = e.target.value.trim(); selectionChanged(); });
  $('#view-select').addEventListener('change', (e) => {
    state.view = e.target.value;
    writeHash();
    if (state.front) frontChart.render(state.front, state.view, state.newIds, $('#legend-extra'));
  });
  $('#download-png').addEventListener('click', (e) => {
    const m = state.models.find((x) => x.id === state.model);
    const b = state.boards.find((x) => x.id === state.board);
    e.currentTarget.download = `${m ? m.name : 'model'}-${b ? b.name : 'board'}-front.png`;
    e.currentTarget.href = frontChart.png();
  });
}

async function start() {
  Object.assign(state, readHash());
  try {
    state.info = await getJson('/api/info');
    await loadLists();
  } catch (e) {
    return handleError(e);
  }
  addListeners();
  writeHash();
  await refreshFront();
  await new Promise((r) => requestAnimationFrame(r));  // the frame that shows it
  hook.timings.firstFront = performance.now();  // since navigation start
  await refreshCalibration();
  try {
    jobs.set(await getJson('/api/jobs'));
  } catch (e) {
    handleError(e);
  }
  connectEvents();
  document.body.dataset.ready = 'yes';
}

$('#token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('#token-input').value.trim());
  $('#token-form').hidden = true;
  start();
});

start();
