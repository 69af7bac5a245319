/** PoolHitTag: set through the command, breaks recorded by the run, driver frames open the script. */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import type { HitTagState } from '../../../server/src/protocol';
import type { ReportRun } from '../../../client/shared/reportProtocol';
import type { TreeItemSnapshot } from '../../../client/src/testApi';
import { harnessAvailable, harnessRequest, poolscope, waitFor, workspaceFile } from './helpers';

export function registerHitTagTests(): void {
  suite('hit tag', () => {
    suiteSetup(async () => {
      await poolscope();
    });
    suiteTeardown(async () => {
      await vscode.commands.executeCommand('poolscope.clearHitTag');
    });

    test("Set PoolHitTag pads the tag and gives the little-endian 'ed nt!poolhittag' form", async () => {
      const api = await poolscope();
      const state = await vscode.commands.executeCommand<HitTagState>('poolscope.setHitTag', 'Abc');
      assert.strictEqual(state?.tag, 'Abc ');
      assert.strictEqual(state?.edCommand, 'ed nt!poolhittag 0x20636241');
      assert.strictEqual(api.hitTag().tag, 'Abc ');
      const top = await api.snapshot('hitTag', 0);
      assert.strictEqual(top[0].label, "PoolHitTag 'Abc '");
      assert.strictEqual(top[0].description, 'ed nt!poolhittag 0x20636241');
    });

    test('the status bar shows the PoolHitTag in force; clicking it runs Set PoolHitTag…', async () => {
      const api = await poolscope();
      assert.deepStrictEqual(api.hitTagStatus(), {
        text: "$(debug-breakpoint) PoolHitTag 'Abc '",
        tooltip: "ed nt!poolhittag 0x20636241\nThe simulator breaks on every allocation and free of 'Abc '. Click to change.",
        command: 'poolscope.setHitTag',
      });
    });

    test('screenshot: clicking the status bar item asks for a tag, shows its ed form and changes it', async function () {
      if (!harnessAvailable()) this.skip();
      const api = await poolscope();
      const item = await harnessRequest<{ text: string }>({ kind: 'statusBar', name: 'status-hittag', text: "PoolHitTag 'Abc '", click: true });
      assert.ok(item.ok, item.error);
      const box = await harnessRequest<{ title: string; initial: string; message: string }>({ kind: 'inputBox', name: 'input-hittag', text: 'Tron', expectMessage: 'ed nt!poolhittag 0x6e6f7254', accept: true });
      assert.ok(box.ok, box.error);
      assert.strictEqual(box.title, 'Set PoolHitTag');
      assert.strictEqual(box.initial, "'Abc '", 'the box starts with the tag in force');
      assert.strictEqual(box.message.replace(/\s+/g, ' '), "'Tron' → ed nt!poolhittag 0x6e6f7254 (C constant 'norT')");
      await waitFor(() => api.hitTag().tag === 'Tron', 10_000, () => JSON.stringify(api.hitTag()));
      assert.strictEqual(api.hitTagStatus().text, "$(debug-breakpoint) PoolHitTag 'Tron'");
      // An invalid tag is refused under the box, and nothing changes.
      const bad = harnessRequest<{ message: string }>({ kind: 'inputBox', name: 'input-hittag-bad', text: 'TooLong', expectMessage: 'at most 4', accept: false });
      await vscode.commands.executeCommand('poolscope.setHitTag');
      const refused = await bad;
      assert.ok(refused.ok, refused.error);
      assert.strictEqual(refused.message, "'TooLong' has 7 characters; a pool tag has at most 4.");
      assert.strictEqual(api.hitTag().tag, 'Tron');
      await vscode.commands.executeCommand('poolscope.setHitTag', 'Abc');
    });

    test('an invalid tag is refused', async () => {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand('poolscope.setHitTag', 'TooLong')), /at most 4/);
    });

    test("a run records 'Abc ' breaks whose driver frames point at ReadDispatch line 14", async () => {
      const api = await poolscope();
      const run = await vscode.commands.executeCommand<ReportRun>('poolscope.runScenario', workspaceFile('leaky.drvm').toString(), 'steady_reads');
      assert.ok(run && run.result.hits.length > 0, 'breaks recorded');
      const first = run.result.hits[0];
      assert.strictEqual(first.event, 'alloc');
      assert.strictEqual(first.tag, 'Abc ');
      const driverFrame = first.stack.find((f) => f.line !== undefined)!;
      assert.strictEqual(driverFrame.frame, 'Leaky!ReadDispatch');
      assert.strictEqual(driverFrame.line, 14);
      assert.ok(run.result.hits.some((h) => h.event === 'free' && h.stack.some((f) => f.frame === 'Leaky!WriteDispatch' && f.line === 24)), 'WriteDispatch frees at line 24');

      const tree = await api.snapshot('hitTag', 3);
      assert.strictEqual(tree[0].label, "PoolHitTag 'Abc '");
      const breaks: TreeItemSnapshot[] = tree.slice(1).flatMap((n) => (n.label.startsWith('Breaks ') ? n.children ?? [] : [n]));
      assert.ok(breaks.length > 0, JSON.stringify(tree.map((t) => t.label)));
      const b = breaks[0];
      assert.strictEqual(b.label, "1. allocate 'Abc '");
      assert.match(b.description ?? '', /^PagedPool, 0x1000 bytes, ffffc000`[0-9a-f]{8}$/);
      const frames = b.children ?? [];
      assert.strictEqual(frames[0].label, '00 nt!ExAllocatePoolWithTag');
      assert.strictEqual(frames[1].label, '01 Leaky!ReadDispatch+0xe [leaky.drvm @ 14]');
      assert.strictEqual(frames[1].contextValue, 'driverFrame');
      assert.strictEqual(frames[2].contextValue, 'systemFrame');

      // Selecting the driver frame opens the script at the allocation (0-based line 13).
      await vscode.commands.executeCommand(frames[1].command!.command, ...(frames[1].command!.arguments ?? []));
      const editor = vscode.window.activeTextEditor!;
      assert.ok(editor.document.uri.path.endsWith('/leaky.drvm'));
      assert.strictEqual(editor.selection.active.line, 13);
    });

    test('Clear PoolHitTag turns it off', async () => {
      const api = await poolscope();
      const state = await vscode.commands.executeCommand<HitTagState>('poolscope.clearHitTag');
      assert.strictEqual(state?.tag, null);
      assert.strictEqual(api.hitTag().tag, null);
      assert.strictEqual(api.hitTagStatus().text, '$(debug-breakpoint-unverified) PoolHitTag off');
    });
  });
}
