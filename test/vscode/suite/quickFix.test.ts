/** A quick fix applied through VS Code (code action provider + applyEdit) removes its finding. */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { describeDiagnostics, diagnosticsOf, poolscope, ruleOf, workspaceFile } from './helpers';

async function applyFix(uri: vscode.Uri, diagnostic: vscode.Diagnostic, title: RegExp): Promise<vscode.CodeAction> {
  const actions = (await vscode.commands.executeCommand<Array<vscode.CodeAction | vscode.Command>>('vscode.executeCodeActionProvider', uri, diagnostic.range)) ?? [];
  // A Command has a string `command`; a CodeAction has an edit and/or a Command object.
  const fix = actions.find((a): a is vscode.CodeAction => typeof (a as vscode.Command).command !== 'string' && title.test(a.title));
  assert.ok(fix, `a "${title}" fix among ${JSON.stringify(actions.map((a) => a.title))}`);
  if (fix.edit) assert.ok(await vscode.workspace.applyEdit(fix.edit), 'edit applied');
  if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
  return fix;
}

export function registerQuickFixTests(): void {
  suite('quick fixes', () => {
    let uri: vscode.Uri;

    suiteSetup(async () => {
      await poolscope();
      // A copy, so the other suites keep the original findings.
      uri = workspaceFile('quickfix.drvm');
      await vscode.workspace.fs.copy(workspaceFile('leaky.drvm'), uri, { overwrite: true });
    });

    test('"Give each call site its own tag" removes shared-tag, and is the preferred fix', async () => {
      const ds = await diagnosticsOf(uri, (d) => d.some((x) => ruleOf(x) === 'shared-tag'));
      const shared = ds.find((d) => ruleOf(d) === 'shared-tag')!;
      const fix = await applyFix(uri, shared, /own tag/);
      assert.strictEqual(fix.isPreferred, true);
      const after = await diagnosticsOf(uri, (d) => !d.some((x) => ruleOf(x) === 'shared-tag') && d.some((x) => ruleOf(x) === 'quota-in-dpc'), 20_000, false);
      assert.ok(!after.some((d) => ruleOf(d) === 'shared-tag'), describeDiagnostics(after));
    });

    test('"Allocate without quota" removes quota-in-dpc', async () => {
      const ds = vscode.languages.getDiagnostics(uri);
      const quota = ds.find((d) => ruleOf(d) === 'quota-in-dpc');
      assert.ok(quota, describeDiagnostics(ds));
      await applyFix(uri, quota, /without quota/i);
      const after = await diagnosticsOf(uri, (d) => !d.some((x) => ruleOf(x) === 'quota-in-dpc'), 20_000, false);
      assert.ok(!after.some((d) => ruleOf(d) === 'quota-in-dpc'));
    });

    test('"Disable <rule> for this line" silences it', async () => {
      const ds = vscode.languages.getDiagnostics(uri);
      const hint = ds.find((d) => ruleOf(d) === 'deprecated-allocator');
      assert.ok(hint, describeDiagnostics(ds));
      const before = ds.filter((d) => ruleOf(d) === 'deprecated-allocator').length;
      await applyFix(uri, hint, /^Disable deprecated-allocator/);
      await diagnosticsOf(uri, (d) => d.filter((x) => ruleOf(x) === 'deprecated-allocator').length === before - 1, 20_000, false);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });
  });
}
