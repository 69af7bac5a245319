/**
 * The Pool Report webview receives the run: the page posts back what it rendered, and the
 * harness reads the DOM (two iframes deep) and takes screenshots in dark and light themes.
 */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { PoolScopeApi } from '../../../client/src/testApi';
import type { ReportRun } from '../../../client/shared/reportProtocol';
import { harnessAvailable, harnessRequest, poolscope, reportRendered, workspaceFile } from './helpers';

/** Resolves when the report page's button `type` has done its work. */
function reportAction(api: PoolScopeApi, type: string, timeoutMs = 30_000): Promise<{ type: string; error?: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the report's ${type} action did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = api.onReportAction((e) => {
      if (e.type !== type) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

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

    test('the bug check banner shows code, name, parameters, what Arg1 means, the stack and the culprits', async () => {
      const api = await poolscope();
      const s = await reportRendered(api, (r) => r.scenario === 'steady_reads' && r.filter === '');
      const bc = run.result.bugcheck!;
      assert.strictEqual(bc.culprits.length, 26, 'the 26 blocks lost on the 2% path (seed 1)');
      assert.deepStrictEqual(s.bugcheck, {
        name: 'DRIVER_VERIFIER_DETECTED_VIOLATION',
        params: bc.params,
        meaning: 'Arg1 0x62: the driver unloaded without freeing its pool allocations.',
        stack: ['00 nt!MmUnloadSystemImage', '01 nt!IopUnloadDriver'],
        culprits: 26,
      });
      assert.strictEqual(bc.params[3], '0x1A', 'Arg4 counts the culprits');
    });

    test('the usage chart plots the tags with the highest peak; the page offers copy and export', async () => {
      const api = await poolscope();
      const s = await reportRendered(api, (r) => r.scenario === 'steady_reads');
      assert.deepStrictEqual(s.chartTags, ['Abc ', 'Ctx ']);
      assert.strictEqual(s.chartSeries, 2);
      assert.deepStrictEqual(s.actions, ['Copy as WinDbg text', 'Export CSV', 'Export JSON', 'Run again']);
    });

    test('the !poolused columns sort', async () => {
      const api = await poolscope();
      api.setReportSort('tag', true);
      let s = await reportRendered(api, (r) => r.sort.column === 'tag' && r.sort.descending);
      assert.deepStrictEqual(s.poolUsedTags, ['Ctx ', 'Abc ']);
      api.setReportSort('npAllocs', false);
      s = await reportRendered(api, (r) => r.sort.column === 'npAllocs');
      assert.deepStrictEqual(s.poolUsedTags, ['Abc ', 'Ctx '], 'ties (0 and 0 live blocks) by tag');
      api.setReportSort('pUsed', true);
      s = await reportRendered(api, (r) => r.sort.column === 'pUsed' && r.sort.descending);
      assert.deepStrictEqual(s.poolUsedTags, ['Abc ', 'Ctx ']);
    });

    test('clicking a column header sorts by it; clicking again reverses', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      let res = await harnessRequest<{ text: string }>({ kind: 'click', name: 'sort', selector: 'th[data-sort="tag"]' });
      assert.ok(res.ok, res.error);
      let s = await reportRendered(api, (r) => r.sort.column === 'tag' && !r.sort.descending);
      assert.deepStrictEqual(s.poolUsedTags, ['Abc ', 'Ctx ']);
      res = await harnessRequest<{ text: string }>({ kind: 'click', name: 'sort', selector: 'th[data-sort="tag"]' });
      assert.ok(res.ok, res.error);
      assert.strictEqual(res.text, 'Tag ▲', 'the header shows the current direction');
      s = await reportRendered(api, (r) => r.sort.column === 'tag' && r.sort.descending);
      assert.deepStrictEqual(s.poolUsedTags, ['Ctx ', 'Abc ']);
      api.setReportSort('pUsed', true);
      await reportRendered(api, (r) => r.sort.column === 'pUsed');
    });

    test('"Copy as WinDbg text" in the page puts the report text on the clipboard', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      await vscode.env.clipboard.writeText('');
      const done = reportAction(api, 'copyWindbg');
      const res = await harnessRequest<{ text: string }>({ kind: 'click', name: 'copy', selector: '[data-action="copyWindbg"]' });
      assert.ok(res.ok, res.error);
      assert.strictEqual((await done).error, undefined);
      const text = await vscode.env.clipboard.readText();
      assert.ok(text.includes('DRIVER_VERIFIER_DETECTED_VIOLATION (c4)'), text.slice(0, 300));
      assert.ok(text.includes('Leaky!ReadDispatch+0xe (leaky.drvm:14)'), 'culprits name the script');
    });

    test('"Export JSON" in the page asks where, then writes the run', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      await vscode.workspace.fs.createDirectory(workspaceFile('export'));
      const target = workspaceFile('export/from-page.json');
      const done = reportAction(api, 'export');
      const res = await harnessRequest<{ text: string }>({ kind: 'click', name: 'export', selector: '[data-action="exportJson"]' });
      assert.ok(res.ok, res.error);
      const box = await harnessRequest<{ title: string }>({ kind: 'inputBox', name: 'export-dialog', text: target.fsPath, accept: true });
      assert.ok(box.ok, box.error);
      await done;
      const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(target)));
      assert.strictEqual(json.scenario, 'steady_reads');
      assert.strictEqual(json.outstanding.length, run.result.outstanding.length);
    });

    test('quota charged per process', async () => {
      const api = await poolscope();
      const held = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', workspaceFile('quota.drvm').toString(), 'held');
      assert.strictEqual(held?.result.bugcheck, null);
      const s = await reportRendered(api, (r) => r.scenario === 'held');
      // app.exe's write still holds its 128-byte non-paged block; svc.exe's read freed its 256 bytes.
      assert.deepStrictEqual(s.quota, [
        ['app.exe', '128', '0'],
        ['svc.exe', '0', '0'],
      ]);
      assert.strictEqual(s.bugcheck, null);
      assert.strictEqual(s.bugcheckCode, null);
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
      await reportRendered(api, (r) => r.scenario === 'steady_reads');
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
