/**
 * Restricted Mode: the harness's "untrusted" run opens the workspace with workspace trust on and
 * the folder trusted nowhere (test/vscode/run.mjs). PoolScope declares limited support: it
 * activates, lints and simulates (scripts are data), but never reads the pooltag.txt that
 * `poolscope.pooltagFile` names — neither the workspace's value (VS Code ignores a restricted
 * setting's workspace value) nor the user's (the client strips it, the server is told the
 * workspace is untrusted). The same hover and WinDbg text show the owners in the trusted dev run
 * (commands.test.ts).
 */
import * as assert from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ReportRun } from '../../../client/shared/reportProtocol';
import { abcTagPosition, describeDiagnostics, diagnosticsOf, EXTENSION_ID, hoverText, poolscope, ruleOf, rulesAndLines, waitFor, workspaceFile } from './helpers';

export function registerUntrustedTests(): void {
  suite('untrusted workspace (Restricted Mode)', () => {
    test('the workspace is not trusted, PoolScope activates by itself, pooltag.txt is configured and exists', async () => {
      assert.strictEqual(vscode.workspace.isTrusted, false, 'the harness opened the folder in Restricted Mode');
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, 'PoolScope is enabled in Restricted Mode');
      assert.strictEqual(ext.packageJSON.capabilities.untrustedWorkspaces.supported, 'limited');
      // Activated by its activation events (workspaceContains:**/*.drvm), not by this test.
      await waitFor(() => ext.isActive, 30_000, () => 'for PoolScope to activate');
      const api = await poolscope();
      assert.strictEqual(api.serverState(), 'running');

      const workspaceSettings = JSON.parse(readFileSync(workspaceFile('.vscode/settings.json').fsPath, 'utf8'));
      assert.strictEqual(workspaceSettings['poolscope.pooltagFile'], 'pooltag.txt', 'the workspace names the file');
      // VS Code hides the workspace's value of a restricted setting and passes the user's on.
      const config = vscode.workspace.getConfiguration('poolscope', workspaceFile('leaky.drvm'));
      const setting = config.inspect<string>('pooltagFile');
      assert.strictEqual(setting?.workspaceValue, undefined, 'VS Code ignores the workspace value in Restricted Mode');
      assert.strictEqual(setting?.globalValue, './pooltag.txt', 'the user names it too');
      assert.strictEqual(config.get('pooltagFile'), './pooltag.txt');
      assert.ok(existsSync(workspaceFile('pooltag.txt').fsPath), 'the pooltag.txt it names exists');
    });

    test('diagnostics still arrive: quota-in-dpc on the quota allocation of leaky.drvm (line 28)', async () => {
      const uri = workspaceFile('leaky.drvm');
      const ds = await diagnosticsOf(uri, (d) => rulesAndLines(d).includes('quota-in-dpc@27'));
      const quota = ds.find((d) => ruleOf(d) === 'quota-in-dpc');
      assert.ok(quota, describeDiagnostics(ds));
      assert.strictEqual(quota.range.start.line, 27);
      assert.strictEqual(quota.severity, vscode.DiagnosticSeverity.Error);
      const doc = await vscode.workspace.openTextDocument(uri);
      assert.match(doc.lineAt(27).text, /ExAllocatePoolWithQuotaTag\(NonPagedPool, 64, 'Tron'\)/);
      assert.ok(rulesAndLines(ds).includes('unbalanced-allocation@13'), describeDiagnostics(ds));
    });

    test("hovering 'Abc ' shows the tag but no owner from pooltag.txt", async () => {
      const uri = workspaceFile('leaky.drvm');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const at = await abcTagPosition(uri);
      let text = '';
      await waitFor(async () => (text = await hoverText(uri, at)).includes('**Pool tag**'), 20_000, () => text);
      assert.ok(text.includes('0x20636241'), `the tag's ULONG: ${text}`);
      assert.ok(!text.includes('owner (pooltag.txt)'), text);
      assert.ok(!text.includes('Leaky read buffers'), text);
    });

    test("scenarios still run with the workspace's settings: timer bug checks 0xC4/0x10B; steady_reads (seed 7) loses 27 Abc blocks and the WinDbg text names no owner", async () => {
      const leaky = workspaceFile('leaky.drvm').toString();
      const timer = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', leaky, 'timer');
      assert.strictEqual(timer?.scenario, 'timer');
      assert.strictEqual(timer.result.bugcheck?.code, '0xC4');
      assert.strictEqual(timer.result.bugcheck?.params[0], '0x10B', 'quota charged from a DPC');

      // The seed comes from .vscode/settings.json: the server read this document's settings
      // (the same answer that would carry pooltagFile, had the client not dropped it).
      const steady = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', leaky, 'steady_reads');
      assert.strictEqual(steady?.result.seed, 7);
      assert.strictEqual(steady.result.bugcheck?.code, '0xC4');
      assert.strictEqual(steady.result.bugcheck?.params[3], '0x1B', 'the 27 blocks lost on the 2% path (seed 7)');
      const text = (await vscode.commands.executeCommand<string>('poolscope.copyReportAsText')) ?? '';
      assert.ok(text.includes('Pool Used:'), text.slice(0, 600));
      const abc = text.split('\n').find((l) => l.startsWith(' Abc '));
      assert.match(abc ?? '', /^ Abc\s+0\s+0\s+27\s+110592\s*$/, 'the !poolused row, with no owner after it');
      assert.ok(!text.includes('Leaky read buffers'), 'no owner from pooltag.txt anywhere');
    });
  });
}
