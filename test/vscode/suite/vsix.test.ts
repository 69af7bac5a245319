/** The packaged .vsix, installed with code-server --install-extension, is the PoolScope that runs. */
import * as assert from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, diagnosticsOf, poolscope, ruleOf, workspaceFile } from './helpers';

export function registerVsixTests(): void {
  suite('installed .vsix', () => {
    test('the extension under test is the installed package, not the development folder', async () => {
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is installed`);
      const api = await poolscope();
      const repoRoot = join(__dirname, '..', '..', '..', '..');
      assert.notStrictEqual(ext.extensionPath, repoRoot);
      assert.match(ext.extensionPath, /[/\\]extensions[/\\]poolscope\.poolscope-\d+\.\d+\.\d+/);
      assert.strictEqual(api.extensionPath, ext.extensionPath);
      assert.ok(existsSync(join(ext.extensionPath, 'dist', 'server.js')));
      assert.ok(existsSync(join(ext.extensionPath, 'dist', 'webview.js')));
      // Only what must ship: no sources, tests or node_modules.
      for (const absent of ['client', 'server', 'test', 'node_modules', 'scripts', 'tsconfig.json']) {
        assert.ok(!existsSync(join(ext.extensionPath, absent)), `${absent} is not in the package`);
      }
    });

    test('the installed server lints leaky.drvm', async () => {
      const ds = await diagnosticsOf(workspaceFile('leaky.drvm'), (d) => d.some((x) => ruleOf(x) === 'quota-in-dpc'));
      assert.ok(ds.some((d) => ruleOf(d) === 'quota-in-dpc' && d.range.start.line === 27));
    });

    test('the installed report webview renders a run', async () => {
      const api = await poolscope();
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
      await vscode.commands.executeCommand('poolscope.showReport');
      const s = await new Promise<ReturnType<typeof api.reportState>>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no render: ${JSON.stringify(api.reportState())}`)), 30_000);
        const check = () => {
          const r = api.reportState();
          if (r?.scenario === 'steady_reads') {
            clearTimeout(t);
            resolve(r);
            return true;
          }
          return false;
        };
        if (!check()) {
          const sub = api.onReportRendered(() => check() && sub.dispose());
        }
      });
      assert.strictEqual(s?.bugcheckCode, '0xC4');
      assert.deepStrictEqual(s?.poolUsedTags, ['Abc ', 'Ctx ']);
    });
  });
}
