// What the dashboard's end-to-end tests share: their arguments, the processes they start (and
// always stop), the browser (Debian's chromium driven by playwright-core), checks that collect
// failures, and the figures of the real tune every test starts from.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

// --bin DIR --models DIR --cache DIR --work DIR --node-modules DIR --dist DIR
export const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

export const bin = (name) => path.join(args.bin, name);
export const CHROMIUM = process.env.TINYTX_CHROMIUM || '/usr/bin/chromium';
export const TOKEN = 'dashboard-test-token';

const children = [];
const failures = [];

export function check(ok, what) {
  if (!ok) {
    failures.push(what);
    console.log(`FAIL: ${what}`);
  }
  return ok;
}

export function log(...what) {
  console.log(...what);
}

function stopAll() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { stopAll(); process.exit(1); });

// A fresh directory for one test under the work directory.
export function workDir(name) {
  const d = path.join(args.work, name);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  return d;
}

// The real tune's database and its --json output (made by the dashboard.tune_db fixture).
export function tuned() {
  const db = path.join(args.work, 'tune.db');
  const json = path.join(args.work, 'tune.json');
  if (!fs.existsSync(db) || !fs.existsSync(json))
    throw new Error(`${db} is missing: the dashboard.tune_db test makes it (ctest -R dashboard runs it first)`);
  return { db, front: JSON.parse(fs.readFileSync(json, 'utf8')) };
}

// a copy of a database, so each test owns its file
export function copyDb(from, dir, name) {
  const to = path.join(dir, name);
  fs.copyFileSync(from, to);
  return to;
}

// Starts a server that prints one JSON line when it listens; resolves with that line.
export function startServer(cmd, argv, { logFile } = {}) {
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', out] });
  children.push(p);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${path.basename(cmd)} did not start in 30 s`)), 30000);
    const rl = readline.createInterface({ input: p.stdout });
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve({ proc: p, ...JSON.parse(line) });
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(cmd)} exited with ${code} before listening (see ${logFile || 'its stderr'})`));
    });
  });
}

export async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
  const done = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  return done;
}

// Runs a command to its end: { code, stdout, stderr }.
export function run(cmd, argv, { cwd } = {}) {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export function startDashboardOnly(db, dir, extra = []) {
  return startServer(bin('tinytx-farmd'), ['--dashboard-only', '--db', db, '--http', '127.0.0.1:0',
    '--dashboard-dir', args.dist, '--log', path.join(dir, 'farmd.log'), ...extra], { logFile: path.join(dir, 'farmd.err') });
}

export async function startFarm(db, dir, extra = []) {
  const tokenFile = path.join(dir, 'farm.token');
  fs.writeFileSync(tokenFile, `${TOKEN}\n`);
  const s = await startServer(bin('tinytx-farmd'), ['--db', db, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0',
    '--dashboard-dir', args.dist, '--cache-dir', args.cache, '--token-file', tokenFile,
    '--log', path.join(dir, 'farmd.log'), ...extra], { logFile: path.join(dir, 'farmd.err') });
  return { ...s, tokenFile };
}

export function startAgent(dir) {
  return startServer(bin('tinytx-agent'), ['serve', '--listen', '127.0.0.1:0', '--workers', '1',
    '--board', 'nucleo-h743zi:iss'], { logFile: path.join(dir, 'agent.err') });
}

export async function browser() {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no browser at ${CHROMIUM}: scripts/setup.sh installs Debian's chromium`);
  const require = createRequire(path.join(args['node-modules'], 'noop.js'));
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--disable-dev-shm-usage'] });
}

export async function waitFor(what, fn, timeoutMs = 30000, everyMs = 100) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// A server-sent event stream being read: the events so far, a wait for one, and its end.
export function stream(url, headers = {}) {
  const ctl = new AbortController();
  const seen = [];
  let type = null;
  const reading = (async () => {
    const r = await fetch(url, { headers, signal: ctl.signal });
    type = r.headers.get('content-type');
    let buf = '';
    const decoder = new TextDecoder();
    for await (const chunk of r.body) {
      buf += decoder.decode(chunk, { stream: true });
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const ev = /^event: (.*)$/m.exec(block);
        const data = /^data: (.*)$/m.exec(block);
        if (ev && data) seen.push({ event: ev[1], data: JSON.parse(data[1]) });
      }
    }
  })().catch(() => {});
  return {
    events: seen,
    type: () => type,
    wait: (what, pred, timeoutMs = 15000) => waitFor(what, () => seen.find(pred), timeoutMs),
    close: async () => {
      ctl.abort();
      await reading;
    },
  };
}

// Every tick label of the front chart is three significant figures and a unit ("18.4 ms",
// "96 KiB"), never a raw float such as 18.42109375.
export async function checkTicks(page, what) {
  const labels = await page.evaluate(() => {
    const { scales } = window.__tinytx.frontChart.chart;
    return Object.fromEntries(['x', 'y'].map((a) => [a, scales[a].ticks.map((t) => t.label)]));
  });
  for (const [axis, ls] of Object.entries(labels)) {
    const bad = ls.filter((l) => {
      const m = /^(-?\d+(?:\.(\d+))?) (µs|ms|s|cycles|k cycles|M cycles|B|KiB|MiB|µJ|mJ|J)$/.exec(l);
      if (!m) return true;
      const digits = m[1].replace(/^-?0*\.?0*/, '').replace('.', '');
      return Number(m[1]) !== 0 && digits.length > 3 && !/^\d+$/.test(m[1]);
    });
    check(ls.length >= 2 && bad.length === 0, `${what}: ${axis} tick labels with 3 significant figures and a unit: ${ls}`);
  }
  return labels;
}

// the figures a front point is compared by
export const figures = (p) => `${p.schedule_id}|${p.latency_cycles}|${p.energy_uj}|${p.peak_memory_bytes}`;

export function finish(name) {
  stopAll();
  if (failures.length) {
    console.log(`${name}: ${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log(`${name}: ok`);
  process.exit(0);
}

// every test: run main, report an exception as a failure
export function main(name, fn) {
  fn().then(() => finish(name), (e) => {
    console.log(`FAIL: ${e.stack || e}`);
    failures.push(String(e));
    finish(name);
  });
}
