/**
 * The Pool Report webview's message protocol, shared by the extension (client/src/report) and
 * the page (client/webview/main.ts). Everything crossing the boundary is one of these shapes;
 * both sides switch on `type` exhaustively.
 */
import type { PoolUsedRow, SimulationResult } from '../../server/src/protocol';

/** One run as the report shows it. */
export interface ReportRun {
  /** URI of the script (driver frames open it). */
  uri: string;
  /** File name for titles and `[file @ line]` frames. */
  fileName: string;
  scenario: string;
  result: SimulationResult;
  durationMs: number;
}

/** A debugger capture imported with "Import Debugger Log…" (one file, or two diffed). */
export interface ImportedLog {
  title: string;
  format: string;
  rows: PoolUsedRow[];
  diff?: Array<{ tag: string; pagedBytes: number; nonPagedBytes: number; pagedAllocs: number; nonPagedAllocs: number }>;
}

export type PoolMode = 'paged' | 'nonPaged';
export type SortColumn = 'tag' | 'npAllocs' | 'npUsed' | 'pAllocs' | 'pUsed';

/** What the page keeps with `setState` (restored after hide and reload). */
export interface ReportViewState {
  content: { kind: 'run'; run: ReportRun } | { kind: 'import'; log: ImportedLog } | { kind: 'empty' };
  filter: string;
  sort: { column: SortColumn; descending: boolean };
}

/** What the page rendered: posted back after every render (tests and the harness read it). */
export interface RenderedReportState {
  kind: 'run' | 'import' | 'empty';
  scenario: string | null;
  /** Rows of the `!poolused` table currently shown (after the filter). */
  poolUsedRows: number;
  poolUsedTags: string[];
  bugcheckCode: string | null;
  /** The banner as shown (null without a bug check): name, Arg1–Arg4, what Arg1 means, kb frames, culprit rows. */
  bugcheck: { name: string; params: string[]; meaning: string | null; stack: string[]; culprits: number } | null;
  outstandingRows: number;
  quotaRows: number;
  /** Quota table cells, one `[process, NonPaged bytes, Paged bytes]` per row. */
  quota: string[][];
  hitStacks: number;
  diffRows: number;
  filter: string;
  sort: { column: SortColumn; descending: boolean };
  chartSeries: number;
  /** The tags plotted, highest peak first. */
  chartTags: string[];
  /** The labels of the page's buttons (Copy as WinDbg text, Export CSV, …). */
  actions: string[];
  theme: 'light' | 'dark' | 'high-contrast';
  /** Content-Security-Policy violations the page has seen since it loaded (should stay 0). */
  cspViolations: number;
}

export type ToWebview =
  | { type: 'showRun'; run: ReportRun }
  | { type: 'showImport'; log: ImportedLog }
  | { type: 'setFilter'; filter: string }
  | { type: 'setSort'; column: SortColumn; descending: boolean }
  | { type: 'requestRendered' };

export type FromWebview =
  /** The page loaded; `restored` is what it showed before a reload (the extension adopts it). */
  | { type: 'ready'; restored?: ReportViewState['content'] }
  | { type: 'rendered'; state: RenderedReportState }
  | { type: 'openLine'; uri: string; line: number; column?: number }
  | { type: 'copyWindbg' }
  | { type: 'export'; format: 'csv' | 'json' }
  | { type: 'runAgain' };
