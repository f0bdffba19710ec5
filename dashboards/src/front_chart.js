// The Pareto front as an interactive scatter: latency against arena peak (or energy, flash,
// accuracy), the front coloured by a third objective, dominated points grey, points over the
// budget light grey crosses, one marker per figure source, the best point (what `tinytx-tune
// --out` exports) starred. The budget spans the plot as a dashed line when it is near the points;
// far above them it is an annotation instead, so the axis stays fitted to the points. Ticks carry
// three significant figures and the unit chosen for the axis. Hovering shows the knobs (an HTML
// tooltip), clicking a point opens its detail.
import { Chart, GREY, LIGHT, SOURCE_LABEL, SOURCE_MARKER, scaleColour } from './charts.js';
import { cycles, el, energy, kib, knobLines, ms, shortId, three, unitFor } from './format.js';

const STATUS_LABEL = { front: 'front', dominated: 'dominated', duplicate: 'dominated', over_budget: 'over budget' };
const BUDGET_RED = '#b3261e';
const BEST_RED = '#d1495b';
// the budget is a line in the plot while the points keep at least a third of its height
const BUDGET_INSIDE = 3;

// What the y axis can show: the value of a point in base units, its kind of unit, the title.
export const VIEWS = {
  memory: { value: (p) => p.peak_memory_bytes, units: 'bytes', title: 'planned arena peak' },
  energy: { value: (p) => p.energy_uj, units: 'microjoules', title: 'energy per inference' },
  flash: { value: (p) => p.flash_bytes, units: 'bytes', title: 'flash (text + rodata + data)' },
  accuracy: { value: (p) => p.accuracy, units: 'cosine', title: 'accuracy (cosine similarity to the float model)' },
};

function axisOptions(title, unit, extra = {}) {
  return {
    type: 'linear',
    title: { display: true, text: unit.name ? `${title} (${unit.name})` : title },
    // cosine similarities crowd just below 1: they need their fourth decimal
    ticks: { callback: (v) => (unit.name ? `${three(v)} ${unit.name}` : v.toFixed(4)) },
    ...extra,
  };
}

export class FrontChart {
  constructor(canvas, tooltip, { onClick }) {
    this.canvas = canvas;
    this.tooltipEl = tooltip;
    this.onClick = onClick;
    this.chart = null;
    this.front = null;
    this.budgetMark = null;  // { mode: 'line' | 'annotation', label } as drawn (tests read it)
    this.best = null;
    this.units = null;       // { x, y }: { name, scale } of each axis
    const self = this;
    this.budgetPlugin = { id: 'budget', afterDatasetsDraw: (chart) => self.drawBudget(chart) };
  }

  // x: latency in the time unit its magnitude calls for when the board's clock is known (cycles
  // otherwise); y: the view's quantity in its unit
  axes(front, view, points, yTop) {
    const byTime = front.clock_hz > 0;
    const xv = (p) => (byTime ? p.latency_us : p.latency_cycles);
    const v = VIEWS[view] || VIEWS.memory;
    const xu = unitFor(byTime ? 'micros' : 'cycles', Math.max(0, ...points.map(xv)));
    const yu = unitFor(v.units, yTop ?? Math.max(0, ...points.map(v.value)));
    return {
      x: (p) => xv(p) / xu.scale,
      xUnit: xu,
      xTitle: byTime ? `latency at ${three(front.clock_hz / 1e6)} MHz` : 'latency',
      y: (p) => v.value(p) / yu.scale,
      yUnit: yu,
      yTitle: v.title,
      colourBy: view === 'energy' ? (p) => p.peak_memory_bytes : (p) => p.energy_uj,
      colourName: view === 'energy' ? 'arena peak' : 'energy',
      colourFormat: view === 'energy' ? kib : energy,
    };
  }

