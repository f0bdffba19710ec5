// A model imported from ONNX and tuned under a 96 KiB budget, its points a few KiB each, seen in
// headless Chromium as a new user sees it: the daemon started with no --models-dir offers the
// downloads (it knows the import cache), the y axis fits the points and the far budget is an
// annotation rather than a line that squashes them, ticks have three significant figures and a
// unit, the best point is starred, accuracy is in the detail and is an axis to choose. A daemon
// whose import cache is elsewhere names the folder that would work. Screenshots in the build tree
// (dashboard-test/import/budget96-front.png).
import fs from 'node:fs';
import path from 'node:path';
import {
  args, bin, browser, check, checkTicks, log, main, run, startDashboardOnly, stop, waitFor, workDir,
} from './harness.mjs';

// a small post-norm encoder layer, exported as the README says (eval mode, gradients on)
const EXPORT = `
import sys, numpy as np, torch
torch.manual_seed(7)
layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, activation="gelu",
                                         batch_first=True).eval()
calib = torch.randn(16, 16, 32)
torch.onnx.export(layer, (calib[:1],), sys.argv[1] + "/encoder.onnx", opset_version=14,
                  input_names=["x"], output_names=["y"])
np.save(sys.argv[1] + "/encoder.calib.npy", calib.numpy())
`;

async function openPage(b, server) {
  const page = await b.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`http://${server.http}/`);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 20000 });
  return page;
}

main('dashboard.browser_import', async () => {
  const dir = workDir('import');
  process.env.TINYTX_IMPORT_CACHE = path.join(dir, 'import-cache');  // the tuner's and the daemon's
  const ex = await run('/usr/bin/python3', ['-c', EXPORT, dir]);
  if (!check(ex.code === 0, `ONNX export: ${ex.stderr.slice(-1500)}`)) return;
  const db = path.join(dir, 'import.db');
  const t = await run(bin('tinytx-tune'), ['--model', path.join(dir, 'encoder.onnx'), '--board', 'nucleo-l476rg',
    '--budget', '96KB', '--trials', '12', '--db', db, '--cache-dir', args.cache, '--json']);
  if (!check(t.code === 0, `tinytx-tune of the ONNX model: ${t.stderr.slice(-2000)}`)) return;
  const tuner = JSON.parse(t.stdout);

  const server = await startDashboardOnly(db, dir);  // no --models-dir
  const b = await browser();
  const page = await openPage(b, server);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // ---- readable points next to a far budget
  const view = await page.evaluate(() => {
    const fc = window.__tinytx.frontChart;
    const { chartArea, scales } = fc.chart;
    const ys = fc.chart.getDatasetMeta(fc.chart.data.datasets.findIndex((d) => d.kind === 'front')).data.map((e) => e.y);
    return { mark: fc.budgetMark, top: chartArea.top, height: chartArea.bottom - chartArea.top, highest: Math.min(...ys),
      yMax: scales.y.max * fc.units.y.scale };
  });
  const budget = 96 * 1024;
  check(view.mark && view.mark.mode === 'annotation' && view.mark.label.includes('budget 96 KiB'),
    `the far budget is an annotation: ${JSON.stringify(view.mark)}`);
  check(view.yMax < budget / 4, `the y axis fits the points, not the budget: top ${view.yMax} B`);
  check(view.highest < view.top + view.height / 2, `the points use the plot's height: ${JSON.stringify(view)}`);
  await checkTicks(page, '96 KiB front');
  const best = await page.evaluate(() => window.__tinytx.frontChart.chart.data.datasets
    .filter((d) => d.kind === 'best').flatMap((d) => d.data.map((x) => x.p)));
  check(best.length === 1 && best[0].schedule_id === tuner.best.schedule_id, 'the tuner\'s best point is starred');
  await (await page.$('#front-section')).screenshot({ path: path.join(dir, 'budget96-front.png') });
  await page.screenshot({ path: path.join(dir, 'budget96-page.png'), fullPage: true });
  const svgHref = await page.getAttribute('#download-svg', 'href');
  const svg = await (await page.request.get(`http://${server.http}${svgHref}`)).text();
  check(svg.includes('budget 96 KiB is far above'), 'the SVG annotates the far budget');
  fs.writeFileSync(path.join(dir, 'budget96-front.svg'), svg);

  // ---- accuracy: an axis to choose and a row of the detail
  const front = await page.evaluate(() => window.__tinytx.state.front);
  check(front.accuracy && front.accuracy.standard > 0.9, `the import's accuracy: ${JSON.stringify(front.accuracy)}`);
  check(!(await page.$eval('#view-select option[value="accuracy"]', (o) => o.disabled)), 'accuracy is an axis choice');
  await page.selectOption('#view-select', 'accuracy');
  const acc = await page.evaluate(() => window.__tinytx.frontChart.chart.data.datasets.filter((d) => d.kind === 'front')
    .flatMap((d) => d.data.map((x) => [x.y, x.p.accuracy])));
  check(acc.length > 0 && acc.every(([y, a]) => y === a), `the accuracy view plots the cosine: ${JSON.stringify(acc)}`);
  await page.selectOption('#view-select', 'memory');

  // ---- the downloads work with no --models-dir
  await page.evaluate((id) => window.__tinytx.openDetail(id), best[0].candidate_id);
  await page.waitForSelector(`#detail[data-candidate-id="${best[0].candidate_id}"]:not([hidden])`, { timeout: 5000 });
  const links = await page.$$eval('#detail .downloads a',
    (as) => as.map((a) => [a.getAttribute('href'), a.className]));
  check(links.length === 2 && links.every(([, c]) => !c.includes('disabled')), `downloads offered: ${JSON.stringify(links)}`);
  const sched = await page.request.get(`http://${server.http}${links[0][0]}`);
  check(sched.status() === 200 && (await sched.json()).schedule_id === tuner.best.schedule_id, 'the schedule download');
  const tar = await page.request.get(`http://${server.http}${links[1][0]}`);
  check(tar.status() === 200 && (await tar.body()).length > 10000, `the C folder download: ${tar.status()}`);
  const rows = await page.$$eval('#detail-cycles tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.row, tr.textContent])));
  check(rows.accuracy && rows.accuracy.includes('cosine'), `accuracy in the detail: ${JSON.stringify(rows)}`);
  check(rows.flash && rows.flash.includes('KiB'), 'flash in the detail');
  await page.screenshot({ path: path.join(dir, 'budget96-detail.png'), fullPage: true });
  await page.close();
  await stop(server.proc);

  // ---- a daemon whose import cache is elsewhere says which folder would work
  process.env.TINYTX_IMPORT_CACHE = path.join(dir, 'elsewhere');
  const other = await startDashboardOnly(db, dir);
  const page2 = await openPage(b, other);
  await page2.evaluate((id) => window.__tinytx.openDetail(id), best[0].candidate_id);
  await page2.waitForSelector('#detail:not([hidden])', { timeout: 5000 });
  await waitFor('the download note', async () => (await page2.textContent('#download-note')).length > 0, 5000);
  const note = await page2.textContent('#download-note');
  check(note.includes('--models-dir') && note.includes('~/.cache/tinytx/import') && note.includes('TINYTX_IMPORT_CACHE'),
    `the note names the import cache: ${note}`);
  check(errors.length === 0, `no page errors: ${errors}`);
  log(`imported model: front of ${tuner.front.length}, best ${tuner.best.schedule_id.slice(0, 12)}; screenshots in ${dir}`);
  await b.close();
  await stop(other.proc);
});
