// The JSON API of a real tinytx-farmd on loopback over the real tune's database: the front equals
// the tuner's (tinytx-tune --json), malformed parameters get 400 with a message, unknown ids 404,
// writes without the token 401 (reads too when the farm says so), the event stream speaks SSE,
// and the downloaded C folder builds and prints the CRC the downloaded schedule states.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  TOKEN, check, copyDb, figures, log, main, run, startDashboardOnly, startFarm, stop, stream, tuned, workDir,
} from './harness.mjs';

async function get(base, target, headers = {}) {
  const r = await fetch(base + target, { headers });
  const text = await r.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, body, text, headers: r.headers, bytes: text.length };
}

main('dashboard.api', async () => {
  const { db, front: tuner } = tuned();
  const dir = workDir('api');
  const farm = await startFarm(copyDb(db, dir, 'farm.db'), dir, ['--public-read']);
  const base = `http://${farm.http}`;
  log(`farm: gRPC ${farm.address}, HTTP ${farm.http}`);

  // ---- reads: the front is the tuner's
  const info = await get(base, '/api/info');
  check(info.status === 200 && info.body.mode === 'farm' && info.body.writes_need_token && !info.body.reads_need_token,
    `info: ${info.text}`);
  const models = (await get(base, '/api/models')).body;
  const boards = (await get(base, '/api/boards')).body;
  const model = models.find((m) => m.name === 'eegformer');
  const board = boards.find((b) => b.name === 'nucleo-h743zi');
  check(model && board && model.spec_hash === tuner.model_hash, 'the tuned model and board are listed, same identity hash');
  const f = await get(base, `/api/front?model=${model.id}&board=${board.id}`);
  check(f.status === 200, `front: ${f.status} ${f.text.slice(0, 300)}`);
  const pageFront = f.body.points.filter((p) => p.status === 'front');
  check(f.body.budget_bytes === tuner.budget_bytes, `budget from the run: ${f.body.budget_bytes}`);
  check(pageFront.length === tuner.front.length, `front size ${pageFront.length} = tuner's ${tuner.front.length}`);
  const want = new Set(tuner.front.map(figures));
  check(pageFront.every((p) => want.has(figures(p))), 'every front point has the tuner\'s figures');
  check(JSON.stringify(f.body.fronts.emulated.map((id) => f.body.points.find((p) => p.candidate_id === id).schedule_id)) ===
    JSON.stringify(tuner.front.map((p) => p.schedule_id)), 'in the tuner\'s order');
  check(f.body.points.length + f.body.failed.length + f.body.stopped_dominated === tuner.trials,
    `${f.body.points.length} points + ${f.body.failed.length} failed + ${f.body.stopped_dominated} stopped once dominated = ${tuner.trials} trials`);

  // ---- 400: malformed parameters, each with a message naming what is wrong
  const bad = [
    ['/api/front?model=abc&board=1', 'model'], ['/api/front?model=1', 'board'], ['/api/front?model=1&board=1&budget=12XB', 'budget'],
    ['/api/front?model=1&board=1&budget=-5', 'budget'], ['/api/front?model=1&board=1&colour=red', 'colour'],
    ['/api/front?model=1&model=2&board=1', 'twice'], ['/api/front?model=%zz&board=1', 'malformed'],
    ['/api/candidates/x1', 'candidate'], ['/api/measurements?model=1&board=1&limit=0', 'limit'],
    ['/api/calibration', 'board'], ['/api/jobs/0', 'job'],
  ];
  for (const [target, word] of bad) {
    const r = await get(base, target);
    check(r.status === 400 && r.body && typeof r.body.error === 'string' && r.body.error.includes(word),
      `${target}: want 400 naming '${word}', got ${r.status} ${r.text}`);
  }
  // ---- 404: unknown ids
  for (const target of ['/api/front?model=999&board=1', `/api/front?model=${model.id}&board=999`, '/api/candidates/99999',
    '/api/candidates/99999/schedule.json', '/api/candidates/99999/deploy.tar', '/api/jobs/4242', '/api/jobs/4242/events',
    '/api/calibration?board=77', '/api/nope']) {
    const r = await get(base, target);
    check(r.status === 404 && r.body && r.body.error, `${target}: want 404, got ${r.status} ${r.text}`);
  }
  // ---- 401: writes need the token (header, not cookie)
  const cancel = (headers) => fetch(`${base}/api/jobs/4242/cancel`, { method: 'POST', headers }).then((r) => r.status);
  check(await cancel({}) === 401, 'cancel without a token: 401');
  check(await cancel({ Authorization: 'Bearer wrong' }) === 401, 'cancel with a wrong token: 401');
  check(await cancel({ Cookie: `tinytx_token=${TOKEN}` }) === 401, 'cancel with the token only as a cookie: 401');
  check(await cancel({ Authorization: `Bearer ${TOKEN}` }) === 404, 'cancel with the token: past the check (no such job: 404)');
  const flog = fs.readFileSync(path.join(dir, 'farmd.log'), 'utf8');
  check(flog.includes('"refused"') && flog.includes('http POST /api/jobs/4242/cancel'), 'refusals logged');
  // a Host that is not this machine's name is refused (the server is on loopback)
  const rebind = await new Promise((resolve) => {
    const [hostname, port] = farm.http.split(':');
    http.get({ hostname, port, path: '/api/info', headers: { Host: 'attacker.example' } }, (r) => {
      r.resume();
      resolve(r.statusCode);
    }).on('error', (e) => resolve(String(e)));
  });
  check(rebind === 403, `foreign Host header: ${rebind}`);

  // ---- the event stream
  const ev = stream(`${base}/api/events`);
  await ev.wait('the newest measurement announced', (e) => e.event === 'measurements' && e.data.newest > 0);
  check(ev.type() === 'text/event-stream', `events content type ${ev.type()}`);
  check(ev.events[0].event === 'hello' && ev.events[0].data.mode === 'farm', `hello: ${JSON.stringify(ev.events[0])}`);
  await ev.close();

  // ---- downloads of the best point: the schedule export, and a C folder that builds and agrees
  const best = f.body.points.find((p) => p.schedule_id === tuner.best.schedule_id);
  const s = await get(base, `/api/candidates/${best.candidate_id}/schedule.json`);
  check(s.status === 200 && s.body.schedule_id === best.schedule_id && s.body.objectives.measured.latency_cycles === best.latency_cycles &&
    /^0x[0-9a-f]{8}$/.test(s.body.expected_output_crc32), `schedule export: ${s.status} ${s.text.slice(0, 200)}`);
  check((s.headers.get('content-disposition') || '').includes('attachment'), 'the export downloads as a file');
  const t0 = Date.now();
  const tar = await fetch(`${base}/api/candidates/${best.candidate_id}/deploy.tar`);
  check(tar.status === 200 && tar.headers.get('content-type') === 'application/x-tar', `deploy.tar: ${tar.status}`);
  fs.writeFileSync(path.join(dir, 'deploy.tar'), Buffer.from(await tar.arrayBuffer()));
  log(`deploy.tar: ${fs.statSync(path.join(dir, 'deploy.tar')).size} bytes in ${Date.now() - t0} ms`);
  const x = await run('tar', ['-xf', 'deploy.tar'], { cwd: dir });
  check(x.code === 0, `tar -xf: ${x.stderr}`);
  const top = fs.readdirSync(dir).find((n) => n.startsWith('eegformer-nucleo-h743zi-'));
  check(top && fs.existsSync(path.join(dir, top, 'network.c')) && fs.existsSync(path.join(dir, top, 'Makefile')), `folder ${top}`);
  if (top) {
    const mk = await run('make', ['-s', 'host'], { cwd: path.join(dir, top) });
    check(mk.code === 0, `make host: ${mk.stderr.slice(-1500)}`);
    const ran = await run(path.join(dir, top, 'network_host'), [], { cwd: path.join(dir, top) });
    check(ran.stdout.includes(`crc32=${s.body.expected_output_crc32}`),
      `the downloaded C prints the export's CRC ${s.body.expected_output_crc32}: ${ran.stdout.trim()}`);
  }
  await stop(farm.proc);

  // ---- a farm whose reads need the token too (no --public-read), read-only over the database
  const tokenFile = path.join(dir, 'farm.token');
  const roDb = copyDb(db, dir, 'ro.db');
  const ro = await startDashboardOnly(roDb, dir, ['--token-file', tokenFile]);
  const rbase = `http://${ro.http}`;
  check((await get(rbase, '/api/models')).status === 401, 'reads without the token: 401');
  check((await get(rbase, '/api/models', { Authorization: `Bearer ${TOKEN}` })).status === 200, 'reads with the token');
  check((await get(rbase, '/api/models', { Cookie: `tinytx_token=${TOKEN}` })).status === 200, 'reads with the cookie');
  check((await get(rbase, '/')).status === 200, 'the page itself needs no token (it holds no data)');
  const roCancel = await fetch(`${rbase}/api/jobs/1/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
  check(roCancel.status === 405, `no job runs in --dashboard-only: ${roCancel.status}`);
  // something else (a local tinytx-tune) records a measurement in the database: the stream says so
  const live = stream(`${rbase}/api/events`, { Authorization: `Bearer ${TOKEN}` });
  const first = await live.wait('the newest measurement', (e) => e.event === 'measurements');
  const add = await run('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), 'synthesize_front.py'), roDb, '1']);
  check(add.code === 0, `a measurement added: ${add.stderr}`);
  const next = await live.wait('a newer measurement announced', (e) => e.event === 'measurements' && e.data.newest > first.data.newest);
  check(next.data.newest === first.data.newest + 1, `newest ${first.data.newest} -> ${next.data.newest}`);
  await live.close();
  await stop(ro.proc);
});
