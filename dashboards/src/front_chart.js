// The Pareto front as an interactive scatter: latency against arena peak (or energy), the front
// coloured by the third objective, dominated points grey, points over the budget light grey
// crosses, the budget a dashed line, one marker per figure source. Hovering shows the knobs
// (an HTML tooltip), clicking a point opens its detail.
import { Chart, GREY, LIGHT, SOURCE_LABEL, SOURCE_MARKER, scaleColour } from './charts.js';
import { cycles, el, energy, kib, knobLines, ms, shortId } from './format.js';

const STATUS_LABEL = { front: 'front', dominated: 'dominated', duplicate: 'dominated', over_budget: 'over budget' };

export class FrontChart {
  constructor(canvas, tooltip, { onClick }) {
    this.canvas = canvas;
    this.tooltipEl = tooltip;
    this.onClick = onClick;
    this.chart = null;
    this.front = null;
  }

  // x: latency in ms when the board's clock is known (cycles otherwise); y: KiB or µJ
  axes(front, view) {
    const byTime = front.clock_hz > 0;
    return {
      x: (p) => (byTime ? p.latency_us / 1000 : p.latency_cycles),
      xTitle: byTime ? `latency (ms at ${(front.clock_hz / 1e6).toFixed(0)} MHz)` : 'latency (cycles)',
      y: view === 'energy' ? (p) => p.energy_uj : (p) => p.peak_memory_bytes / 1024,
      yTitle: view === 'energy' ? 'energy per inference (µJ)' : 'arena peak (KiB, planned)',
      colourBy: view === 'energy' ? (p) => p.peak_memory_bytes : (p) => p.energy_uj,
      colourName: view === 'energy' ? 'arena peak' : 'energy',
      colourFormat: view === 'energy' ? kib : energy,
    };
  }

