/**
 * Pool: Set PoolHitTag… / Clear PoolHitTag, and the status bar item that shows the tag in
 * force (click to change it). The input box validates the tag as the user types and shows the
 * `ed nt!poolhittag` line they would type in WinDbg.
 */
import * as vscode from 'vscode';
import type { HitTagState } from '../../../server/src/protocol';
import { errorText } from '../languageServer';
import type { HitTagStore } from '../hitTagStore';
import { parsePoolTag, type ParsedPoolTag } from '../poolTag';

export function registerHitTagCommands(store: HitTagStore): vscode.Disposable[] {
  const status = vscode.window.createStatusBarItem('poolscope.hitTag', vscode.StatusBarAlignment.Left, 50);
  status.name = 'PoolHitTag';
  status.command = 'poolscope.setHitTag';
  const render = (s: HitTagState) => {
    status.text = s.tag ? `$(debug-breakpoint) PoolHitTag '${s.tag}'` : '$(debug-breakpoint-unverified) PoolHitTag off';
    status.tooltip = s.tag ? `${s.edCommand}\nThe simulator breaks on every allocation and free of '${s.tag}'. Click to change.` : 'No PoolHitTag. Click to set one.';
  };
  render(store.state);
  status.show();

  const set = async (tag: string | null): Promise<HitTagState | undefined> => {
    try {
      return await store.set(tag);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not set the PoolHitTag: ${errorText(e)}`);
      return undefined;
    }
  };

  return [
    status,
    store.onDidChange(render),
    vscode.commands.registerCommand('poolscope.setHitTag', async (tag?: string) => {
      if (typeof tag === 'string') {
        const parsed = parsePoolTag(tag);
        if ('error' in parsed) throw new Error(parsed.error);
        return set(parsed.display);
      }
      const parsed = await promptForPoolTag('Set PoolHitTag', store.state.tag ?? undefined);
      return parsed ? set(parsed.display) : undefined;
    }),
    vscode.commands.registerCommand('poolscope.clearHitTag', () => set(null)),
  ];
}

/** Asks for a tag; validates it as the user types and shows the `ed nt!poolhittag` form. */
export async function promptForPoolTag(title: string, value?: string): Promise<ParsedPoolTag | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value: value !== undefined ? `'${value}'` : undefined,
    prompt: "Pool tag in display order, as !poolused shows it: Abc, 'Abc ' or Tron (short tags are padded with spaces)",
    placeHolder: "'Abc '",
    validateInput: (input) => {
      if (input.length === 0) return undefined;
      const p = parsePoolTag(input);
      if ('error' in p) return p.error;
      return { message: `'${p.display}' → ${p.edCommand}  (C constant ${p.cConstant})`, severity: vscode.InputBoxValidationSeverity.Info };
    },
  });
  if (text === undefined || text.length === 0) return undefined;
  const p = parsePoolTag(text);
  return 'error' in p ? undefined : p;
}
