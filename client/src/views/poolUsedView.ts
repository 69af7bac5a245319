/**
 * Pool Used: the last run's tags the way `!poolused 4` (paged) or `!poolused 2` (non-paged)
 * lists them, each expanding to the allocation sites that still hold blocks — the question a
 * leak investigation starts with: which tag grows, and who allocates it.
 */
import * as vscode from 'vscode';
import type { OutstandingBlock, PoolUsedRow } from '../../../server/src/protocol';
import { formatNumber, poolUsedOrder, routineOf } from '../../shared/format';
import type { PoolMode, ReportRun } from '../../shared/reportProtocol';
import type { RunStore } from '../runStore';
import { PoolTreeView } from './poolTreeView';

export type PoolUsedNode =
  | { kind: 'empty'; mode: PoolMode }
  | { kind: 'tag'; row: PoolUsedRow; mode: PoolMode }
  | { kind: 'site'; tag: string; line: number; column: number; routine: string; blocks: number; bytes: number; uri: string };

export class PoolUsedView extends PoolTreeView<PoolUsedNode> {
  static readonly id = 'poolscope.poolUsed';
  private mode: PoolMode = 'paged';
  /** The root nodes of the current run and mode: stable objects, so that reveal() finds them. */
  private roots: PoolUsedNode[] | undefined;

  constructor(private readonly runs: RunStore) {
    super(PoolUsedView.id, { showCollapseAll: true });
    this.disposables.push(
      runs.onDidChange(() => this.refresh()),
      vscode.commands.registerCommand('poolscope.poolUsed.showNonPaged', () => this.setMode('nonPaged')),
      vscode.commands.registerCommand('poolscope.poolUsed.showPaged', () => this.setMode('paged')),
    );
    this.setMode('paged');
  }

  get poolMode(): PoolMode {
    return this.mode;
  }

  setMode(mode: PoolMode): void {
    this.mode = mode;
    void vscode.commands.executeCommand('setContext', 'poolscope.poolUsed.pool', mode);
    this.refresh();
  }

  /** Expands a tag to show its allocation sites (as a click on it would). */
  async expandTag(tag: string): Promise<void> {
    const node = this.getChildren().find((n) => n.kind === 'tag' && n.row.tag === tag);
    if (!node) return;
    // The tree may not have rendered its rows yet right after the view opens: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.view.reveal(node, { expand: true, select: false, focus: false });
        return;
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  refresh(): void {
    this.roots = undefined;
    const run = this.runs.lastRun;
    this.view.description = run ? `${run.scenario} · ${this.mode === 'paged' ? 'Paged' : 'NonPaged'}` : undefined;
    this.fireChanged();
  }

  getChildren(node?: PoolUsedNode): PoolUsedNode[] {
    const run = this.runs.lastRun;
    if (!run) return [];
    if (!node) {
      if (!this.roots) {
        const rows = poolUsedOrder(run.result.poolused, this.mode);
        // Never empty after a run: an empty tree would show the "nothing has run" welcome.
        this.roots = rows.length ? rows.map((row) => ({ kind: 'tag', row, mode: this.mode })) : [{ kind: 'empty', mode: this.mode }];
      }
      return this.roots;
    }
    if (node.kind === 'tag') return sitesOf(run, node.row.tag, node.mode);
    return [];
  }

  getParent(node: PoolUsedNode): PoolUsedNode | undefined {
    if (node.kind !== 'site') return undefined;
    return this.getChildren().find((n) => n.kind === 'tag' && n.row.tag === node.tag);
  }

  getTreeItem(node: PoolUsedNode): vscode.TreeItem {
    if (node.kind === 'empty') {
      const other = node.mode === 'paged' ? 'NonPaged' : 'Paged';
      const item = new vscode.TreeItem(`No ${node.mode === 'paged' ? 'Paged' : 'NonPaged'} pool allocations in this run`);
      item.description = `show ${other}`;
      item.iconPath = new vscode.ThemeIcon('info');
      item.command = { title: `Show ${other} Pool`, command: node.mode === 'paged' ? 'poolscope.poolUsed.showNonPaged' : 'poolscope.poolUsed.showPaged' };
      return item;
    }
    if (node.kind === 'tag') {
      const c = node.row[node.mode];
      const item = new vscode.TreeItem(`'${node.row.tag}'`, c.diff > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.description = `${formatNumber(c.diff)} blocks · ${formatNumber(c.used)} bytes`;
      item.tooltip = tagTooltip(node.row);
      item.contextValue = 'poolTag';
      item.iconPath = new vscode.ThemeIcon(c.diff > 0 ? 'warning' : 'pass');
      return item;
    }
    const item = new vscode.TreeItem(`${node.routine} (line ${node.line})`, vscode.TreeItemCollapsibleState.None);
    item.description = `${formatNumber(node.blocks)} blocks · ${formatNumber(node.bytes)} bytes`;
    item.tooltip = `'${node.tag}' allocated at line ${node.line}, column ${node.column}: ${node.blocks} outstanding blocks, ${node.bytes} bytes`;
    item.contextValue = 'allocationSite';
    item.iconPath = new vscode.ThemeIcon('symbol-method');
    item.command = { title: 'Reveal Allocation Site', command: 'poolscope.revealLine', arguments: [node.uri, node.line, node.column] };
    return item;
  }
}

/** Allocation sites of a tag's outstanding blocks in one pool, most bytes first. */
export function sitesOf(run: ReportRun, tag: string, mode: PoolMode): PoolUsedNode[] {
  const pool = mode === 'paged' ? 'PagedPool' : 'NonPagedPool';
  const sites = new Map<string, Extract<PoolUsedNode, { kind: 'site' }>>();
  for (const b of run.result.outstanding as OutstandingBlock[]) {
    if (b.tag !== tag || b.pool !== pool) continue;
    const key = `${b.site.line}:${b.site.column}`;
    let s = sites.get(key);
    if (!s) {
      s = { kind: 'site', tag, line: b.site.line, column: b.site.column, routine: routineOf(b.stack) ?? 'script', blocks: 0, bytes: 0, uri: run.uri };
      sites.set(key, s);
    }
    s.blocks++;
    s.bytes += b.size;
  }
  return [...sites.values()].sort((a, b) => b.bytes - a.bytes || a.line - b.line);
}

function tagTooltip(row: PoolUsedRow): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**'${escapeMd(row.tag)}'**${row.owner ? ` — ${escapeMd(row.owner)}` : ''}\n\n`);
  md.appendMarkdown('| | Allocs | Frees | Diff | Used |\n|---|---:|---:|---:|---:|\n');
  md.appendMarkdown(`| NonPaged | ${row.nonPaged.allocs} | ${row.nonPaged.frees} | ${row.nonPaged.diff} | ${row.nonPaged.used} |\n`);
  md.appendMarkdown(`| Paged | ${row.paged.allocs} | ${row.paged.frees} | ${row.paged.diff} | ${row.paged.used} |\n`);
  return md;
}

export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => `\\${c}`);
}
