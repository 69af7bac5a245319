/** Running a scenario fills the Pool Tracking views with the run's numbers. */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ReportRun } from '../../../client/webview/protocol';
import { poolscope, waitFor, workspaceFile } from './helpers';

export function registerViewTests(): void {
  suite('views', () => {
    let run: ReportRun;

    suiteSetup(async () => {
      await poolscope();
      await vscode.commands.executeCommand('poolscope.clearHitTag');
    });

    test('Scenarios lists the scenarios of the open script', async () => {
      const api = await poolscope();
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile('leaky.drvm')));
      let labels: string[] = [];
      await waitFor(async () => {
        const items = await api.snapshot('scenarios', 1);
        const scenarios = items.some((i) => i.children) ? items.flatMap((i) => i.children ?? []) : items;
        labels = scenarios.map((i) => i.label);
        return labels.includes('steady_reads') && labels.includes('timer');
      }, 20_000, () => JSON.stringify(labels));
    });

    test('Run Scenario runs steady_reads and stops at bug check 0xC4 / 0x62', async () => {
      const api = await poolscope();
      const result = await vscode.commands.executeCommand<ReportRun | undefined>('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
      assert.ok(result, 'the run returned a result');
      run = result;
      assert.strictEqual(api.lastRun()?.scenario, 'steady_reads');
      assert.strictEqual(run.result.bugcheck?.code, '0xC4');
      assert.strictEqual(run.result.bugcheck?.params[0], '0x62');
    });

    test('Pool Used shows the tags like !poolused 4, with outstanding blocks and bytes', async () => {
      const api = await poolscope();
      api.setPoolUsedMode('paged');
      const items = await api.snapshot('poolUsed', 1);
      const abc = items.find((i) => i.label === "'Abc '");
      assert.ok(abc, `'Abc ' is listed: ${JSON.stringify(items.map((i) => i.label))}`);
      assert.strictEqual(items[0].label, "'Abc '", 'largest paged user first');
      const row = run.result.poolused.find((r) => r.tag === 'Abc ')!;
      // The unload check's Arg4 counts the outstanding blocks: all of them are 'Abc ', 4 KB each.
      const outstanding = parseInt(run.result.bugcheck!.params[3], 16);
      assert.ok(outstanding > 0);
      assert.strictEqual(row.paged.diff, outstanding);
      assert.strictEqual(row.paged.used, outstanding * 4096);
      assert.strictEqual(row.paged.allocs, 1100, '1000 reads + 100 writes allocate');
      assert.strictEqual(abc.description, `${outstanding.toLocaleString('en-US')} blocks · ${(outstanding * 4096).toLocaleString('en-US')} bytes`);
      // Expanding the tag: the one allocation site that still holds blocks, ReadDispatch's.
      assert.strictEqual(abc.children?.length, 1, JSON.stringify(abc.children));
      const site = abc.children[0];
      assert.strictEqual(site.label, 'ReadDispatch (line 14)');
      assert.strictEqual(site.description, abc.description);
      assert.strictEqual(site.command?.command, 'poolscope.revealLine');
    });

    test('selecting an allocation site reveals it in the editor', async () => {
      const api = await poolscope();
      const site = (await api.snapshot('poolUsed', 1)).find((i) => i.label === "'Abc '")!.children![0];
      await vscode.commands.executeCommand(site.command!.command, ...(site.command!.arguments ?? []));
      const editor = vscode.window.activeTextEditor!;
      assert.ok(editor.document.uri.path.endsWith('/leaky.drvm'));
      assert.strictEqual(editor.selection.active.line, 13);
      assert.ok(editor.document.lineAt(13).text.includes('ExAllocatePoolWithTag'));
    });

    test('Pool Used switches to non-paged (!poolused 2)', async () => {
      const api = await poolscope();
      api.setPoolUsedMode('nonPaged');
      const items = await api.snapshot('poolUsed', 0);
      assert.deepStrictEqual(items.map((i) => i.label), ["'Ctx '"]);
      assert.strictEqual(items[0].description, '0 blocks · 0 bytes');
      api.setPoolUsedMode('paged');
    });

    test('Scenarios shows the last result of each scenario', async () => {
      const api = await poolscope();
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm'), 'timer');
      const items = await api.snapshot('scenarios', 1);
      const all = items.some((i) => i.children) ? items.flatMap((i) => i.children ?? []) : items;
      assert.strictEqual(all.find((i) => i.label === 'steady_reads')?.description, 'bug check 0xC4');
      assert.strictEqual(all.find((i) => i.label === 'timer')?.description, 'bug check 0xC4');
      const timer = api.lastRun()!;
      assert.strictEqual(timer.result.bugcheck?.params[0], '0x10B', 'quota charged from a DPC');
    });
  });
}
