/**
 * Pool: Run Scenario…, Run Scenario at Cursor, and the commands behind the server's code
 * lenses: `poolscope.runScenario(uri, scenarioName)` and
 * `poolscope.runScenarioWithHitTag(uri, scenarioName)`.
 */
import * as vscode from 'vscode';
import type { ScenarioInfo } from '../../../server/src/protocol';
import type { ReportRun } from '../../shared/reportProtocol';
import type { HitTagStore } from '../hitTagStore';
import { errorText } from '../languageServer';
import type { RunStore } from '../runStore';
import type { ScenarioCatalog } from '../scenarioCatalog';
import { revealLine, type ScenarioRunner } from '../scenarioRunner';
import type { ScenarioNode } from '../views/scenariosView';
import { promptForPoolTag } from './hitTagCommands';

export function registerRunCommands(
  catalog: ScenarioCatalog,
  runner: ScenarioRunner,
  runs: RunStore,
  hitTagStore: HitTagStore,
  onRun: (run: ReportRun) => void,
): vscode.Disposable[] {
  const runAndShow = async (uri: vscode.Uri, scenario: string, hitTag?: string | null) => {
    const run = await runner.run(uri, scenario, hitTag !== undefined ? { hitTag } : {});
    if (run) onRun(run);
    return run;
  };

  return [
    vscode.commands.registerCommand('poolscope.runScenario', async (target?: string | vscode.Uri | ScenarioNode, name?: string) => {
      const picked = await resolveTarget(catalog, runs, target, name, 'Run Scenario');
      return picked ? runAndShow(picked.uri, picked.name) : undefined;
    }),
    vscode.commands.registerCommand('poolscope.runScenarioWithHitTag', async (target?: string | vscode.Uri | ScenarioNode, name?: string, tag?: string) => {
      const picked = await resolveTarget(catalog, runs, target, name, 'Run Scenario with PoolHitTag');
      if (!picked) return undefined;
      // The box starts with the tag in force: Enter runs with it, or type another.
      const hitTag = tag ?? (await promptForPoolTag(`PoolHitTag for ${picked.name}`, hitTagStore.state.tag ?? undefined))?.display;
      return hitTag ? runAndShow(picked.uri, picked.name, hitTag) : undefined;
    }),
    vscode.commands.registerCommand('poolscope.runScenarioAtCursor', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'drvm') {
        void vscode.window.showInformationMessage('Open a .drvm driver model script and put the cursor in a scenario.');
        return undefined;
      }
      let scenarios: ScenarioInfo[];
      try {
        scenarios = await catalog.scenariosOf(editor.document);
      } catch (e) {
        void vscode.window.showErrorMessage(errorText(e));
        return undefined;
      }
      const line = editor.selection.active.line;
      const at = scenarios.filter((s) => s.line <= line).sort((a, b) => b.line - a.line)[0];
      if (at) return runAndShow(editor.document.uri, at.name);
      const picked = await pickScenario(scenarios, runs, 'Run Scenario at Cursor: the cursor is above every scenario — pick one');
      return picked ? runAndShow(editor.document.uri, picked.name) : undefined;
    }),
    vscode.commands.registerCommand('poolscope.revealLine', (uri: string | vscode.Uri, line: number, column?: number) => revealLine(uri, line, column)),
  ];
}

async function resolveTarget(
  catalog: ScenarioCatalog,
  runs: RunStore,
  target: string | vscode.Uri | ScenarioNode | undefined,
  name: string | undefined,
  title: string,
): Promise<{ uri: vscode.Uri; name: string } | undefined> {
  if (target && typeof target === 'object' && 'kind' in target) {
    if (target.kind === 'scenario') return { uri: vscode.Uri.parse(target.info.uri), name: target.info.name };
    const picked = await pickScenario(target.scenarios, runs, title);
    return picked && { uri: vscode.Uri.parse(picked.uri), name: picked.name };
  }
  if (target && name) return { uri: typeof target === 'string' ? vscode.Uri.parse(target) : target, name };

  // From the palette: the scenarios of every open script (the active one first).
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'drvm') await catalog.scenariosOf(active).catch(() => undefined);
  let all = catalog.scripts.flatMap((s) => s.scenarios);
  if (target) {
    const uri = typeof target === 'string' ? target : target.toString();
    all = all.filter((s) => s.uri === uri);
  }
  if (active) all.sort((a, b) => Number(b.uri === active.uri.toString()) - Number(a.uri === active.uri.toString()));
  if (all.length === 0) {
    void vscode.window.showInformationMessage('No scenario found. Open a .drvm script that declares a scenario.');
    return undefined;
  }
  const picked = await pickScenario(all, runs, title);
  return picked && { uri: vscode.Uri.parse(picked.uri), name: picked.name };
}

async function pickScenario(scenarios: ScenarioInfo[], runs: RunStore, title: string): Promise<ScenarioInfo | undefined> {
  const items = scenarios.map((info) => {
    const outcome = runs.outcome(info.uri, info.name);
    const file = info.uri.slice(info.uri.lastIndexOf('/') + 1);
    return {
      label: info.name,
      description: `${decodeURIComponent(file)}:${info.line + 1}`,
      detail: !outcome ? undefined : outcome.kind === 'clean' ? 'last run: clean' : outcome.kind === 'bugcheck' ? `last run: bug check ${outcome.code} ${outcome.name}` : `last run failed: ${outcome.message}`,
      info,
    };
  });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Scenario to simulate', matchOnDescription: true });
  return picked?.info;
}
