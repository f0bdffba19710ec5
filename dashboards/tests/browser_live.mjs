// A job in progress updates the page without reloading: a real farm (tinytx-farmd with a token,
// one tinytx-agent on the ISS) over a copy of the real tune's database, the page open in headless
// Chromium, a job submitted with tinytx-tune --farm. The page shows the job running, its progress
// growing, the newest points appearing on the front, and the job finished; a second job is
// cancelled from the page (a write: the token goes in the Authorization header).
import { spawn } from 'node:child_process';
import path from 'node:path';
import {
  TOKEN, args, bin, browser, check, copyDb, log, main, startAgent, startFarm, stop, stream, tuned, waitFor, workDir,
} from './harness.mjs';

function submit(farm, extra) {
  const argv = ['--farm', farm.address, '--farm-token-file', farm.tokenFile, '--model', path.join(args.models, 'eegformer.json'),
    '--board', 'nucleo-h743zi', '--budget', '512KB', '--strategy', 'nsga2', ...extra];
  const p = spawn(bin('tinytx-tune'), argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => { stdout += d; });
  p.stderr.on('data', (d) => { stderr += d; });
  p.done = new Promise((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr })));
  return p;
}

main('dashboard.browser_live', async () => {
  const { db } = tuned();
  const dir = workDir('live');
  const agent = await startAgent(dir);
  const farm = await startFarm(copyDb(db, dir, 'live.db'), dir, ['--agents', agent.address]);
  const base = `http://${farm.http}`;
  const b = await browser();
  const context = await b.newContext({ viewport: { width: 1400, height: 1000 } });
  // this farm's reads need the token: the page keeps it for the session and as a cookie
  await context.addCookies([{ name: 'tinytx_token', value: TOKEN, url: base }]);
  await context.addInitScript((t) => sessionStorage.setItem('tinytx_token', t), TOKEN);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 20000 });
  await page.evaluate(() => { window.__sameDocument = true; });
  const drawn = () => page.evaluate(() => window.__tinytx.state.front.points.length);
  const before = await drawn();
  await waitFor('the live indicator', () => page.$('#live.on'), 10000);

  // ---- a job: seen running, progress growing, points arriving, finished
  // 40 trials: five batches, so points arrive while it runs
  const job = submit(farm, ['--trials', '40', '--seed', '11', '--json']);
  const li = await waitFor('the job on the page, running with progress', async () => {
    const e = await page.$('#jobs li[data-state="running"][data-done]');
    return e && e.evaluate((x) => ({ id: x.dataset.jobId, done: Number(x.dataset.done), planned: Number(x.dataset.planned) }));
  }, 60000);
  log(`job ${li.id} running: ${li.done}/${li.planned}`);
  // the job's own stream (JobManager::wait underneath): every change until it ends
  const jobEvents = stream(`${base}/api/jobs/${li.id}/events`, { Authorization: `Bearer ${TOKEN}` });
  const later = await waitFor('the progress to grow', async () => {
    const done = await page.$eval(`#jobs li[data-job-id="${li.id}"]`, (x) => Number(x.dataset.done || 0)).catch(() => 0);
    return done > li.done ? done : 0;
  }, 60000);
  log(`progress: ${li.done} -> ${later} of ${li.planned}`);
  const grown = await waitFor('new points on the front', async () => {
    const n = await drawn();
    return n > before ? n : 0;
  }, 60000);
  const then = await page.$eval(`#jobs li[data-job-id="${li.id}"]`, (x) => ({ state: x.dataset.state, done: x.dataset.done }));
  const marked = await page.evaluate(() => window.__tinytx.state.newIds.size);
  check(marked > 0, `the newest points are marked (${marked})`);
  check(then.state === 'running', `the points arrived while the job ran (it was ${then.state} at ${then.done})`);
  log(`points: ${before} -> ${grown} with the job ${then.state} at ${then.done}/${li.planned}`);
  await page.screenshot({ path: path.join(dir, 'live.png'), fullPage: true });
  await page.waitForSelector(`#jobs li[data-job-id="${li.id}"][data-state="finished"]`, { timeout: 90000 });
  const out = await job.done;
  await jobEvents.wait('the job stream\'s end', (e) => e.event === 'end', 10000);
  const dones = jobEvents.events.filter((e) => e.event === 'job' && e.data.progress).map((e) => e.data.progress.done);
  check(dones.length >= 2 && dones.every((d, i) => i === 0 || d >= dones[i - 1]) && dones.at(-1) === li.planned,
    `the job's event stream follows its progress to the end: ${dones}`);
  check(jobEvents.events.at(-1).data.state === 'finished', `the stream ends with the job: ${JSON.stringify(jobEvents.events.at(-1))}`);
  await jobEvents.close();
  check(out.code === 0, `tinytx-tune --farm exited ${out.code}: ${out.stderr.slice(-1500)}`);

  // after the job, the page shows what the daemon computes (one more refresh may be pending)
  await page.waitForTimeout(1500);
  const api = await (await fetch(`${base}/api/front?model=1&board=1`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  await waitFor('the page to catch up with the database', async () => (await drawn()) === api.points.length, 10000);
  const pageFront = await page.evaluate(() => window.__tinytx.frontChart.frontPoints().map((p) => p.candidate_id).sort());
  check(JSON.stringify(pageFront) === JSON.stringify(api.fronts.emulated.slice().sort()), 'the page\'s front is the daemon\'s');
  const jobFront = JSON.parse(out.stdout).front.length;
  log(`job finished: front of ${jobFront} over its own trials; ${api.points.length} candidates on the page`);

  // ---- cancel a job from the page
  const long = submit(farm, ['--trials', '300', '--seed', '12']);
  const second = await waitFor('the second job running', async () => {
    const e = await page.$('#jobs li[data-state="running"]');
    return e && e.evaluate((x) => x.dataset.jobId);
  }, 60000);
  await page.click(`#jobs li[data-job-id="${second}"] button`);
  await page.waitForSelector(`#jobs li[data-job-id="${second}"][data-state="cancelled"]`, { timeout: 60000 });
  const cancelled = await long.done;
  check(cancelled.code !== 0, `the cancelled job's client says so (exit ${cancelled.code})`);
  await page.screenshot({ path: path.join(dir, 'cancelled.png'), fullPage: true });

  check(await page.evaluate(() => window.__sameDocument === true), 'no reload: one document all along');
  check(errors.length === 0, `no page errors: ${errors}`);
  await b.close();
  await stop(farm.proc);
  await stop(agent.proc);
});
