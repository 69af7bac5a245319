/**
 * The PoolScope-specific LSP messages, typed once and shared by the server and the VS Code
 * client (and usable by any other client). Only `vscode-languageserver-protocol` types here:
 * no `vscode`, no server internals.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { OutstandingBlock, PoolUsedRow, SimulationResult, StackFrame } from './core/simulator/result';

/**
 * The result types a client reads (simulator.md, "JSON output"): the client imports them from
 * here, never from the core, so this file is the whole contract between the two.
 */
export type {
  BugCheck,
  HitTagBreak,
  OutstandingBlock,
  PoolName,
  PoolUsedRow,
  QuotaRow,
  SimulationResult,
  SourceSite,
  StackFrame,
  TimelinePoint,
} from './core/simulator/result';

export interface RunScenarioParams {
  /** Document URI of the `.drvm` script (the open version is used). */
  uri: string;
  /** Scenario name; default: the first scenario. */
  scenario?: string;
  seed?: number;
  maxSteps?: number;
  /** Percent, 0–100. */
  lowResources?: number;
  continueOnBugcheck?: boolean;
  /** PoolHitTag for this run; default: the one set with `poolscope/setHitTag`. */
  hitTag?: string | null;
  /** LSP work-done progress token (`$/progress` notifications while it runs). */
  workDoneToken?: string | number;
}

export interface RunScenarioResult {
  /** The run's result, or null when it could not run. */
  result: SimulationResult | null;
  /** Why it could not run: structural errors, step budget, recursion, cancellation. */
  error?: { message: string; line?: number; column?: number };
  /** The WinDbg-style text of the default reports (bug check + `!poolused 4`). */
  text?: string;
  durationMs: number;
}

export const RunScenarioRequest = new RequestType<RunScenarioParams, RunScenarioResult, void>('poolscope/runScenario');

export interface HitTagState {
  /** Display form (`'Abc '` without quotes, padded), or null when cleared. */
  tag: string | null;
  /** `ed nt!poolhittag 0x20636241` */
  edCommand: string | null;
  /** Little-endian ULONG as hex. */
  ulong: string | null;
}

export interface SetHitTagParams {
  /** `Abc`, `'Abc '`, `Tron`; null clears. */
  tag: string | null;
}

export const SetHitTagRequest = new RequestType<SetHitTagParams, HitTagState, void>('poolscope/setHitTag');
export const GetHitTagRequest = new RequestType<void, HitTagState, void>('poolscope/getHitTag');

/** Sent by the server whenever the PoolHitTag changes (set, clear, or a scenario's `hittag` step). */
export const HitTagChangedNotification = new NotificationType<HitTagState>('poolscope/hitTagChanged');

export interface PoolFindParams {
  tag: string;
  /** Searches the last run of this document (default: the last run of any document). */
  uri?: string;
}

export interface PoolFindResult {
  blocks: OutstandingBlock[];
  /** `!poolfind` text. */
  text: string;
}

export const PoolFindRequest = new RequestType<PoolFindParams, PoolFindResult, void>('poolscope/poolFind');

export interface ScenarioInfo {
  uri: string;
  name: string;
  /** 0-based line of the `scenario` keyword. */
  line: number;
}

export const ListScenariosRequest = new RequestType<{ uri: string }, ScenarioInfo[], void>('poolscope/listScenarios');

export interface RenderReportParams {
  result: SimulationResult;
  /** The script the result came from: its `poolscope.pooltagFile` setting adds owners to `!poolused`. */
  uri?: string;
  /** Report specs as the CLI's `--report` takes them: `poolused:4`, `verifier`, `hits`, `all`. */
  reports: string[];
}

export const RenderReportRequest = new RequestType<RenderReportParams, { text: string }, void>('poolscope/renderReport');

export interface ImportLogParams {
  /** Text of a `!poolused` / PoolMon / `!poolfind` / `kb` capture. */
  text: string;
  /** A second capture: the result is the per-tag difference (after − before). */
  after?: string;
}

export interface ImportLogResult {
  /** `poolused`, `poolused-verbose`, `poolmon`, `poolfind`, `kb`; `unknown` when it could not be read. */
  format: string;
  /** Per-tag rows (for `!poolfind`, the found blocks counted per tag). */
  rows: PoolUsedRow[];
  /** `!poolfind`: the blocks as listed. */
  blocks?: Array<{ address: string; tag: string; pool: 'PagedPool' | 'NonPagedPool'; size: number; status: 'Allocated' | 'Free' }>;
  /** `kb`: every stack of the capture, innermost frame first. */
  stacks?: StackFrame[][];
  /** Per-tag growth when two logs were given, largest first. */
  diff?: Array<{ tag: string; pagedBytes: number; nonPagedBytes: number; pagedAllocs: number; nonPagedAllocs: number }>;
  error?: { message: string; line?: number };
}

export const ImportLogRequest = new RequestType<ImportLogParams, ImportLogResult, void>('poolscope/importLog');

// ---------------------------------------------------------------- server → client, diagnostics

export interface ValidatedParams {
  uri: string;
  /** Document version the diagnostics were published for. */
  version: number;
  /** Time spent analysing (parse, check, every rule), in milliseconds. */
  durationMs: number;
  /** Number of diagnostics published. */
  diagnostics: number;
}

/**
 * Sent right after each `textDocument/publishDiagnostics`: the timing of that validation
 * (the vscode-eslint pattern), for the output channel and the latency benchmark.
 */
export const ValidatedNotification = new NotificationType<ValidatedParams>('poolscope/validated');

// ---------------------------------------------------------------- diagnostics of the server itself

export interface ServerStatus {
  /** Simulations running now, one worker thread each. */
  runningSimulations: Array<{ uri: string; scenario: string | null; threadId: number }>;
  openDocuments: number;
  /** Analyses cancelled by terminating the analysis worker (a newer edit made them stale). */
  analysisRestarts: number;
  /** Whether the analysis worker thread exists now (it is stopped when idle after a large file). */
  analysisWorkerAlive: boolean;
  /** How many analysis worker threads exist now (0–pool size). */
  analysisWorkers: number;
  /** A document version being analysed now, if any (the first of `analyses`). */
  analysing: { uri: string; version: number } | null;
  /** Every analysis running now (the analysis workers form a small pool). */
  analyses: Array<{ uri: string; version: number }>;
  /** Resident set size of the server process (all threads). */
  rssBytes: number;
  /** JavaScript heap in use on the main thread. */
  heapUsedBytes: number;
}

export const ServerStatusRequest = new RequestType<void, ServerStatus, void>('poolscope/serverStatus');
