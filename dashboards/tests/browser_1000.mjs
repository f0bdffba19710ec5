// The load and render time of a front of more than 1,000 candidates, in headless Chromium: the
// real tune's database plus 1,000 synthetic measured candidates (tests/synthesize_front.py, SQL),
// served by tinytx-farmd --dashboard-only. A figure, printed and written to
// dashboard-test/load_1000/load.json, not an assertion (the machine may be busy); the test checks
// only that every point is drawn.
import fs from 'node:fs';
import path from 'node:path';
import {
  browser, check, copyDb, log, main, run, startDashboardOnly, stop, tuned, workDir,
} from './harness.mjs';

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

main('dashboard.browser_1000', async () => {
  const { db } = tuned();
  const dir = workDir('load_1000');
  const big = copyDb(db, dir, 'big.db');
  const syn = await run('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), 'synthesize_front.py'), big, '1000']);
  if (!check(syn.code === 0, `synthesize: ${syn.stderr}`)) return;
  const server = await startDashboardOnly(big, dir);
  const b = await browser();
  const loads = [];
  for (let i = 0; i < 3; ++i) {
    const page = await b.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`http://${server.http}/`);
    await page.waitForSelector('body[data-ready="yes"]', { timeout: 30000 });
    const t = await page.evaluate(() => ({ ...window.__tinytx.timings.front, first: window.__tinytx.timings.firstFront,
      drawn: window.__tinytx.frontChart.chart.data.datasets.filter((d) => d.kind !== 'best').reduce((n, d) => n + d.data.length, 0) }));
    check(t.points >= 1000 && t.drawn === t.points, `${t.drawn} of ${t.points} points drawn`);
    loads.push(t);
    if (i === 0) await page.screenshot({ path: path.join(dir, 'front_1000.png'), fullPage: true });
    await page.close();
  }
  await b.close();
  await stop(server.proc);
  const figure = {
    candidates: loads[0].points,
    synthetic: 1000,
    load_to_drawn_ms: median(loads.map((l) => l.first)),
    api_front_ms: median(loads.map((l) => l.fetch_ms)),
    draw_ms: median(loads.map((l) => l.render_ms)),
    loads: loads.map((l) => Math.round(l.first)),
  };
  fs.writeFileSync(path.join(dir, 'load.json'), `${JSON.stringify(figure, null, 2)}\n`);
  log(`front of ${figure.candidates} candidates (1,000 synthesized with SQL): page load to drawn front ` +
    `${figure.load_to_drawn_ms.toFixed(0)} ms (median of 3: ${figure.loads.join(', ')} ms; /api/front ` +
    `${figure.api_front_ms.toFixed(0)} ms, drawing ${figure.draw_ms.toFixed(0)} ms)`);
});
