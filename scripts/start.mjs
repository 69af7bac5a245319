// `npm start`: the quick-start demo. Lints the bundled example and runs its first scenario under
// the Pool Tracking simulator, printing what a driver developer would see in CI and in WinDbg.
// The findings and the bug check are the point of the demo, so it exits 0 when both commands
// ran (exit 1 = findings / bug check), and non-zero only when something could not run at all.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'poolscope.js');
const example = 'examples/leaky.drvm';

function poolscope(title, args) {
  console.log(`\n$ poolscope ${args.join(' ')}    # ${title}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  return r.status ?? 2;
}

const codes = [
  poolscope('lint: the findings, as the editor shows them', ['lint', example]),
  poolscope('simulate: the bug check Driver Verifier would raise, and !poolused 4', [
    'simulate',
    example,
    '--scenario',
    'steady_reads',
    '--report',
    'bugcheck',
    '--report',
    'poolused:4',
  ]),
];
process.exit(codes.some((c) => c > 1) ? 2 : 0);
