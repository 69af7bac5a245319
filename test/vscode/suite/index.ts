/**
 * The mocha `run()` entry that VS Code's extension host calls for `extensionTestsPath`. The
 * same module runs under the code-server harness (test/vscode/run.mjs) and under
 * @vscode/test-electron (test/vscode/runElectron.mjs).
 *
 * esbuild bundles this file with every suite, so the suites are functions registered here
 * after mocha has installed its `suite`/`test` globals (a bundle cannot `require` a glob).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { registerCodeLensTests } from './codeLens.test';
import { registerCommandTests } from './commands.test';
import { registerDiagnosticsTests } from './diagnostics.test';
import { registerHitTagTests } from './hitTag.test';
import { registerHostileTests } from './hostile.test';
import { registerQuickFixTests } from './quickFix.test';
import { registerReportTests } from './report.test';
import { registerRestoreTests } from './restore.test';
import { registerSmokeTests } from './smoke.test';
import { registerUntrustedTests } from './untrusted.test';
import { registerViewTests } from './views.test';
import { registerVsixTests } from './vsix.test';

/**
 * Which suites run: `dev` (the extension folder), `vsix` (the installed package) or
 * `untrusted` (the extension folder in a workspace that is not trusted: Restricted Mode).
 */
function mode(): string {
  return process.env.POOLSCOPE_TEST_MODE ?? 'dev';
}

/** The code-server harness reloads the window once; the suite then checks what was restored. */
function phase(): string {
  const dir = process.env.POOLSCOPE_HARNESS_DIR;
  const file = dir ? join(dir, 'phase') : '';
  return file && existsSync(file) ? readFileSync(file, 'utf8').trim() : 'main';
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.POOLSCOPE_TEST_GREP;
  if (grep) mocha.grep(grep);
  mocha.suite.emit('pre-require', globalThis, 'poolscope-suite', mocha);
  registerSmokeTests(mode());
  if (phase() === 'restore') {
    registerRestoreTests();
  } else if (mode() === 'vsix') {
    registerVsixTests();
  } else if (mode() === 'untrusted') {
    registerUntrustedTests();
  } else {
    // Order matters a little: later suites change the last run and the report.
    registerDiagnosticsTests();
    registerViewTests();
    registerHitTagTests();
    registerReportTests();
    registerCommandTests();
    registerCodeLensTests();
    registerQuickFixTests();
    registerHostileTests();
  }

  console.log('@@poolscope-begin');
  return new Promise((resolve, reject) => {
    let passed = 0;
    let failed = 0;
    const runner = mocha.run((failures) => {
      // One machine-readable line for the harnesses: the console is all they see.
      console.log(`@@poolscope-results ${JSON.stringify({ passed, failed: Math.max(failed, failures) })}`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
    runner.on('pass', () => passed++);
    runner.on('fail', () => failed++);
  });
}
