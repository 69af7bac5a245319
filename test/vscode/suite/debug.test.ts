import * as vscode from 'vscode';
import { poolscope, workspaceFile } from './helpers';
export function registerDebugTests(): void {
  suite('debug', () => {
    test('raw', async () => {
      const api = await poolscope();
      const uri = workspaceFile('leaky.drvm');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      await new Promise((r) => setTimeout(r, 1500));
      console.log('range ok', String(new vscode.Range(38, 0, 38, 0).start.line));
      try {
        const syms = await vscode.commands.executeCommand<unknown[]>('vscode.executeDocumentSymbolProvider', uri);
        console.log('SYMS', JSON.stringify(syms).slice(0, 300));
      } catch (e) { console.log('SYMS ERR', String(e)); }
      console.log('DIAGS', JSON.stringify(vscode.languages.getDiagnostics(uri)).slice(0, 300));
      const lc = require('vscode-languageclient/lib/common/protocolConverter');
      console.log('lc keys', Object.keys(lc));
      void api;
    });
  });
}
