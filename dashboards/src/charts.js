// Chart.js with only the pieces the dashboard draws (scatter, lines, floating bars), and the
// colours it shares between charts.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, ScatterController, Tooltip);
Chart.defaults.animation = false;  // fronts are redrawn as points arrive: no animation to wait for
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export { Chart };

// Where a figure came from has a marker of its own (never mixed without saying so).
export const SOURCE_MARKER = { emulated: 'circle', measured: 'rectRot', modeled: 'triangle' };
export const SOURCE_LABEL = {
  emulated: 'emulated (simulator, not board cycles)',
  measured: 'measured (board)',
  modeled: 'modeled',
};
export const GREY = 'rgba(110, 118, 130, 0.45)';
export const LIGHT = 'rgba(150, 156, 166, 0.45)';
export const PALETTE = ['#0b6bcb', '#d1495b', '#2e9d4f', '#edae49', '#6a4c93', '#00798c', '#8c564b'];

// t in [0, 1] -> blue .. red (the legend's .energy-scale gradient)
const STOPS = [[44, 123, 182], [171, 217, 233], [253, 174, 97], [215, 25, 28]];
export function scaleColour(t) {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const c = STOPS[i].map((v, k) => Math.round(v + (STOPS[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
