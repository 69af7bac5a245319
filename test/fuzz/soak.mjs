// `npm run soak`: the fuzz properties of test/fuzz with a random seed and many more runs than CI.
// Prints the seed first and last, so a failure can be replayed exactly:
//   POOLSCOPE_FUZZ_SEED=<seed> POOLSCOPE_FUZZ_RUNS=<runs> npm run soak
// Optional arguments: the property files to run (default: every random-input suite).
// A counterexample it finds goes to test/fixtures/regressions/ with a regression test.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const seed = process.env.POOLSCOPE_FUZZ_SEED ?? String(randomInt(0, 2 ** 31 - 1));
const runs = process.env.POOLSCOPE_FUZZ_RUNS ?? '100000';
const suites = ['parser', 'checker', 'linter', 'simulator', 'logs', 'hostile'];
const files = (process.argv.length > 2 ? process.argv.slice(2) : suites.map((s) => `test/fuzz/${s}.test.ts`));

const replay = `POOLSCOPE_FUZZ_SEED=${seed} POOLSCOPE_FUZZ_RUNS=${runs} npm run soak`;
console.log(`soak: seed ${seed}, ${runs} runs per property (CI-sized properties scale down proportionally)`);
console.log(`soak: replay with: ${replay}`);
const t0 = Date.now();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, POOLSCOPE_FUZZ_SEED: seed, POOLSCOPE_FUZZ_RUNS: runs },
});
const minutes = ((Date.now() - t0) / 60000).toFixed(1);
console.log(`soak: seed ${seed}, ${runs} runs, ${minutes} min, ${r.status === 0 ? 'no counterexample' : 'FAILED'} (replay: ${replay})`);
process.exit(r.status ?? 1);
