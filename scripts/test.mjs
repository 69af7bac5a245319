// `npm test`: builds, type-checks and runs every suite, then prints one closing line
// "N passed, N failed". Suites:
//   1. unit, LSP-protocol and fuzz tests (node:test, TypeScript through tsx)
//   2. the TextMate grammar tests (real tokenization with vscode-textmate + oniguruma)
//   3. the integration suite inside a real VS Code (code-server + Chromium here)
// Set POOLSCOPE_SKIP_VSCODE=1 to skip suite 3 locally; in CI (CI=true) it never skips.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2); // optional: names of suites to run (unit, grammar, vscode)
const want = (s) => only.length === 0 || only.includes(s);
let passed = 0;
let failed = 0;
const failures = [];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function step(name, cmd, args) {
  console.log(`\n=== ${name}`);
  const code = run(cmd, args);
  if (code !== 0) {
    failed++;
    failures.push(name);
  } else passed++;
  return code;
}

function findTests(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

if (want('unit') || want('grammar') || want('vscode')) {
  if (step('build', process.execPath, ['scripts/build.mjs']) !== 0) finish();
}
if (want('typecheck')) step('typecheck', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b']);

if (want('unit')) {
  const files = ['test/unit', 'test/lsp', 'test/fuzz'].flatMap((d) => findTests(join(root, d)));
  console.log(`\n=== node:test (${files.length} files)`);
  const tap = join(mkdtempSync(join(tmpdir(), 'poolscope-test-')), 'results.tap');
  const code = run(process.execPath, [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files.map((f) => relative(root, f)),
  ]);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const p = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  const f = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0);
  passed += p;
  failed += f;
  if (code !== 0 && f === 0) {
    failed++;
    failures.push('node:test exited non-zero');
  }
  if (f > 0) failures.push(`${f} node:test test(s)`);
}

if (want('grammar') && existsSync(join(root, 'test/grammar/run.mjs'))) {
  console.log('\n=== grammar');
  const r = spawnSync(process.execPath, ['test/grammar/run.mjs'], { cwd: root, encoding: 'utf8' });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const m = /grammar: (\d+) passed, (\d+) failed/.exec(r.stdout);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (r.status !== 0) {
    if (!m || Number(m[2]) === 0) failed++;
    failures.push('grammar');
  }
}

if (want('vscode') && existsSync(join(root, 'test/vscode/run.mjs'))) {
  if (process.env.POOLSCOPE_SKIP_VSCODE === '1' && process.env.CI !== 'true') {
    console.log('\n=== vscode: skipped (POOLSCOPE_SKIP_VSCODE=1)');
  } else {
    console.log('\n=== vscode integration (real VS Code)');
    const r = spawnSync(process.execPath, ['test/vscode/run.mjs'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(r.stdout);
    const m = /vscode: (\d+) passed, (\d+) failed/.exec(r.stdout);
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
    }
    if (r.status !== 0) {
      if (!m || Number(m[2]) === 0) failed++;
      failures.push('vscode integration');
    }
  }
}

finish();

function finish() {
  if (failures.length) console.log(`\nfailed: ${failures.join(', ')}`);
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}
