// Runs the same integration suite in desktop VS Code through @vscode/test-electron — for
// contributors with internet access (it downloads VS Code from update.code.visualstudio.com
// into .vscode-test/). CI and offline machines use test/vscode/run.mjs (code-server) instead.
//
//   node test/vscode/runElectron.mjs [--version 1.82.0|stable] [--grep PATTERN]
//
// The screenshot and webview-DOM tests need the browser-side harness and are skipped here;
// everything else (diagnostics, views, hit tag, report state, commands, quick fixes) runs.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (n) => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined);

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const workspace = mkdtempSync(join(tmpdir(), 'poolscope-electron-'));
cpSync(join(root, 'test', 'vscode', 'fixtures', 'workspace'), workspace, { recursive: true });
cpSync(join(root, 'examples', 'leaky.drvm'), join(workspace, 'leaky.drvm'));

try {
  await runTests({
    version: opt('--version') ?? 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'vscode', 'suite', 'index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    extensionTestsEnv: { POOLSCOPE_TEST_MODE: 'dev', ...(opt('--grep') ? { POOLSCOPE_TEST_GREP: opt('--grep') } : {}) },
  });
  console.log('vscode (electron): passed');
} catch (e) {
  console.error(`vscode (electron): failed — ${e?.message ?? e}`);
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
