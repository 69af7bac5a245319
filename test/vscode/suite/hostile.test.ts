/**
 * A script whose driver name, scenario name and tags are markup: the report must show them
 * as text. The page reports what it rendered; the harness checks the DOM for injected nodes.
 */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ReportRun } from '../../../client/shared/reportProtocol';
import { harnessAvailable, harnessRequest, poolscope, reportRendered, workspaceFile } from './helpers';

const DRIVER = '<script>window.__pwned=1</script><img src=x onerror=alert(1)>.sys';
const SCENARIO = '<img src=x onerror=alert(1)>';

export function registerHostileTests(): void {
  suite('hostile script', () => {
    test('markup in names and tags renders as inert text', async function () {
      const api = await poolscope();
      const uri = workspaceFile('hostile.drvm');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const run = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', uri.toString(), SCENARIO);
      assert.ok(run, 'the hostile scenario ran');
      assert.strictEqual(run.result.driver, DRIVER);
      await vscode.commands.executeCommand('poolscope.showReport');
      const s = await reportRendered(api, (r) => r.scenario === SCENARIO);
      assert.deepStrictEqual([...s.poolUsedTags].sort(), ['<b>"', '<img'].sort());
      assert.strictEqual(s.bugcheckCode, '0xC4');

      if (!harnessAvailable()) this.skip();
      const res = await harnessRequest<{ counts: Record<string, number>; literal: Record<string, boolean>; pwned: boolean | null; rows: string[]; scripts: Array<{ src: string; nonce: boolean; text: string }> }>({
        kind: 'report',
        name: 'report-hostile',
        expectRows: ['<img', '<b>"'],
        countSelectors: ['img', 'b', '[onerror]', 'iframe', 'main script'],
        literalTexts: [DRIVER, SCENARIO, '<img', '<b>"'],
      });
      assert.ok(res.ok, res.error);
      assert.strictEqual(res.counts['img'], 0, 'no <img> was injected');
      assert.strictEqual(res.counts['b'], 0, 'no <b> was injected');
      assert.strictEqual(res.counts['[onerror]'], 0);
      assert.strictEqual(res.counts['iframe'], 0);
      assert.strictEqual(res.counts['main script'], 0, 'no script inside the rendered report');
      // Every script in the page is VS Code's own host script or ours, loaded with the nonce.
      for (const sc of res.scripts) assert.ok(!sc.text.includes('__pwned'), `injected script: ${JSON.stringify(sc)}`);
      assert.ok(res.scripts.some((sc) => sc.src.endsWith('/dist/webview.js') && sc.nonce), JSON.stringify(res.scripts));
      for (const [text, shown] of Object.entries(res.literal)) assert.ok(shown, `shown literally: ${text}`);
      assert.notStrictEqual(res.pwned, true, 'no injected script ran');
    });
  });
}
