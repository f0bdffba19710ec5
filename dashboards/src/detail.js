// One candidate: its knobs per layer, the arena plan drawn as offset ranges per layer (what each
// layer's input, output and scratch occupy while it runs), predicted against measured cycles, and
// the downloads (the schedule export and the emitted C folder).
import { Chart } from './charts.js';
import { cycles, el, energy, kib, ms, pct, shortId } from './format.js';

const ROLE_COLOUR = { input: 'rgba(11, 107, 203, 0.75)', output: 'rgba(46, 157, 79, 0.75)', scratch: 'rgba(237, 174, 73, 0.85)' };

export class DetailPanel {
  constructor(root) {
    this.root = root;
    this.planChart = null;
    this.candidate = null;
    root.querySelector('#detail-close').addEventListener('click', () => this.hide());
  }

  hide() {
    this.root.hidden = true;
    this.candidate = null;
  }

  render(c) {
    this.candidate = c;
    const $ = (s) => this.root.querySelector(s);
    this.root.hidden = false;
    this.root.dataset.candidateId = c.id;
    $('#detail-title').textContent = shortId(c.schedule_id);
    $('#detail-summary').textContent = `${c.model.name} on ${c.board.name} · candidate ${c.id} · ` +
      `${c.layers.length} layer${c.layers.length > 1 ? 's' : ''} · ` +
      (c.budget_bytes === null ? 'no budget' : `${c.fits_budget ? 'fits' : 'over'} the budget of ${kib(c.budget_bytes)}`);

    $('#detail-knobs tbody').replaceChildren(...c.layers.map((l) => el('tr', { 'data-layer': l.index },
      el('td', { text: l.index }), el('td', { text: l.attention }), el('td', { text: l.mhsa }),
      el('td', { text: l.mhsa === 'depthfirst' ? l.tile_rows : '–' }), el('td', { text: l.variant }),
      el('td', { text: l.ffn_tile || 'untiled' }), el('td', { text: l.placement || '–' }),
      el('td', { text: kib(l.scratch_bytes) }))));

    this.renderPlan(c);
    this.renderCycles(c);

    const dl = c.downloads;
    for (const [id, href] of [['#download-schedule', dl.schedule], ['#download-c', dl.c_folder]]) {
      const a = $(id);
      a.href = href;
      a.classList.toggle('disabled', !dl.available || !c.measured);
    }
    $('#download-note').textContent = !dl.available ? dl.reason
      : !c.measured ? 'no OK measurement: nothing to export' : '';
  }

  renderPlan(c) {
    const plan = c.plan;
    const labels = plan.layers.map((_, i) => `layer ${i}`);
    const range = (off, size) => [off / 1024, (off + size) / 1024];
    const datasets = [
      { label: 'input', data: plan.layers.map((l) => range(l.x_offset, l.x_size)), backgroundColor: ROLE_COLOUR.input },
      { label: 'output', data: plan.layers.map((l) => range(l.out_offset, l.out_size)), backgroundColor: ROLE_COLOUR.output },
      { label: 'scratch', data: plan.layers.map((l) => range(l.scratch_offset, l.scratch_size)), backgroundColor: ROLE_COLOUR.scratch },
    ].map((d) => ({ ...d, grouped: false, barPercentage: 0.9, categoryPercentage: 0.9, borderSkipped: false }));
    this.root.querySelector('#plan-summary').textContent =
      `peak ${kib(plan.peak_bytes)} at layer ${plan.peak_layer}; activations ${kib(plan.activation_bytes)} each (ping-pong), ` +
      `scratch reused by every layer` + (c.budget_bytes !== null ? `; budget ${kib(c.budget_bytes)}` : '');
    this.root.querySelector('#plan-box').style.height = `${70 + 26 * plan.layers.length}px`;
    const options = {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'linear', min: 0, max: plan.peak_bytes / 1024, title: { display: true, text: 'arena offset (KiB)' } },
        y: { type: 'category' },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 10 } },
        tooltip: {
          callbacks: {
            label: (item) => {
              const [a, b] = item.raw;
              return `${item.dataset.label}: ${kib(a * 1024)} .. ${kib(b * 1024)} (${kib((b - a) * 1024)})`;
            },
          },
        },
      },
    };
    if (this.planChart) this.planChart.destroy();
    this.planChart = new Chart(this.root.querySelector('#plan-chart'), { type: 'bar', data: { labels, datasets }, options });
  }

  renderCycles(c) {
    const rows = [];
    const cm = c.predicted.cost_model;
    rows.push(['predicted', `${cycles(c.predicted.cycles)} cycles · ${energy(c.predicted.energy_uj)}`,
      cm.calibration_points ? `cost model calibrated on ${cm.calibration_points} ${cm.figures} measurements`
        : 'prior cost model (not calibrated yet)']);
    // emulated cycles are named emulated, with the simulator that produced them
    const source = c.measured ? c.measured.cycles_source : 'measured';
    this.root.querySelector('#detail-cycles-title').textContent = `Predicted vs ${source}`;
    if (c.measured) {
      const m = c.measured;
      rows.push([source, `${cycles(m.cycles_median)} cycles · ${energy(m.energy_uj)}`,
        `${m.source_text} (agent ${m.agent})${c.board.clock_hz ? ' · ' + ms(m.latency_us) : ''}`]);
      rows.push(['error', pct(m.error_pct), `predicted against ${source}`]);
      rows.push(['arena', `${kib(c.plan.peak_bytes)} planned`, `${kib(m.arena_peak_bytes)} touched (painted), stack ${kib(m.stack_peak_bytes)}`]);
      rows.push(['flash', m.flash_bytes ? kib(m.flash_bytes) : '–', 'text + rodata + data of the image']);
    } else {
      rows.push([source, '–', c.measurements.length ? `newest: ${c.measurements.at(-1).status}` : 'never']);
    }
    if (c.accuracy !== null && c.accuracy !== undefined)
      rows.push(['accuracy', `cosine ${c.accuracy.toFixed(4)}`, 'integer encoder against the float model (the import\'s figures)']);
    this.root.querySelector('#detail-cycles tbody').replaceChildren(...rows.map(([k, v, note]) =>
      el('tr', { 'data-row': k }, el('th', { text: k }), el('td', { text: v }), el('td', { class: 'knobs', text: note }))));
  }
}
