import * as assert from 'node:assert';
import * as vscode from 'vscode';

export function registerSmokeTests(_mode: string): void {
  suite('smoke', () => {
    test('runs inside a real VS Code extension host', () => {
      assert.ok(vscode.version.length > 0);
      console.log(`vscode ${vscode.version} env=${process.env.POOLSCOPE_HARNESS_DIR ?? '-'}`);
    });
    test('has the workspace folder open', () => {
      assert.ok(vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders.length === 1);
    });
  });
}
