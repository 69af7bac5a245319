/**
 * Pool: Find Pool Allocations by Tag… — `!poolfind Tag` on the last run: every live block
 * with that tag, listed in a quick pick (pick one to open its allocation site) and printed
 * the WinDbg way in the "PoolScope" output channel.
 */
import * as vscode from 'vscode';
import { PoolFindRequest, type PoolFindResult } from '../../../server/src/protocol';
import { formatNumber, hex, routineOf } from '../../shared/format';
import { errorText } from '../languageServer';
import type { LanguageServerConnection } from '../languageServer';
import type { RunStore } from '../runStore';
import { revealLine } from '../scenarioRunner';
import { promptForPoolTag } from './hitTagCommands';
import { parsePoolTag } from '../../../server/src/core/poolTag';

export function registerPoolFindCommand(server: LanguageServerConnection, runs: RunStore, output: vscode.OutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('poolscope.poolFind', async (tagArg?: string): Promise<PoolFindResult | undefined> => {
      const run = runs.lastRun;
      if (!run) {
        void vscode.window.showInformationMessage('!poolfind searches the last run: run a scenario first.', 'Run Scenario…').then((c) => c && vscode.commands.executeCommand('poolscope.runScenario'));
        return undefined;
      }
      const parsed = typeof tagArg === 'string' ? parsePoolTag(tagArg) : await promptForPoolTag('Find Pool Allocations by Tag (!poolfind)');
      if (!parsed) return undefined;
      if ('error' in parsed) throw new Error(parsed.error);
      let result: PoolFindResult;
      try {
        result = await server.request(PoolFindRequest, { tag: parsed.display, uri: run.uri });
      } catch (e) {
        void vscode.window.showErrorMessage(`!poolfind failed: ${errorText(e)}`);
        return undefined;
      }
      output.appendLine(`kd> !poolfind ${parsed.display}`);
      output.appendLine(result.text);
      if (typeof tagArg === 'string') return result; // programmatic use: no UI
      if (result.blocks.length === 0) {
        void vscode.window.showInformationMessage(`!poolfind: no live block has tag '${parsed.display}' at the end of ${run.scenario}.`);
        return result;
      }
      const picked = await vscode.window.showQuickPick(
        result.blocks.slice(0, 5000).map((b) => ({
          label: b.address,
          description: `size: ${hex(b.size)} (${formatNumber(b.size)} bytes) ${b.pool}`,
          detail: `${routineOf(b.stack) ?? 'script'} line ${b.site.line}`,
          block: b,
        })),
        { title: `!poolfind '${parsed.display}' — ${formatNumber(result.blocks.length)} live blocks`, matchOnDetail: true },
      );
      if (picked) await revealLine(run.uri, picked.block.site.line, picked.block.site.column);
      return result;
    }),
  ];
}
