/**
 * Hit Tag: the PoolHitTag in force and every break it recorded in the last run — each
 * allocation or free of that tag, with the `kb` stack the debugger would have shown.
 * Selecting a driver frame opens the script at that line.
 */
import * as vscode from 'vscode';
import type { HitTagBreak, StackFrame } from '../../../server/src/protocol';
import { formatFrame, formatNumber, hex, isDriverFrame } from '../../shared/format';
import type { ReportRun } from '../../shared/reportProtocol';
import type { HitTagStore } from '../hitTagStore';
import type { RunStore } from '../runStore';
import { PoolTreeView } from './poolTreeView';

/** Breaks per page: a tree of 10,000 rows is unreadable and slow. */
const PAGE = 100;

export type HitTagNode =
  | { kind: 'hitTag' }
  | { kind: 'dropped'; count: number }
  | { kind: 'page'; from: number; to: number }
  | { kind: 'break'; index: number; hit: HitTagBreak }
  | { kind: 'frame'; index: number; frame: StackFrame; run: ReportRun };

export class HitTagView extends PoolTreeView<HitTagNode> {
  static readonly id = 'poolscope.hitTag';

  constructor(
    private readonly runs: RunStore,
    private readonly hitTag: HitTagStore,
  ) {
    super(HitTagView.id, { showCollapseAll: true });
    this.disposables.push(runs.onDidChange(() => this.refresh()), hitTag.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    const hits = this.runs.lastRun?.result.hits.length ?? 0;
    this.view.description = hits ? `${formatNumber(hits)} breaks` : undefined;
    this.fireChanged();
  }

  getChildren(node?: HitTagNode): HitTagNode[] {
    const run = this.runs.lastRun;
    const hits = run?.result.hits ?? [];
    if (!node) {
      // Empty (→ the welcome content) until a tag is set or a run recorded breaks.
      if (!this.hitTag.state.tag && hits.length === 0) return [];
      const top: HitTagNode[] = [{ kind: 'hitTag' }];
      if (hits.length > PAGE) {
        for (let from = 0; from < hits.length; from += PAGE) top.push({ kind: 'page', from, to: Math.min(hits.length, from + PAGE) });
      } else {
        hits.forEach((hit, index) => top.push({ kind: 'break', index, hit }));
      }
      if (run && run.result.hitsDropped > 0) top.push({ kind: 'dropped', count: run.result.hitsDropped });
      return top;
    }
    if (node.kind === 'page') return hits.slice(node.from, node.to).map((hit, i) => ({ kind: 'break', index: node.from + i, hit }));
    if (node.kind === 'break' && run) return node.hit.stack.map((frame, index) => ({ kind: 'frame', index, frame, run }));
    return [];
  }

  getTreeItem(node: HitTagNode): vscode.TreeItem {
    switch (node.kind) {
      case 'hitTag': {
        const s = this.hitTag.state;
        const item = new vscode.TreeItem(s.tag ? `PoolHitTag '${s.tag}'` : 'PoolHitTag off');
        item.description = s.edCommand ?? undefined;
        item.tooltip = s.tag ? `${s.edCommand} — the debugger breaks on every allocation and free of '${s.tag}'. Click to change.` : 'Click to set a PoolHitTag';
        item.iconPath = new vscode.ThemeIcon('debug-breakpoint');
        item.contextValue = 'hitTagInForce';
        item.command = { title: 'Set PoolHitTag…', command: 'poolscope.setHitTag' };
        return item;
      }
      case 'dropped': {
        const item = new vscode.TreeItem(`${formatNumber(node.count)} more breaks not recorded (cap reached)`);
        item.iconPath = new vscode.ThemeIcon('info');
        return item;
      }
      case 'page':
        return new vscode.TreeItem(`Breaks ${node.from + 1}–${node.to}`, vscode.TreeItemCollapsibleState.Collapsed);
      case 'break': {
        const h = node.hit;
        const item = new vscode.TreeItem(`${node.index + 1}. ${h.event === 'alloc' ? 'allocate' : 'free'} '${h.tag}'`, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${h.pool}, ${hex(h.size)} bytes, ${h.address}`;
        item.tooltip = `Break instruction exception - PoolHitTag '${h.tag}' (${h.event === 'alloc' ? 'allocate' : 'free'}, ${h.pool}, ${hex(h.size)} bytes, ${h.address})`;
        item.iconPath = new vscode.ThemeIcon(h.event === 'alloc' ? 'add' : 'remove');
        item.contextValue = 'hitTagBreak';
        return item;
      }
      case 'frame': {
        const f = node.frame;
        const item = new vscode.TreeItem(`${String(node.index).padStart(2, '0')} ${formatFrame(f, node.run.fileName)}`);
        if (isDriverFrame(f)) {
          item.iconPath = new vscode.ThemeIcon('go-to-file');
          item.contextValue = 'driverFrame';
          item.command = { title: 'Open Driver Frame', command: 'poolscope.revealLine', arguments: [node.run.uri, f.line, f.column] };
        } else {
          item.iconPath = new vscode.ThemeIcon('symbol-namespace');
          item.contextValue = 'systemFrame';
        }
        return item;
      }
    }
  }
}
