// Calibration quality of a board: every measured candidate's predicted cycles (the board's stored
// cost model) against its measured cycles, the diagonal where they agree.
import { Chart, PALETTE, SOURCE_MARKER } from './charts.js';
import { cycles, pct } from './format.js';

export class CalibrationChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.chart = null;
  }

  render(cal, summaryEl) {
    const groups = new Map();
    for (const p of cal.points) {
      const key = `${p.model} · ${p.source}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(p);
    }
    const datasets = [...groups.entries()].map(([key, pts], i) => ({
      label: key,
      data: pts.map((p) => ({ x: p.predicted_cycles / 1e6, y: p.measured_cycles / 1e6, p })),
      pointStyle: SOURCE_MARKER[pts[0].source] || 'circle',
      backgroundColor: PALETTE[i % PALETTE.length],
      pointRadius: 3.5,
    }));
    // emulated cycles are called emulated: the axis names the sources it holds
    const got = [...new Set(cal.points.map((p) => p.source))].sort().join(' or ') || 'measured';
    const all = cal.points.flatMap((p) => [p.predicted_cycles, p.measured_cycles]).map((v) => v / 1e6);
    if (all.length) {
      const lo = Math.min(...all) * 0.95;
      const hi = Math.max(...all) * 1.05;
      datasets.push({ type: 'line', label: `predicted = ${got}`, data: [{ x: lo, y: lo }, { x: hi, y: hi }],
        borderColor: 'rgba(29, 36, 48, 0.5)', borderDash: [4, 4], borderWidth: 1, pointRadius: 0, pointHoverRadius: 0 });
    }
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: 'linear', title: { display: true, text: 'predicted cycles (M)' } },
        y: { type: 'linear', title: { display: true, text: `${got} cycles (M)` } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, boxHeight: 7 } },
        tooltip: {
          filter: (item) => item.raw && item.raw.p,
          callbacks: {
            label: (item) => {
              const p = item.raw.p;
              return `${p.model} ${p.schedule_id.slice(0, 12)}: predicted ${cycles(p.predicted_cycles)}, ` +
                `${p.source} ${cycles(p.measured_cycles)} (${pct(p.error_pct)})`;
            },
          },
        },
      },
    };
    if (!this.chart) this.chart = new Chart(this.canvas, { type: 'scatter', data: { datasets }, options });
    else {
      this.chart.data.datasets = datasets;
      this.chart.options = options;
      this.chart.update('none');
    }
    summaryEl.textContent = Object.entries(cal.sources).map(([source, s]) =>
      `${source}: ${s.points} candidates, median |error| ${s.median_abs_pct.toFixed(2)} %, ` +
      `mean ${s.mape_pct.toFixed(2)} %, max ${s.max_abs_pct.toFixed(2)} % · cost model ` +
      (s.cost_model_calibration_points ? `calibrated on ${s.cost_model_calibration_points} measurements` : 'prior (uncalibrated)'))
      .join(' — ') || 'no candidate run on this board yet';
  }
}
