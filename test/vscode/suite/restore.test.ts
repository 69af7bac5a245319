/**
 * Runs after the harness reloaded the window (test/vscode/run.mjs, phase "restore"): the Pool
 * Report that was open is restored by the panel serializer and shows what it showed before,
 * from the page's saved state — nothing has run in this window.
 */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { harnessAvailable, harnessRequest, poolscope, reportRendered } from './helpers';

export function registerRestoreTests(): void {
  suite('after a window reload', () => {
    test('the Pool Report panel is restored with its last content', async () => {
      const api = await poolscope();
      // VS Code restores the tab; a webview in a background tab is deserialized when shown.
      const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('poolscope.report'));
      assert.ok(tab, `the Pool Report tab was restored: ${JSON.stringify(vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label)))}`);
      const index = tab.group.tabs.indexOf(tab);
      await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
      await vscode.commands.executeCommand('workbench.action.openEditorAtIndex', index);
      let s;
      try {
        s = await reportRendered(api, (r) => r.kind === 'run', 30_000);
      } catch (e) {
        if (harnessAvailable()) await harnessRequest({ kind: 'screenshot', name: 'restore-failed' });
        throw e;
      }
      // One of the runs shown before the reload (VS Code saves the layout and page state now and then).
      assert.ok(['steady_reads', 'timer', '<img src=x onerror=alert(1)>'].includes(s.scenario ?? ''), s.scenario ?? 'no scenario');
      assert.strictEqual(s.bugcheckCode, '0xC4');
      assert.ok(s.poolUsedRows > 0);
      assert.strictEqual(api.lastRun(), undefined, 'nothing ran in this window: the content came from the saved state');
      assert.ok(api.reportPageLoads() >= 1);
    });
  });
}
