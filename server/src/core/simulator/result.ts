/**
 * The result of one simulation run: exactly the JSON object of cli.md (`simulate --json`).
 * The CLI prints it, the server sends it to the client, the text reports format it, and
 * `poolscope logs` parses real debugger output into the same `PoolUsedRow` / `OutstandingBlock`
 * shapes.
 */
import type { BlockKind } from '../apis';

export interface PoolCounters {
  /** Allocation operations. */
  allocs: number;
  /** Free operations. */
  frees: number;
  /** Outstanding blocks (allocs - frees). */
  diff: number;
  /** Outstanding bytes: the sum of the requested sizes of live blocks. */
  used: number;
}

export interface PoolUsedRow {
  /** 4-character display form, padded (`'Abc '`). */
  tag: string;
  nonPaged: PoolCounters;
  paged: PoolCounters;
  /** Owner description from pooltag.txt, when one was given. */
  owner?: string;
}

/** `PagedPool` or `NonPagedPool`, as WinDbg names the pools. */
export type PoolName = 'PagedPool' | 'NonPagedPool';

export interface StackFrame {
  /** `nt!ExAllocatePoolWithTag`, `Leaky!ReadDispatch`, `nt!IofCallDriver`. */
  frame: string;
  /** Script line, for driver frames. */
  line?: number;
  /** Script column of the call, for driver frames. */
  column?: number;
}

export interface SourceSite {
  line: number;
  column: number;
}

export interface OutstandingBlock {
  /** WinDbg form with the backtick: `ffffc000`00012340`. */
  address: string;
  tag: string;
  pool: PoolName;
  size: number;
  kind: BlockKind;
  site: SourceSite;
  /** Innermost first; driver frames carry the script line. */
  stack: StackFrame[];
  /** Process charged, for quota allocations. */
  process?: string;
  /** Scenario step number at which it was allocated. */
  step?: number;
}

export interface QuotaRow {
  process: string;
  nonPaged: number;
  paged: number;
}

export interface HitTagBreak {
  event: 'alloc' | 'free';
  tag: string;
  address: string;
  size: number;
  pool: PoolName;
  stack: StackFrame[];
  step?: number;
}

export interface TimelinePoint {
  step: number;
  label: string | null;
  paged: number;
  nonPaged: number;
  tags: Record<string, { paged: number; nonPaged: number }>;
}

export interface BugCheck {
  /** `0xC4` */
  code: string;
  name: string;
  /** Always four, each `0x…` with no backtick. */
  params: [string, string, string, string];
  description: string;
  step: number;
  stack: StackFrame[];
  /** The outstanding blocks (unload checks) or the offending site. */
  culprits: Array<OutstandingBlock | { site: SourceSite; stack: StackFrame[]; address?: string; tag?: string }>;
}

export interface LockedPagesEntry {
  mdl: string;
  pages: number;
  site: SourceSite;
}

export interface SimulationResult {
  driver: string;
  scenario: string;
  seed: number;
  /** Executed statements and scenario steps. */
  steps: number;
  allocations: number;
  frees: number;
  bugcheck: BugCheck | null;
  /** Present with --continue-on-bugcheck: every violation, in order. */
  bugchecks?: BugCheck[];
  /** With --continue-on-bugcheck: violations past the first 10,000, counted but not kept. */
  bugchecksDropped?: number;
  poolused: PoolUsedRow[];
  outstanding: OutstandingBlock[];
  quota: QuotaRow[];
  hits: HitTagBreak[];
  hitsDropped: number;
  timeline: TimelinePoint[];
  /** The PoolHitTag in force at the end of the run (display form), or null. */
  hitTag?: string | null;
}