  render(front, view, newIds, legendEl) {
    this.front = front;
    const ax = this.axes(front, view);
    const onFront = front.points.filter((p) => p.status === 'front');
    const values = onFront.map(ax.colourBy);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const colour = (p) => scaleColour(hi > lo ? (ax.colourBy(p) - lo) / (hi - lo) : 0.5);
    const point = (p) => ({ x: ax.x(p), y: ax.y(p), p });
    const sources = [...new Set(front.points.map((p) => p.source))].sort();
    const datasets = [];
    for (const source of sources) {
      const of = (statuses) => front.points.filter((p) => p.source === source && statuses.includes(p.status));
      const marker = SOURCE_MARKER[source] || 'circle';
      const label = SOURCE_LABEL[source] || source;
      datasets.push({
        label: `front · ${label}`,
        kind: 'front',
        source,
        data: of(['front']).map(point),
        pointStyle: marker,
        pointRadius: 6,
        pointHoverRadius: 9,
        backgroundColor: (c) => (c.raw ? colour(c.raw.p) : '#888'),
        borderColor: (c) => (c.raw && newIds.has(c.raw.p.candidate_id) ? '#ff8f00' : '#1d2430'),
        borderWidth: (c) => (c.raw && newIds.has(c.raw.p.candidate_id) ? 3 : 1),
        order: 0,
      });
      datasets.push({
        label: `dominated · ${label}`,
        kind: 'dominated',
        source,
        data: of(['dominated', 'duplicate']).map(point),
        pointStyle: marker,
        pointRadius: 4,
        pointHoverRadius: 7,
        backgroundColor: GREY,
        borderColor: (c) => (c.raw && newIds.has(c.raw.p.candidate_id) ? '#ff8f00' : GREY),
        borderWidth: (c) => (c.raw && newIds.has(c.raw.p.candidate_id) ? 2 : 1),
        order: 2,
      });
      const over = of(['over_budget']);
      if (over.length)
        datasets.push({
          label: `over budget · ${label}`,
          kind: 'over_budget',
          source,
          data: over.map(point),
          pointStyle: 'crossRot',
          pointRadius: 5,
          pointHoverRadius: 7,
          backgroundColor: LIGHT,
          borderColor: LIGHT,
          borderWidth: 2,
          order: 3,
        });
    }
    // the budget line; when it is far above every point a linear axis would flatten the points
    // against the bottom: the memory axis turns logarithmic then (and says so)
    const ys = front.points.map(ax.y);
    const yMax = Math.max(...ys, 0);
    const budgetY = front.budget_bytes ? front.budget_bytes / 1024 : 0;
    const logY = view !== 'energy' && budgetY > yMax * 3;
    if (view !== 'energy' && front.budget_bytes && front.points.length) {
      const xs = front.points.map(ax.x);
      const pad = (Math.max(...xs) - Math.min(...xs)) * 0.04 || 1;
      const y = budgetY;
      datasets.push({
        type: 'line',
        label: `budget ${kib(front.budget_bytes)}`,
        kind: 'budget',
        data: [{ x: Math.min(...xs) - pad, y }, { x: Math.max(...xs) + pad, y }],
        borderColor: '#b3261e',
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        pointHoverRadius: 0,
        order: 1,
      });
    }

    const options = {
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: { type: 'linear', title: { display: true, text: ax.xTitle } },
        y: logY
          ? { type: 'logarithmic', title: { display: true, text: `${ax.yTitle}, log scale` },
            min: Math.min(...ys) * 0.85, max: budgetY * 1.25, ticks: { callback: (v) => (String(v)[0] === '1' || String(v)[0] === '2' || String(v)[0] === '5' ? v : '') } }
          : { type: 'linear', title: { display: true, text: ax.yTitle }, beginAtZero: true },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, boxHeight: 7 } },
        tooltip: { enabled: false, external: (ctx) => this.showTooltip(ctx) },
      },
      onClick: (evt, elements) => {
        const hit = elements.map((e) => this.chart.data.datasets[e.datasetIndex].data[e.index]).find((d) => d && d.p);
        if (hit) this.onClick(hit.p);
      },
      onHover: (evt, elements) => {
        this.canvas.style.cursor = elements.some((e) => this.chart.data.datasets[e.datasetIndex].kind !== 'budget')
          ? 'pointer' : 'default';
      },
    };
    if (!this.chart) {
      this.chart = new Chart(this.canvas, { type: 'scatter', data: { datasets }, options });
    } else {
      this.chart.data.datasets = datasets;
      this.chart.options = options;
      this.chart.update('none');
    }
    if (legendEl) {
      legendEl.replaceChildren();
      if (onFront.length)
        legendEl.append(`colour of front points: ${ax.colourName} ${ax.colourFormat(lo)} `,
          el('span', { class: 'energy-scale' }), ` ${ax.colourFormat(hi)}`,
          sources.length > 1 ? ' · each figure source has its own front and marker' : '');
    }
  }

  // the front points as drawn (for the table, and for tests)
  frontPoints() {
    if (!this.chart) return [];
    return this.chart.data.datasets.filter((d) => d.kind === 'front').flatMap((d) => d.data.map((x) => x.p));
  }

  // page coordinates of a candidate's marker (tests hover and click there)
  pointPosition(candidateId) {
    if (!this.chart) return null;
    const rect = this.canvas.getBoundingClientRect();
    for (let di = 0; di < this.chart.data.datasets.length; ++di) {
      const data = this.chart.data.datasets[di].data;
      const j = data.findIndex((d) => d.p && d.p.candidate_id === candidateId);
      if (j >= 0) {
        const e = this.chart.getDatasetMeta(di).data[j];
        return { x: rect.left + window.scrollX + e.x, y: rect.top + window.scrollY + e.y };
      }
    }
    return null;
  }

  showTooltip(ctx) {
    const t = ctx.tooltip;
    const item = t.dataPoints && t.dataPoints.find((d) => d.raw && d.raw.p);
    if (t.opacity === 0 || !item) {
      this.tooltipEl.hidden = true;
      return;
    }
    const p = item.raw.p;
    const box = this.tooltipEl;
    box.replaceChildren(
      el('div', {}, el('b', { text: shortId(p.schedule_id) }), ` · ${STATUS_LABEL[p.status] || p.status}`,
        p.status === 'duplicate' ? ` (same figures as ${shortId(p.duplicate_of)})` : '', ` · ${p.source}`),
      el('div', { text: `${this.front.clock_hz ? ms(p.latency_us) + ' · ' : ''}${cycles(p.latency_cycles)} cycles · ` +
        `${energy(p.energy_uj)} · arena ${kib(p.peak_memory_bytes)}` }),
      ...knobLines(p.knobs).map((line) => el('div', { class: 'knob', text: line })),
    );
    box.hidden = false;
    const host = box.offsetParent || document.body;
    const canvasRect = this.canvas.getBoundingClientRect();
    const hostRect = host.getBoundingClientRect();
    let left = canvasRect.left - hostRect.left + t.caretX + 14;
    const top = canvasRect.top - hostRect.top + t.caretY + 10;
    if (left + box.offsetWidth > hostRect.width) left = Math.max(0, left - box.offsetWidth - 28);
    box.style.left = `${left}px`;
    box.style.top = `${top}px`;
    box.dataset.candidateId = p.candidate_id;
  }
}