  render(front, view, newIds, legendEl) {
    this.front = front;
    // a view of a quantity some points lack (accuracy of a mixed schedule) leaves them out
    const shown = front.points.filter((p) => (VIEWS[view] || VIEWS.memory).value(p) !== null
      && (VIEWS[view] || VIEWS.memory).value(p) !== undefined);
    const budget = view === 'memory' ? this.budgetPlacement(front, shown) : null;
    const ax = this.axes(front, view, shown, budget && budget.top);
    this.units = { x: ax.xUnit, y: ax.yUnit };
    const onFront = shown.filter((p) => p.status === 'front');
    const values = onFront.map(ax.colourBy);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const colour = (p) => scaleColour(hi > lo ? (ax.colourBy(p) - lo) / (hi - lo) : 0.5);
    const point = (p) => ({ x: ax.x(p), y: ax.y(p), p });
    // over the budget and above the axis: drawn on its top edge as a triangle pointing up
    const capped = (p) => (budget && p.peak_memory_bytes > budget.top
      ? { x: ax.x(p), y: budget.top / ax.yUnit.scale, p, above: true } : point(p));
    const sources = [...new Set(shown.map((p) => p.source))].sort();
    const datasets = [];
    for (const source of sources) {
      const of = (statuses) => shown.filter((p) => p.source === source && statuses.includes(p.status));
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
          label: `over budget · ${label}${over.some((p) => capped(p).above) ? ' (▲ above the axis)' : ''}`,
          kind: 'over_budget',
          source,
          data: over.map(capped),
          pointStyle: (c) => (c.raw && c.raw.above ? 'triangle' : 'crossRot'),
          pointRadius: 5,
          pointHoverRadius: 7,
          backgroundColor: LIGHT,
          borderColor: LIGHT,
          borderWidth: 2,
          order: 3,
        });
    }
    this.best = front.best ? shown.find((p) => p.candidate_id === front.best.candidate_id
      && p.source === front.best.source) || null : null;
    if (this.best)
      datasets.push({
        label: 'best · what tinytx-tune --out exports',
        kind: 'best',
        source: this.best.source,
        data: [point(this.best)],
        pointStyle: 'star',
        pointRadius: 13,
        pointHoverRadius: 15,
        backgroundColor: 'rgba(209, 73, 91, 0.15)',
        borderColor: BEST_RED,
        borderWidth: 2.5,
        order: -1,
      });

    const yScale = { beginAtZero: view !== 'accuracy', grace: '5%' };
    // points in a narrow band high above zero get the axis' height (zero would flatten them)
    if (budget) yScale.beginAtZero = Math.min(...shown.map((p) => p.peak_memory_bytes)) < 0.4 * budget.top;
    this.budgetMark = budget && budget.mark;
    if (this.budgetMark && this.budgetMark.mode === 'line') {
      this.budgetMark.y = front.budget_bytes / ax.yUnit.scale;
      yScale.suggestedMax = this.budgetMark.y * 1.05;
    }

    const options = {
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      layout: { padding: { top: this.budgetMark && this.budgetMark.mode === 'annotation' ? 22 : 4 } },
      interaction: { mode: 'nearest', intersect: true },
      scales: {
        x: axisOptions(ax.xTitle, ax.xUnit),
        y: axisOptions(ax.yTitle, ax.yUnit, yScale),
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
        this.canvas.style.cursor = elements.length ? 'pointer' : 'default';
      },
    };
    if (!this.chart) {
      this.chart = new Chart(this.canvas, { type: 'scatter', data: { datasets }, options, plugins: [this.budgetPlugin] });
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
          this.best ? ' · ★ best: the fastest front point, the schedule tinytx-tune --out exports' : '',
          sources.length > 1 ? ' · each figure source has its own front and marker' : '');
    }
  }

  // The budget is a line across the plot when the points within it keep at least a third of the
  // height, else an annotation above them; the axis reaches a little above the budget line or
  // the points within it, never further for points over the budget (they sit on its top edge).
  budgetPlacement(front, shown) {
    if (!front.budget_bytes || !shown.length) return null;
    const inBudget = shown.filter((p) => p.status !== 'over_budget').map((p) => p.peak_memory_bytes);
    const highest = Math.max(1, ...inBudget);
    const unit = unitFor('bytes', front.budget_bytes);
    const label = `budget ${three(front.budget_bytes / unit.scale)} ${unit.name}`;
    if (front.budget_bytes <= BUDGET_INSIDE * highest)
      return { top: Math.max(front.budget_bytes, highest) * 1.1, mark: { mode: 'line', label } };
    return { top: highest * 1.1, mark: { mode: 'annotation',
      label: `▲ ${label}, far above: the largest point in it uses ${three(100 * highest / front.budget_bytes)} %` } };
  }

  drawBudget(chart) {
    const mark = this.budgetMark;
    if (!mark) return;
    const { ctx, chartArea: a } = chart;
    ctx.save();
    ctx.fillStyle = BUDGET_RED;
    ctx.strokeStyle = BUDGET_RED;
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'right';
    if (mark.mode === 'line') {
      const y = chart.scales.y.getPixelForValue(mark.y);
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(a.left, y);
      ctx.lineTo(a.right, y);
      ctx.stroke();
      ctx.fillText(mark.label, a.right - 4, y - 5);
    } else {
      ctx.fillText(mark.label, a.right - 4, a.top - 8);
    }
    ctx.restore();
  }

  // the chart as a PNG (white background, as printed)
  png() {
    const c = document.createElement('canvas');
    c.width = this.canvas.width;
    c.height = this.canvas.height;
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.drawImage(this.canvas, 0, 0);
    return c.toDataURL('image/png');
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
      el('div', {}, el('b', { text: shortId(p.schedule_id) }),
        this.best && this.best.candidate_id === p.candidate_id ? ' · ★ best' : '', ` · ${STATUS_LABEL[p.status] || p.status}`,
        p.status === 'duplicate' ? ` (same figures as ${shortId(p.duplicate_of)})` : '', ` · ${p.source}`),
      el('div', { text: `${this.front.clock_hz ? ms(p.latency_us) + ' · ' : ''}${cycles(p.latency_cycles)} cycles · ` +
        `${energy(p.energy_uj)} · arena ${kib(p.peak_memory_bytes)}` +
        (p.flash_bytes ? ` · flash ${kib(p.flash_bytes)}` : '') +
        (p.accuracy !== null && p.accuracy !== undefined ? ` · cosine ${p.accuracy.toFixed(4)}` : '') }),
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
