/**
 * What `activate()` returns: a small read-only window into the views and the report, used by
 * the integration suite (test/vscode) to assert on what the user sees without scraping the UI.
 */
import type * as vscode from 'vscode';
import type { HitTagState } from '../../server/src/protocol';
import type { FromWebview, RenderedReportState, ReportRun, SortColumn } from '../shared/reportProtocol';
import type { ServerState } from './languageServer';

export interface TreeItemSnapshot {
  label: string;
  description?: string;
  tooltip?: string;
  contextValue?: string;
  command?: { command: string; arguments?: unknown[] };
  children?: TreeItemSnapshot[];
}

export type PoolScopeViewId = 'scenarios' | 'poolUsed' | 'hitTag';

export interface PoolScopeApi {
  readonly extensionPath: string;
  serverState(): ServerState;
  /** Restarts the server from another module path (undefined: the bundled dist/server.js). */
  restartServerFrom(serverModule: string | undefined): Promise<void>;
  /** The language server's process id while it runs. */
  serverPid(): number | undefined;
  lastRun(): ReportRun | undefined;
  hitTag(): HitTagState;
  /** What the PoolHitTag status bar item shows, and the command a click runs. */
  hitTagStatus(): { text: string; tooltip: string; command: string };
  /** The tree items a view shows now, expanded `depth` levels. */
  snapshot(view: PoolScopeViewId, depth?: number): Promise<TreeItemSnapshot[]>;
  /** Expands a tag in Pool Used, as a click would. */
  expandPoolUsedTag(tag: string): Promise<void>;
  /** Switches Pool Used between paged and non-paged. */
  setPoolUsedMode(mode: 'paged' | 'nonPaged'): void;
  /** What the Pool Report page rendered last (posted back by the page). */
  reportState(): RenderedReportState | undefined;
  readonly onReportRendered: vscode.Event<RenderedReportState>;
  /** How many times the report page has loaded (a hidden webview is discarded and reloads from its state). */
  reportPageLoads(): number;
  /** A raw LSP request (unconverted JSON): lets the suite look at exactly what the server sent. */
  rawRequest(method: string, params: unknown): Promise<unknown>;
  /** Sends a filter to the report page, as if typed. */
  setReportFilter(filter: string): void;
  /** Sorts the report's !poolused table, as a click on a column header would. */
  setReportSort(column: SortColumn, descending: boolean): void;
  /** Fires when a button of the report page (copy, export, run again) has done its work. */
  readonly onReportAction: vscode.Event<{ type: FromWebview['type']; error?: string }>;
}

export async function snapshotTree<T>(provider: vscode.TreeDataProvider<T>, depth: number, node?: T): Promise<TreeItemSnapshot[]> {
  const children = (await provider.getChildren(node)) ?? [];
  const out: TreeItemSnapshot[] = [];
  for (const child of children) {
    const item = await provider.getTreeItem(child);
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? (item.resourceUri ? item.resourceUri.path.slice(item.resourceUri.path.lastIndexOf('/') + 1) : '');
    const snap: TreeItemSnapshot = {
      label,
      description: typeof item.description === 'string' ? item.description : undefined,
      tooltip: typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value,
      contextValue: item.contextValue,
      command: item.command ? { command: item.command.command, arguments: item.command.arguments } : undefined,
    };
    if (depth > 0 && item.collapsibleState !== undefined && item.collapsibleState !== 0) snap.children = await snapshotTree(provider, depth - 1, child);
    out.push(snap);
  }
  return out;
}
