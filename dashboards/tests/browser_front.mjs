// The page in headless Chromium over the real tune's database (tinytx-farmd --dashboard-only):
// the points drawn and listed are the tuner's front (count and values); hovering a point shows its
// knobs, clicking it opens its detail (knobs per layer, arena plan, predicted vs measured,
// downloads); the budget and the view can be changed; the calibration chart holds every measured
// candidate; figures from a board (synthesized) are a front of their own with their own marker.
// The best point (what tinytx-tune --out exports) is starred and listed first, ticks carry three
// significant figures and a unit, the budget is drawn, SVG and PNG downloads are pictures of the
// front. Screenshots go to the build tree (dashboard-test/front/*.png; quickstart-front.png is the
// quickstart's front).
import path from 'node:path';
import fs from 'node:fs';
import {
  browser, check, checkTicks, copyDb, figures, log, main, run, startDashboardOnly, stop, tuned, waitFor, workDir,
} from './harness.mjs';

const knobText = (k) => [k.attention, k.mhsa, k.mhsa === 'depthfirst' ? String(k.tile_rows) : '–', k.variant,
  k.ffn_tile ? String(k.ffn_tile) : 'untiled', k.placement || '–'];

main('dashboard.browser_front', async () => {
  const { db, front: tuner } = tuned();
  const dir = workDir('front');
  const dbCopy = copyDb(db, dir, 'front.db');
  const server = await startDashboardOnly(dbCopy, dir);
  const b = await browser();
  const page = await b.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(`http://${server.http}/`)) external.push(r.url()); });

  await page.goto(`http://${server.http}/`);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 20000 });

  // ---- the front on the page is the tuner's front
  const drawn = await page.evaluate(() => window.__tinytx.frontChart.frontPoints());
  const rows = await page.$$eval('#front-table tbody tr', (trs) => trs.map((tr) => ({
    schedule_id: tr.dataset.scheduleId, latency_cycles: Number(tr.dataset.cycles), energy_uj: Number(tr.dataset.energy),
    peak_memory_bytes: Number(tr.dataset.peak), candidate_id: Number(tr.dataset.candidateId),
  })));
  const want = tuner.front.map(figures).sort();
  check(drawn.length === tuner.front.length, `${drawn.length} front points drawn, the tuner's front has ${tuner.front.length}`);
  check(rows.length === tuner.front.length, `${rows.length} rows in the front table`);
  check(JSON.stringify(drawn.map(figures).sort()) === JSON.stringify(want), 'the drawn points have the tuner\'s figures');
  check(JSON.stringify(rows.map(figures).sort()) === JSON.stringify(want), 'the table rows have the tuner\'s figures');
  const counted = await page.evaluate(() => {
    const ds = window.__tinytx.frontChart.chart.data.datasets;
    return Object.fromEntries(['front', 'dominated', 'over_budget', 'budget'].map((k) =>
      [k, ds.filter((d) => d.kind === k).reduce((n, d) => n + d.data.length, 0)]));
  });
  const api = await page.evaluate(() => window.__tinytx.state.front);
  check(counted.front + counted.dominated + counted.over_budget === api.points.length,
    `every measured candidate is drawn (${JSON.stringify(counted)}, ${api.points.length} points)`);
  const mark = await page.evaluate(() => window.__tinytx.frontChart.budgetMark);
  check(mark && mark.label.includes('budget 512 KiB'), `the budget is drawn: ${JSON.stringify(mark)}`);
  const summary = await page.textContent('#front-summary');
  check(summary.includes(`front ${tuner.front.length} (emulated)`) && summary.includes('budget 512.0 KiB'), `summary: ${summary}`);
  check(summary.includes('emulated by the instruction-set simulator (Unicorn) with the nucleo-h743zi cycle model')
    && !/all figures: measured/.test(summary), `the summary names the simulator: ${summary}`);
  const placeholder = await page.getAttribute('#budget-input', 'placeholder');
  check(/^default: 512\.0 KiB \(run \d+\)$/.test(placeholder), `the budget field says its default: ${placeholder}`);

  // ---- the best point: starred on the chart, first in the table, the tuner's best
  const starred = await page.evaluate(() => window.__tinytx.frontChart.chart.data.datasets
    .filter((d) => d.kind === 'best').map((d) => ({ style: d.pointStyle, ids: d.data.map((x) => x.p.schedule_id) })));
  check(starred.length === 1 && starred[0].style === 'star' && starred[0].ids[0] === tuner.best.schedule_id,
    `the tuner's best point is starred: ${JSON.stringify(starred)} vs ${tuner.best.schedule_id}`);
  const first = await page.$eval('#front-table tbody tr', (tr) => ({ id: tr.dataset.scheduleId, best: tr.dataset.best,
    mark: tr.cells[0].textContent }));
  check(first.id === tuner.best.schedule_id && first.best === 'yes' && first.mark.includes('best'),
    `the best point is listed first: ${JSON.stringify(first)}`);
  const headers = await page.$$eval('#front-table thead th', (ths) => ths.map((th) => th.textContent));
  for (const h of ['latency (', 'energy (', 'arena peak (', 'flash ('])
    check(headers.some((x) => x.startsWith(h) && x.endsWith(')')), `the table header states the unit of ${h}: ${headers}`);
  await checkTicks(page, 'quickstart front');
  const legend = await page.evaluate(() => window.__tinytx.frontChart.chart.data.datasets.map((d) => d.label));
  check(legend.some((l) => l.startsWith('front · emulated')) && legend.some((l) => l.startsWith('dominated · emulated')),
    `the legend tells the figures' source: ${legend}`);
  const greys = await page.evaluate(() => window.__tinytx.frontChart.chart.data.datasets.find((d) => d.kind === 'dominated').backgroundColor);
  check(/rgba\(110, 118, 130/.test(greys), `dominated points are grey (${greys})`);
  await page.screenshot({ path: path.join(dir, 'front.png'), fullPage: true });
  await (await page.$('#front-section')).screenshot({ path: path.join(dir, 'quickstart-front.png') });

  // ---- the static pictures: the daemon's SVG (the code tinytx-tune --plot runs) and the chart's PNG
  const svgHref = await page.getAttribute('#download-svg', 'href');
  const svg = await page.request.get(`http://${server.http}${svgHref}`);
  const svgText = await svg.text();
  check(svg.status() === 200 && svg.headers()['content-type'].startsWith('image/svg+xml') && svgText.includes('<svg')
    && svgText.includes('best: ') && svgText.includes('budget 512 KiB'), `download SVG: ${svg.status()} ${svgText.slice(0, 200)}`);
  fs.writeFileSync(path.join(dir, 'quickstart-front.svg'), svgText);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
  const pngFile = path.join(dir, 'download.png');
  await png.saveAs(pngFile);
  const magic = fs.readFileSync(pngFile).subarray(0, 8).toString('hex');
  check(magic === '89504e470d0a1a0a' && png.suggestedFilename().endsWith('-front.png'),
    `download PNG: ${png.suggestedFilename()} ${magic}`);

  // ---- hover the fastest front point: its knobs
  const best = tuner.front[0];
  const bestRow = rows.find((r) => r.schedule_id === best.schedule_id);
  const pos = await page.evaluate((id) => window.__tinytx.frontChart.pointPosition(id), bestRow.candidate_id);
  check(pos, 'the best point has a marker');
  await page.mouse.move(pos.x, pos.y);
  await page.waitForSelector('#tooltip:not([hidden])', { timeout: 5000 });
  const tip = await page.textContent('#tooltip');
  const k = best.knobs[0];
  check(tip.includes(best.schedule_id.slice(0, 12)) && tip.includes(k.attention) && tip.includes(k.variant) && tip.includes(k.mhsa),
    `the tooltip shows the knobs: ${tip}`);
  await page.screenshot({ path: path.join(dir, 'hover.png') });

  // ---- click it: the detail
  await page.mouse.click(pos.x, pos.y);
  await page.waitForSelector(`#detail[data-candidate-id="${bestRow.candidate_id}"]:not([hidden])`, { timeout: 5000 });
  const knobRows = await page.$$eval('#detail-knobs tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  check(knobRows.length === best.knobs.length, `${knobRows.length} layers in the detail`);
  best.knobs.forEach((kn, i) => check(JSON.stringify(knobRows[i].slice(1, 7)) === JSON.stringify(knobText(kn)),
    `layer ${i} knobs ${knobRows[i]} = ${knobText(kn)}`));
  const plan = await page.textContent('#plan-summary');
  check(plan.includes(`peak ${(best.peak_memory_bytes / 1024).toFixed(1)} KiB`), `the arena plan: ${plan}`);
  const bars = await page.evaluate(() => document.querySelector('#plan-chart').getBoundingClientRect().height);
  check(bars > 40, 'the arena plan is drawn');
  const cyc = await page.$$eval('#detail-cycles tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.row, tr.textContent])));
  check(cyc.predicted && cyc.emulated && !cyc.measured && cyc.error && cyc.emulated.includes((best.latency_cycles / 1e6).toFixed(2))
    && cyc.emulated.includes('emulated by the instruction-set simulator'), `predicted vs emulated: ${JSON.stringify(cyc)}`);
  check(cyc.flash && /KiB/.test(cyc.flash), `the detail states flash: ${cyc.flash}`);
  check((await page.textContent('#detail-cycles-title')) === 'Predicted vs emulated', 'emulated cycles are not called measured');
  const hrefs = await page.$$eval('#detail .downloads a', (as) => as.map((a) => [a.getAttribute('href'), a.className]));
  check(hrefs.length === 2 && hrefs.every(([h, c]) => h && !c.includes('disabled')), `downloads offered: ${hrefs}`);
  const exp = await page.request.get(`http://${server.http}${hrefs[0][0]}`);
  check(exp.status() === 200 && (await exp.json()).schedule_id === best.schedule_id, 'the schedule download is this point\'s');
  await page.screenshot({ path: path.join(dir, 'detail.png'), fullPage: true });

  // ---- the calibration chart: every measured candidate, predicted against measured
  const cal = await page.evaluate(() => window.__tinytx.calibrationChart.chart.data.datasets
    .filter((d) => d.type !== 'line').reduce((n, d) => n + d.data.length, 0));
  check(cal === api.points.length, `calibration chart: ${cal} points for ${api.points.length} measured candidates`);
  check((await page.textContent('#calibration-summary')).includes('median |error|'), 'calibration summary');

  // ---- a tighter budget: some points go over it, the front is recomputed by the daemon
  const version = await page.evaluate(() => window.__tinytx.frontVersion);
  const tight = Math.ceil(tuner.minimal_peak_bytes * 1.1);
  await page.fill('#budget-input', String(tight));
  await page.press('#budget-input', 'Enter');
  // the front of this budget (another refresh, e.g. the live one, may bump the version first)
  await waitFor('the front for the new budget', () => page.evaluate(([v, b]) => window.__tinytx.frontVersion > v
    && window.__tinytx.state.front.budget_bytes === b, [version, tight]), 10000);
  const under = await page.evaluate(() => window.__tinytx.state.front);
  const over = under.points.filter((p) => p.status === 'over_budget').length;
  check(under.budget_bytes === tight && over > 0 && under.points.filter((p) => p.status === 'front').every((p) => p.peak_memory_bytes <= tight),
    `budget ${tight} (the front's: ${under.budget_bytes}): ${over} over it, the front within it`);
  check(page.url().includes(`budget=${tight}`), 'the selection is in the URL');
  // a budget near the points is a dashed line across the whole plot, the axis stretched to show it
  // points over it far above do not stretch the axis: they sit on its top edge
  const near = await page.evaluate(() => {
    const fc = window.__tinytx.frontChart;
    const over = fc.chart.data.datasets.filter((d) => d.kind === 'over_budget').flatMap((d) => d.data);
    return { mark: fc.budgetMark, yMax: fc.chart.scales.y.max, above: over.filter((d) => d.above).length,
      beyond: over.filter((d) => d.y > fc.chart.scales.y.max).length };
  });
  check(near.mark && near.mark.mode === 'line' && near.yMax >= near.mark.y && near.yMax < 2 * near.mark.y
    && near.above > 0 && near.beyond === 0, `a near budget is a line, the axis fitted to it: ${JSON.stringify(near)}`);
  await page.screenshot({ path: path.join(dir, 'tight-budget.png'), fullPage: true });
  check(errors.length === 0, `no page errors: ${errors}`);
  errors.length = 0;
  await page.fill('#budget-input', '12XB');  // the daemon answers 400: the page says why
  await page.press('#budget-input', 'Enter');
  await waitFor('the error', async () => (await page.textContent('#status')).includes('budget'), 5000);

  // ---- the energy view
  await page.fill('#budget-input', '');
  await page.press('#budget-input', 'Enter');
  await page.selectOption('#view-select', 'energy');
  const plotted = (field) => page.evaluate((f) => {
    const fc = window.__tinytx.frontChart;
    return fc.chart.data.datasets.find((d) => d.kind === 'front').data.map((d) => [d.y * fc.units.y.scale, d.p[f]]);
  }, field);
  const same = (pairs) => pairs.length > 0 && pairs.every(([a, b]) => Math.abs(a - b) <= 1e-9 * Math.max(1, b));
  check(same(await plotted('energy_uj')), 'the energy view plots energy');
  await checkTicks(page, 'energy view');
  await page.screenshot({ path: path.join(dir, 'energy.png'), fullPage: true });
  await page.selectOption('#view-select', 'flash');
  const flash = await plotted('flash_bytes');
  check(same(flash) && flash.every(([, b]) => b > 0), `the flash view plots flash: ${JSON.stringify(flash.slice(0, 3))}`);
  await checkTicks(page, 'flash view');

  // ---- figures from a board beside the emulated ones: a front of their own, a marker of their own
  const add = await run('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), 'synthesize_front.py'),
    dbCopy, '5', 'measured']);
  check(add.code === 0, `measured points added: ${add.stderr}`);
  await page.selectOption('#view-select', 'memory');
  await page.reload();
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 20000 });
  const mixed = await page.evaluate(() => window.__tinytx.frontChart.chart.data.datasets
    .filter((d) => d.kind === 'front').map((d) => ({ source: d.source, marker: d.pointStyle, n: d.data.length, label: d.label })));
  const emu = mixed.find((d) => d.source === 'emulated');
  const meas = mixed.find((d) => d.source === 'measured');
  check(emu && meas && emu.marker !== meas.marker && meas.label.includes('measured (board)') && emu.n === tuner.front.length && meas.n >= 1,
    `emulated and measured are fronts of their own with their own markers: ${JSON.stringify(mixed)}`);
  check((await page.textContent('#front-summary')).includes('fronts of their own'), 'the summary says the sources are kept apart');
  await page.screenshot({ path: path.join(dir, 'sources.png'), fullPage: true });

  check(external.length === 0, `no request leaves the daemon: ${external}`);
  check(errors.every((e) => e.includes('400 (Bad Request)')), `no page errors but the 400 asked for: ${errors}`);
  log(`front of ${drawn.length} points matches the tuner; screenshots in ${dir}`);
  await b.close();
  await stop(server.proc);
});
