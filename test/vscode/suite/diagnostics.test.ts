/** The language server's findings on examples/leaky.drvm reach VS Code with the right rules and lines. */
import * as assert from 'node:assert';
import * as vscode from 'vscode';
import { describeDiagnostics, diagnosticsOf, poolscope, ruleOf, rulesAndLines, workspaceFile } from './helpers';

/** (rule, 0-based line) pairs of rules.md for leaky.drvm (1-based lines 14, 23, 28, 31). */
const EXPECTED = [
  'deprecated-allocator@13',
  'deprecated-allocator@22',
  'deprecated-allocator@27',
  'paged-free-at-dispatch@30',
  'quota-in-dpc@27',
  'shared-tag@13',
  'shared-tag@22',
  'unbalanced-allocation@13',
];

export function registerDiagnosticsTests(): void {
  suite('diagnostics', () => {
    suiteSetup(async () => {
      await poolscope();
    });

    test('leaky.drvm shows every rule of the contract on its line', async () => {
      const uri = workspaceFile('leaky.drvm');
      const ds = await diagnosticsOf(uri, (d) => EXPECTED.every((e) => rulesAndLines(d).includes(e)));
      const got = rulesAndLines(ds);
      for (const e of EXPECTED) assert.ok(got.includes(e), `missing ${e} in ${describeDiagnostics(ds)}`);
      assert.deepStrictEqual(got, EXPECTED, `no other findings expected: ${describeDiagnostics(ds)}`);
    });

    test('severities, sources and documentation links follow rules.md', async () => {
      const ds = vscode.languages.getDiagnostics(workspaceFile('leaky.drvm'));
      const sev = (rule: string) => ds.filter((d) => ruleOf(d) === rule).map((d) => d.severity);
      assert.ok(sev('quota-in-dpc').every((s) => s === vscode.DiagnosticSeverity.Error));
      assert.ok(sev('paged-free-at-dispatch').every((s) => s === vscode.DiagnosticSeverity.Error));
      assert.ok(sev('shared-tag').every((s) => s === vscode.DiagnosticSeverity.Warning));
      assert.ok(sev('unbalanced-allocation').every((s) => s === vscode.DiagnosticSeverity.Warning));
      assert.ok(sev('deprecated-allocator').every((s) => s === vscode.DiagnosticSeverity.Hint));
      const shared = ds.find((d) => ruleOf(d) === 'shared-tag')!;
      assert.ok(typeof shared.code === 'object' && String(shared.code.target).includes('shared-tag'), 'codeDescription.href points at the rule page');
      assert.ok((shared.relatedInformation ?? []).length >= 1, 'shared-tag lists the other sites');
      // The shared tag literal itself is underlined, not the whole call.
      const doc = await vscode.workspace.openTextDocument(workspaceFile('leaky.drvm'));
      assert.strictEqual(doc.getText(shared.range), "'Abc '");
    });

    test('poolscope.rules changes a severity and "off" removes a rule', async () => {
      const uri = workspaceFile('leaky.drvm');
      const config = vscode.workspace.getConfiguration('poolscope');
      try {
        await config.update('rules', { 'deprecated-allocator': 'off', 'shared-tag': 'error' }, vscode.ConfigurationTarget.Workspace);
        const ds = await diagnosticsOf(
          uri,
          (d) => !d.some((x) => ruleOf(x) === 'deprecated-allocator') && d.some((x) => ruleOf(x) === 'shared-tag' && x.severity === vscode.DiagnosticSeverity.Error),
          20_000,
          false,
        );
        assert.ok(ds.some((d) => ruleOf(d) === 'quota-in-dpc'));
      } finally {
        await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
      }
      await diagnosticsOf(uri, (d) => rulesAndLines(d).includes('deprecated-allocator@13'), 20_000, false);
    });
  });
}
