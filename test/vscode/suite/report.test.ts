/**
 * The Pool Report webview receives the run: the page posts back what it rendered, and the
 * harness reads the DOM (two iframes deep) and takes screenshots in dark and light themes.
 */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ReportRun } from '../../../client/webview/protocol';
import { harnessAvailable, harnessRequest, poolscope, reportRendered, workspaceFile } from './helpers';

export function registerReportTests(): void {
  suite('pool report', () => {
    let run: ReportRun;

    suiteSetup(async () => {
      await poolscope();
      await vscode.commands.executeCommand('poolscope.clearHitTag');
      run = (await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads'))!;
    });

    test('Show Pool Report renders the run: banner, !poolused table, chart, !verifier 0x3', async () => {
      const api = await poolscope();
      await vscode.commands.executeCommand('poolscope.showReport');
      const s = await reportRendered(api, (r) => r.kind === 'run' && r.scenario === 'steady_reads' && r.filter === '');
      assert.strictEqual(s.bugcheckCode, '0xC4');
      assert.strictEqual(s.poolUsedRows, run.result.poolused.length);
      assert.deepStrictEqual(s.poolUsedTags, ['Abc ', 'Ctx '], 'sorted by paged bytes like !poolused 4');
      assert.strictEqual(s.outstandingRows, Math.min(500, run.result.outstanding.length));
      assert.strictEqual(s.quotaRows, run.result.quota.length);
      assert.ok(s.chartSeries >= 1, 'the top tags are plotted');
      assert.strictEqual(s.cspViolations, 0, 'the page works under its strict CSP');
    });

    test('the tag filter works like !poolused 4 Ab*', async () => {
      const api = await poolscope();
      api.setReportFilter('Ab*');
      const s = await reportRendered(api, (r) => r.filter === 'Ab*');
      assert.deepStrictEqual(s.poolUsedTags, ['Abc ']);
      api.setReportFilter('?tx');
      assert.deepStrictEqual((await reportRendered(api, (r) => r.filter === '?tx')).poolUsedTags, ['Ctx ']);
      api.setReportFilter('');
      await reportRendered(api, (r) => r.filter === '');
    });

    test('a new run updates the open report', async () => {
      const api = await poolscope();
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'timer');
      const s = await reportRendered(api, (r) => r.scenario === 'timer');
      assert.strictEqual(s.bugcheckCode, '0xC4');
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
      await reportRendered(api, (r) => r.scenario === 'steady_reads');
    });

    test('the report keeps its state when hidden (the page reloads from setState)', async () => {
      const api = await poolscope();
      // One editor group: the report and the script share it, so opening the script hides the report.
      await vscode.commands.executeCommand('workbench.action.joinAllGroups');
      await vscode.commands.executeCommand('poolscope.showReport');
      await reportRendered(api, (r) => r.scenario === 'steady_reads');
      api.setReportFilter('Ab*');
      await reportRendered(api, (r) => r.filter === 'Ab*');
      const loads = api.reportPageLoads();
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile('leaky.drvm')), { viewColumn: vscode.ViewColumn.Active });
      await vscode.commands.executeCommand('poolscope.showReport');
      const s = await reportRendered(api, (r) => api.reportPageLoads() > loads && r.scenario === 'steady_reads');
      assert.strictEqual(s.filter, 'Ab*', 'the filter survived');
      assert.deepStrictEqual(s.poolUsedTags, ['Abc ']);
      api.setReportFilter('');
      await reportRendered(api, (r) => r.filter === '');
    });

    test('screenshot: the report in the dark theme shows the !poolused rows', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
      await reportRendered(api, (r) => r.theme === 'dark' && r.scenario === 'steady_reads');
      const res = await harnessRequest<{ rows: string[]; banner: string; bodyClass: string }>({ kind: 'report', name: 'report-dark', expectRows: ['Abc ', 'Ctx '] });
      assert.ok(res.ok, res.error);
      assert.strictEqual(res.banner, '0xC4');
      assert.match(res.bodyClass, /vscode-dark/);
    });

    test('screenshot: the report follows a light theme', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      try {
        await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Light Modern', vscode.ConfigurationTarget.Global);
        await reportRendered(api, (r) => r.theme === 'light');
        const res = await harnessRequest<{ rows: string[]; bodyClass: string }>({ kind: 'report', name: 'report-light', expectRows: ['Abc ', 'Ctx '] });
        assert.ok(res.ok, res.error);
        assert.match(res.bodyClass, /vscode-light/);
      } finally {
        await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
      }
    });

    test('clicking a driver frame of a hit-tag stack in the report opens the script at that line', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      await vscode.commands.executeCommand('poolscope.runScenarioWithHitTag', workspaceFile('leaky.drvm').toString(), 'steady_reads', 'Abc ');
      await vscode.commands.executeCommand('poolscope.showReport');
      const s = await reportRendered(api, (r) => r.scenario === 'steady_reads' && r.hitStacks > 0);
      assert.strictEqual(s.hitStacks, 200, 'the first 200 breaks are shown');
      // Move the script's cursor away, then show the report over it.
      const doc = await vscode.workspace.openTextDocument(workspaceFile('leaky.drvm'));
      const ed = await vscode.window.showTextDocument(doc);
      ed.selection = new vscode.Selection(0, 0, 0, 0);
      await vscode.commands.executeCommand('poolscope.showReport');
      await reportRendered(api, (r) => r.hitStacks > 0);
      const opened = new Promise<vscode.TextEditor>((resolve) => {
        const sub = vscode.window.onDidChangeTextEditorSelection((e) => {
          if (e.textEditor.document.uri.path.endsWith('/leaky.drvm') && e.selections[0].active.line === 13) {
            sub.dispose();
            resolve(e.textEditor);
          }
        });
      });
      // The breaks are ReadDispatch's allocations, at line 14 (0-based 13).
      const res = await harnessRequest<{ text: string }>({ kind: 'click', selector: '[data-section="hits"] a.frame-link[data-line="14"]' });
      assert.ok(res.ok, res.error);
      assert.strictEqual(res.text, 'Leaky!ReadDispatch+0xe [leaky.drvm @ 14]');
      const editor = await Promise.race([opened, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the script did not open at line 14')), 15_000))]);
      assert.strictEqual(editor.selection.active.line, 13);
      // Back to a run without breaks for the screenshots.
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
      await vscode.commands.executeCommand('poolscope.showReport');
      await reportRendered(api, (r) => r.scenario === 'steady_reads' && r.hitStacks === 0);
    });

    test('screenshot: the Pool Tracking sidebar after a run', async function () {
      if (!harnessAvailable()) this.skip();
      await vscode.commands.executeCommand('workbench.view.extension.poolTracking');
      await (await poolscope()).expandPoolUsedTag('Abc ');
      const res = await harnessRequest<{ texts: Record<string, boolean> }>({ kind: 'sidebar', name: 'sidebar', expectTexts: ['steady_reads', "'Abc '", 'ReadDispatch (line 14)'] });
      assert.ok(res.ok, res.error);
    });
  });
}
