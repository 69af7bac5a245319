/** The Pool commands: contributed with their category, and working end to end. */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ImportLogResult, PoolFindResult } from '../../../server/src/protocol';
import type { ReportRun } from '../../../client/shared/reportProtocol';
import { abcTagPosition, EXTENSION_ID, harnessAvailable, harnessRequest, hoverText, poolscope, reportRendered, waitFor, workspaceFile } from './helpers';

const COMMANDS: Record<string, string> = {
  'poolscope.runScenario': 'Run Scenario…',
  'poolscope.runScenarioAtCursor': 'Run Scenario at Cursor',
  'poolscope.setHitTag': 'Set PoolHitTag…',
  'poolscope.clearHitTag': 'Clear PoolHitTag',
  'poolscope.poolFind': 'Find Pool Allocations by Tag…',
  'poolscope.showReport': 'Show Pool Report',
  'poolscope.importLog': 'Import Debugger Log…',
  'poolscope.exportReport': 'Export Report…',
  'poolscope.restartServer': 'Restart Language Server',
};

export function registerCommandTests(): void {
  suite('commands', () => {
    suiteSetup(async () => {
      await poolscope();
      await vscode.commands.executeCommand('poolscope.clearHitTag');
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
    });

    test('every command of the contract is contributed under the category "Pool" and registered', async () => {
      const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as Array<{ command: string; title: string; category: string }>) ?? [];
      const registered = new Set(await vscode.commands.getCommands(true));
      for (const [id, title] of Object.entries(COMMANDS)) {
        const c = contributed.find((x) => x.command === id);
        assert.ok(c, `${id} contributed`);
        assert.strictEqual(c.title, title);
        assert.strictEqual(c.category, 'Pool');
        assert.ok(registered.has(id), `${id} registered`);
      }
      assert.ok(registered.has('poolscope.runScenarioWithHitTag'));
    });

    test('the settings have schemas and defaults', () => {
      const c = vscode.workspace.getConfiguration('poolscope');
      assert.strictEqual(c.get('simulation.seed'), 1);
      assert.strictEqual(c.get('simulation.maxSteps'), 100000000);
      assert.strictEqual(c.get('simulation.lowResources'), 0);
      assert.strictEqual(c.get('trace.server'), 'off');
      assert.deepStrictEqual(c.get('rules'), {});
      assert.strictEqual(c.get('pooltagFile'), null);
    });

    test('Run Scenario at Cursor runs the scenario the cursor is in', async () => {
      const doc = await vscode.workspace.openTextDocument(workspaceFile('leaky.drvm'));
      const line = doc.getText().split('\n').findIndex((l) => l.startsWith('scenario timer'));
      const editor = await vscode.window.showTextDocument(doc);
      editor.selection = new vscode.Selection(line + 2, 4, line + 2, 4);
      const run = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenarioAtCursor');
      assert.strictEqual(run?.scenario, 'timer');
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
    });

    test('Find Pool Allocations by Tag lists the live blocks (!poolfind)', async () => {
      const api = await poolscope();
      const res = await vscode.commands.executeCommand<PoolFindResult>('poolscope.poolFind', 'Abc ');
      const expected = api.lastRun()!.result.outstanding.filter((b) => b.tag === 'Abc ').length;
      assert.strictEqual(res?.blocks.length, expected);
      assert.match(res!.text, /Abc/);
    });

    test('Copy Report as WinDbg Text renders through the server, naming the script in frames', async () => {
      const text = await vscode.commands.executeCommand<string>('poolscope.copyReportAsText');
      assert.ok(text && text.includes('DRIVER_VERIFIER_DETECTED_VIOLATION'), text?.slice(0, 300));
      assert.ok(text.includes('Pool Used:'), 'has the !poolused table');
      assert.ok(text.includes('Leaky!ReadDispatch+0xe (leaky.drvm:14)'), 'culprits name the script and line');
    });

    test("with poolscope.pooltagFile set, the WinDbg text shows each tag's owner", async () => {
      const config = vscode.workspace.getConfiguration('poolscope', workspaceFile('leaky.drvm'));
      try {
        await config.update('pooltagFile', 'pooltag.txt', vscode.ConfigurationTarget.Workspace);
        let text = '';
        await waitFor(async () => {
          text = (await vscode.commands.executeCommand<string>('poolscope.copyReportAsText')) ?? '';
          return text.includes('Leaky read buffers');
        }, 20_000, () => text.slice(0, 600));
        const abc = text.split('\n').find((l) => l.startsWith(' Abc '));
        assert.ok(abc?.endsWith('Leaky read buffers (ReadDispatch) , Binary: leaky.sys'), abc);
      } finally {
        await config.update('pooltagFile', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    // The pair of untrusted.test.ts ("hovering 'Abc ' shows the tag but no owner"): trusted, it does.
    test("with poolscope.pooltagFile set, hovering 'Abc ' shows its owner from pooltag.txt", async () => {
      const uri = workspaceFile('leaky.drvm');
      const config = vscode.workspace.getConfiguration('poolscope', uri);
      assert.strictEqual(vscode.workspace.isTrusted, true);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const at = await abcTagPosition(uri);
      try {
        await config.update('pooltagFile', 'pooltag.txt', vscode.ConfigurationTarget.Workspace);
        let text = '';
        await waitFor(async () => (text = await hoverText(uri, at)).includes('Leaky read buffers'), 20_000, () => text);
        assert.ok(text.includes('**Pool tag**') && text.includes('0x20636241'), text);
        const owner = text.split('\n').find((l) => l.includes('owner (pooltag.txt)'));
        assert.match(owner ?? '', /Leaky read buffers \(ReadDispatch\)/, text);
      } finally {
        await config.update('pooltagFile', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    test('the simulation settings reach the simulator: seed, maxSteps, lowResources', async () => {
      const api = await poolscope();
      const leaky = workspaceFile('leaky.drvm');
      const config = vscode.workspace.getConfiguration('poolscope.simulation', leaky);
      const runSteady = () => vscode.commands.executeCommand<ReportRun | undefined>('poolscope.runScenario', leaky.toString(), 'steady_reads');
      try {
        await config.update('seed', 7, vscode.ConfigurationTarget.Workspace);
        const seeded = await runSteady();
        assert.strictEqual(seeded?.result.seed, 7);
        assert.strictEqual(seeded.result.bugcheck?.params[3], '0x1B', 'seed 7 loses 27 blocks on the 2% path (seed 1: 26)');
        await config.update('seed', undefined, vscode.ConfigurationTarget.Workspace);

        await config.update('maxSteps', 50, vscode.ConfigurationTarget.Workspace);
        assert.strictEqual(await runSteady(), undefined, 'the run stops at the step budget');
        const row = (await api.snapshot('scenarios', 1)).flatMap((s) => (s.children ? s.children : [s])).find((s) => s.label === 'steady_reads');
        assert.strictEqual(row?.description, 'could not run');
        assert.match(row.tooltip ?? '', /step budget exceeded at \S*leaky\.drvm:16\b/);
        await config.update('maxSteps', undefined, vscode.ConfigurationTarget.Workspace);

        await config.update('lowResources', 100, vscode.ConfigurationTarget.Workspace);
        const starved = await runSteady();
        assert.strictEqual(starved?.result.allocations, 0, 'every allocation failed');
        assert.strictEqual(starved.result.bugcheck?.code, '0xC2', 'DriverUnload frees the NULL context');
      } finally {
        for (const key of ['seed', 'maxSteps', 'lowResources']) await config.update(key, undefined, vscode.ConfigurationTarget.Workspace);
      }
      const normal = await runSteady();
      assert.strictEqual(normal?.result.bugcheck?.params[3], '0x1A');
    });

    test('Export Report writes CSV and JSON', async () => {
      const api = await poolscope();
      const csvUri = workspaceFile('export/report.csv');
      const jsonUri = workspaceFile('export/report.json');
      await vscode.workspace.fs.createDirectory(workspaceFile('export'));
      await vscode.commands.executeCommand('poolscope.exportReport', csvUri, 'csv');
      await vscode.commands.executeCommand('poolscope.exportReport', jsonUri, 'json');
      const csv = new TextDecoder().decode(await vscode.workspace.fs.readFile(csvUri)).split('\r\n');
      assert.strictEqual(csv[0], 'Tag,NonPagedAllocs,NonPagedFrees,NonPagedDiff,NonPagedUsed,PagedAllocs,PagedFrees,PagedDiff,PagedUsed,Owner');
      const row = api.lastRun()!.result.poolused.find((r) => r.tag === 'Abc ')!;
      assert.ok(csv.includes(`"Abc ",0,0,0,0,${row.paged.allocs},${row.paged.frees},${row.paged.diff},${row.paged.used},`), csv.join('\n'));
      const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(jsonUri)));
      assert.strictEqual(json.scenario, 'steady_reads');
      assert.strictEqual(json.bugcheck.code, '0xC4');
    });

    test('Import Debugger Log shows one capture, and the growth between two', async () => {
      const api = await poolscope();
      const one = await vscode.commands.executeCommand<ImportLogResult>('poolscope.importLog', [workspaceFile('logs/before.txt')]);
      assert.ok(one && !one.error, JSON.stringify(one?.error));
      assert.deepStrictEqual(one.rows.map((r) => r.tag), ['Abc ', 'Ctx ']);
      const s1 = await reportRendered(api, (r) => r.kind === 'import' && r.diffRows === 0);
      assert.strictEqual(s1.poolUsedRows, 2);

      const two = await vscode.commands.executeCommand<ImportLogResult>('poolscope.importLog', [workspaceFile('logs/before.txt'), workspaceFile('logs/after.txt')]);
      assert.ok(two?.diff, 'a diff');
      assert.strictEqual(two.diff[0].tag, 'Abc ', 'largest growth first');
      assert.strictEqual(two.diff[0].pagedBytes, 106496);
      const s2 = await reportRendered(api, (r) => r.kind === 'import' && r.diffRows > 0);
      assert.ok(s2.diffRows >= 1);

      // A PoolMon capture lands in the same table.
      const poolmon = await vscode.commands.executeCommand<ImportLogResult>('poolscope.importLog', [workspaceFile('logs/poolmon.txt')]);
      assert.strictEqual(poolmon?.format, 'poolmon');
      const s3 = await reportRendered(api, (r) => r.kind === 'import' && r.diffRows === 0 && r.poolUsedTags.includes('Tron'));
      assert.deepStrictEqual(s3.poolUsedTags, ['Abc ', 'Ctx ', 'Tron'], 'sorted by paged bytes like !poolused 4');
      assert.deepStrictEqual(s3.actions, ['Copy as WinDbg text', 'Export CSV', 'Export JSON']);
      const abc = poolmon.rows.find((r) => r.tag === 'Abc ')!;
      assert.deepStrictEqual(abc.paged, { allocs: 40, frees: 4, diff: 36, used: 147456 });

      // Back to the run for the suites that follow.
      await vscode.commands.executeCommand('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
      await reportRendered(api, (r) => r.kind === 'run');
    });

    test('Run Scenario… from the palette offers a quick pick of the scenarios', async () => {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile('leaky.drvm')));
      const running = vscode.commands.executeCommand<ReportRun | undefined>('poolscope.runScenario');
      let settled = false;
      void Promise.resolve(running).finally(() => (settled = true));
      // Accept the first item as soon as the quick pick is up (accepting with none open is a no-op).
      const deadline = Date.now() + 15_000;
      while (!settled && Date.now() < deadline) {
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        await new Promise((r) => setTimeout(r, 100));
      }
      const run = await running;
      assert.strictEqual(run?.scenario, 'steady_reads', 'the first scenario of the active script');
    });

    test('a long run shows cancellable progress, and Cancel stops it', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      const before = api.lastRun();
      const started = Date.now();
      const running = Promise.resolve(vscode.commands.executeCommand<ReportRun | undefined>('poolscope.runScenario', workspaceFile('slow.drvm').toString(), 'long_run'));
      await vscode.commands.executeCommand('notifications.showList');
      let finished: unknown = 'still running';
      void running.then((r) => (finished = r ? `finished: ${r.scenario}` : 'finished without a result'));
      const res = await harnessRequest<{ text: string }>({ kind: 'cancelProgress', name: 'progress', text: 'Running scenario long_run' });
      assert.ok(res.ok, `${res.error} — the run: ${String(finished)} after ${Date.now() - started} ms`);
      const run = await running;
      assert.strictEqual(run, undefined, 'a cancelled run has no result');
      assert.strictEqual(api.lastRun(), before, 'the last run is unchanged');
      assert.ok(Date.now() - started < 30_000);
      await vscode.commands.executeCommand('notifications.hideList');
    });

    test('the language server is restarted after it crashes', async () => {
      const api = await poolscope();
      const pid = api.serverPid();
      assert.ok(pid, 'the server runs in its own process');
      process.kill(pid, 'SIGKILL');
      await waitFor(() => api.serverState() === 'running' && api.serverPid() !== undefined && api.serverPid() !== pid, 30_000, () => api.serverState());
      // And it works again: diagnostics and runs.
      const run = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'timer');
      assert.strictEqual(run?.scenario, 'timer');
    });

    test('without a built server the extension still works and says why', async () => {
      const api = await poolscope();
      try {
        await api.restartServerFrom('/nonexistent/poolscope/dist/server.js');
        assert.strictEqual(api.serverState(), 'missing');
        // Views and commands still answer; a run reports the reason instead of throwing.
        assert.ok((await api.snapshot('poolUsed', 0)).length > 0);
        const run = await vscode.commands.executeCommand<ReportRun | undefined>('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'timer');
        assert.strictEqual(run, undefined);
        const scenarios = await api.snapshot('scenarios', 1);
        const timer = scenarios.flatMap((s) => (s.children ? s.children : [s])).find((s) => s.label === 'timer' && s.description === 'could not run');
        assert.ok(timer, JSON.stringify(scenarios));
        assert.match(timer.tooltip ?? '', /not built/);
      } finally {
        await api.restartServerFrom(undefined);
      }
      assert.strictEqual(api.serverState(), 'running');
    });

    test('Restart Language Server brings the server back', async () => {
      const api = await poolscope();
      await vscode.commands.executeCommand('poolscope.restartServer');
      assert.strictEqual(api.serverState(), 'running');
      const run = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'timer');
      assert.strictEqual(run?.scenario, 'timer');
    });
  });
}
