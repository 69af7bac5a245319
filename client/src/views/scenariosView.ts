/**
 * Scenarios: every scenario of the open `.drvm` files, with a run action and the last result
 * (clean, or the bug check code the machine would have raised).
 */
import * as vscode from 'vscode';
import type { ScenarioInfo } from '../../../server/src/protocol';
import type { RunStore } from '../runStore';
import type { ScenarioCatalog } from '../scenarioCatalog';
import { PoolTreeView } from './poolTreeView';

export type ScenarioNode = { kind: 'script'; uri: string; scenarios: ScenarioInfo[] } | { kind: 'scenario'; info: ScenarioInfo };

export class ScenariosView extends PoolTreeView<ScenarioNode> {
  static readonly id = 'poolscope.scenarios';

  constructor(
    private readonly catalog: ScenarioCatalog,
    private readonly runs: RunStore,
  ) {
    super(ScenariosView.id);
    this.disposables.push(catalog.onDidChange(() => this.fireChanged()), runs.onDidChange(() => this.fireChanged()));
  }

  getChildren(node?: ScenarioNode): ScenarioNode[] {
    const scripts = this.catalog.scripts.filter((s) => s.scenarios.length > 0);
    if (!node) {
      if (scripts.length === 1) return scripts[0].scenarios.map((info) => ({ kind: 'scenario', info }));
      return scripts.map((s) => ({ kind: 'script', uri: s.uri, scenarios: s.scenarios }));
    }
    if (node.kind === 'script') return node.scenarios.map((info) => ({ kind: 'scenario', info }));
    return [];
  }

  getTreeItem(node: ScenarioNode): vscode.TreeItem {
    if (node.kind === 'script') {
      const uri = vscode.Uri.parse(node.uri);
      const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.Expanded);
      item.contextValue = 'script';
      return item;
    }
    const { info } = node;
    const item = new vscode.TreeItem(info.name);
    const outcome = this.runs.outcome(info.uri, info.name);
    if (!outcome) {
      item.description = 'not run';
      item.iconPath = new vscode.ThemeIcon('circle-outline');
    } else if (outcome.kind === 'clean') {
      item.description = 'clean';
      item.iconPath = new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    } else if (outcome.kind === 'bugcheck') {
      item.description = `bug check ${outcome.code}`;
      item.tooltip = `${info.name}: bug check ${outcome.code} ${outcome.name}`;
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    } else {
      item.description = 'could not run';
      item.tooltip = outcome.message;
      item.iconPath = new vscode.ThemeIcon('warning');
    }
    item.contextValue = 'scenario';
    item.command = { title: 'Go to Scenario', command: 'poolscope.revealLine', arguments: [info.uri, info.line + 1] };
    return item;
  }
}
