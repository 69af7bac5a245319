/**
 * Pool: Set PoolHitTag… / Clear PoolHitTag (also what the PoolHitTag status bar item runs).
 * The input box validates the tag as the user types and shows the `ed nt!poolhittag` line they
 * would type in WinDbg.
 */
import * as vscode from 'vscode';
import type { HitTagState } from '../../../server/src/protocol';
import type { HitTagStore } from '../hitTagStore';
import { errorText } from '../languageServer';
import { describePoolTagInput, parsePoolTag, type ParsedPoolTag } from '../../../server/src/core/poolTag';

export function registerHitTagCommands(store: HitTagStore): vscode.Disposable[] {
  const set = async (tag: string | null): Promise<HitTagState | undefined> => {
    try {
      return await store.set(tag);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not set the PoolHitTag: ${errorText(e)}`);
      return undefined;
    }
  };

  return [
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
      const d = describePoolTagInput(input);
      if (!d) return undefined;
      return 'error' in d ? d.error : { message: d.info, severity: vscode.InputBoxValidationSeverity.Info };
    },
  });
  if (text === undefined || text.length === 0) return undefined;
  const p = parsePoolTag(text);
  return 'error' in p ? undefined : p;
}
