// The fixture every dashboard test starts from: a real tune (tinytx-tune, the in-process ISS
// agent) of EEGFormer on the emulated NUCLEO-H743ZI into a fresh database, with its --json front.
import fs from 'node:fs';
import path from 'node:path';
import { args, bin, check, log, main, run } from './harness.mjs';

main('dashboard.tune_db', async () => {
  fs.mkdirSync(args.work, { recursive: true });
  const db = path.join(args.work, 'tune.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`, path.join(args.work, 'tune.json')]) fs.rmSync(f, { force: true });
  const t0 = Date.now();
  const r = await run(bin('tinytx-tune'), ['--model', path.join(args.models, 'eegformer.json'), '--board', 'nucleo-h743zi',
    '--budget', '512KB', '--trials', '40', '--strategy', 'nsga2', '--seed', '1', '--db', db, '--cache-dir', args.cache, '--json']);
  if (!check(r.code === 0, `tinytx-tune exited ${r.code}: ${r.stderr.slice(-2000)}`)) return;
  const front = JSON.parse(r.stdout);
  check(front.front.length >= 2, `a front of at least 2 points (got ${front.front.length})`);
  fs.writeFileSync(path.join(args.work, 'tune.json'), r.stdout);
  log(`tuned: ${front.trials} trials, front of ${front.front.length} (${front.front_source}), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
