/** Running a scenario fills the Pool Tracking views with the run's numbers. */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { TreeItemSnapshot } from '../../../client/src/testApi';
import type { ReportRun } from '../../../client/shared/reportProtocol';
import type { ScenarioNode } from '../../../client/src/views/scenariosView';
import { poolscope, waitFor, workspaceFile } from './helpers';

/** The scenario rows of the Scenarios view, whether or not they are grouped by file. */
function scenarioRows(items: TreeItemSnapshot[]): TreeItemSnapshot[] {
  return items.some((i) => i.children) ? items.flatMap((i) => i.children ?? []) : items;
}

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

    test("Pool Used's title-bar commands switch the pool", async () => {
      const api = await poolscope();
      await vscode.commands.executeCommand('poolscope.poolUsed.showNonPaged');
      assert.deepStrictEqual((await api.snapshot('poolUsed', 0)).map((i) => i.label), ["'Ctx '"]);
      await vscode.commands.executeCommand('poolscope.poolUsed.showPaged');
      assert.deepStrictEqual((await api.snapshot('poolUsed', 0)).map((i) => i.label), ["'Abc '"], 'only the tags the paged pool saw');
    });

    test('Hit Tag is empty (its welcome shows) while no PoolHitTag is set and the run recorded no break', async () => {
      const api = await poolscope();
      assert.strictEqual(api.hitTag().tag, null);
      assert.strictEqual(run.result.hits.length, 0);
      assert.deepStrictEqual(await api.snapshot('hitTag', 0), []);
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

    test("Scenarios groups the scenarios of every open script by file; a row's run action runs it and shows clean", async () => {
      const api = await poolscope();
      const quota = workspaceFile('quota.drvm');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(quota), { preview: false });
      let items: TreeItemSnapshot[] = [];
      await waitFor(async () => {
        items = await api.snapshot('scenarios', 1);
        return items.some((i) => i.label === 'quota.drvm');
      }, 20_000, () => JSON.stringify(items));
      assert.deepStrictEqual(items.find((i) => i.label === 'leaky.drvm')?.children?.map((c) => c.label), ['steady_reads', 'timer']);
      const quotaRows = items.find((i) => i.label === 'quota.drvm')?.children ?? [];
      assert.deepStrictEqual(quotaRows.map((c) => [c.label, c.description, c.contextValue]), [
        ['balanced', 'not run', 'scenario'],
        ['held', 'not run', 'scenario'],
      ]);
      // The inline Run action passes the row's element to the command.
      const row: ScenarioNode = { kind: 'scenario', info: { uri: quota.toString(), name: 'balanced', line: 21 } };
      const result = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', row);
      assert.strictEqual(result?.scenario, 'balanced');
      assert.strictEqual(result.result.bugcheck, null);
      const after = scenarioRows(await api.snapshot('scenarios', 1));
      assert.strictEqual(after.find((i) => i.label === 'balanced')?.description, 'clean');
      assert.strictEqual(after.find((i) => i.label === 'steady_reads')?.description, 'bug check 0xC4');
      // Clicking the row opens the script at the scenario.
      const balanced = after.find((i) => i.label === 'balanced')!;
      await vscode.commands.executeCommand(balanced.command!.command, ...(balanced.command!.arguments ?? []));
      assert.ok(vscode.window.activeTextEditor!.document.uri.path.endsWith('/quota.drvm'));
      assert.strictEqual(vscode.window.activeTextEditor!.selection.active.line, 21, 'the `scenario balanced` line');
    });
  });
}
