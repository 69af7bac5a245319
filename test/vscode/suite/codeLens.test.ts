/** The code lenses above each scenario ("Run scenario", "Run with PoolHitTag…") run it when clicked. */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { ReportRun } from '../../../client/shared/reportProtocol';
import { harnessAvailable, harnessRequest, poolscope, workspaceFile } from './helpers';

async function lensesAt(uri: vscode.Uri, line: number): Promise<vscode.CodeLens[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10)) ?? [];
  return lenses.filter((l) => l.range.start.line === line);
}

export function registerCodeLensTests(): void {
  suite('code lenses', () => {
    const uri = workspaceFile('leaky.drvm');
    let line = -1;

    suiteSetup(async () => {
      await poolscope();
      await vscode.commands.executeCommand('poolscope.clearHitTag');
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      line = doc.getText().split('\n').findIndex((l) => l.startsWith('scenario steady_reads'));
    });

    test('"Run scenario" and "Run with PoolHitTag…" stand above each scenario', async () => {
      const lenses = await lensesAt(uri, line);
      assert.deepStrictEqual(
        lenses.map((l) => [l.command?.title, l.command?.command]),
        [
          ['Run scenario', 'poolscope.runScenario'],
          ['Run with PoolHitTag…', 'poolscope.runScenarioWithHitTag'],
        ],
      );
    });

    test('clicking "Run scenario" runs that scenario', async () => {
      const api = await poolscope();
      const lens = (await lensesAt(uri, line)).find((l) => l.command?.title === 'Run scenario')!;
      const run = await vscode.commands.executeCommand<ReportRun>(lens.command!.command, ...(lens.command!.arguments ?? []));
      assert.strictEqual(run?.scenario, 'steady_reads');
      assert.strictEqual(run.result.bugcheck?.code, '0xC4');
      assert.strictEqual(api.lastRun(), run);
    });

    test('screenshot: clicking "Run with PoolHitTag…" asks for the tag, then runs with it', async function () {
      if (!harnessAvailable()) this.skip();
      const lens = (await lensesAt(uri, line)).find((l) => l.command?.title === 'Run with PoolHitTag…')!;
      const box = harnessRequest<{ title: string; message: string }>({ kind: 'inputBox', name: 'input-lens-hittag', text: 'Ctx', expectMessage: 'ed nt!poolhittag 0x20787443', accept: true });
      const run = await vscode.commands.executeCommand<ReportRun>(lens.command!.command, ...(lens.command!.arguments ?? []));
      const res = await box;
      assert.ok(res.ok, res.error);
      assert.strictEqual(res.title, 'PoolHitTag for steady_reads');
      assert.strictEqual(run?.scenario, 'steady_reads');
      assert.strictEqual(run.result.hitTag, 'Ctx ');
      // DriverEntry allocates the context and DriverUnload frees it: one break each.
      assert.deepStrictEqual(
        run.result.hits.map((h) => [h.event, h.tag, h.size]),
        [
          ['alloc', 'Ctx ', 0x200],
          ['free', 'Ctx ', 0x200],
        ],
      );
      // The tag was for this run only.
      assert.strictEqual((await poolscope()).hitTag().tag, null);
    });
  });
}
