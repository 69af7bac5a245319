/**
 * What `poolscope logs` reads back from real debugger and tool output, in the same shapes as
 * `simulate --json` (cli.md): `!poolused` and PoolMon rows are `PoolUsedRow`s, `!poolfind` lines
 * are blocks with address / tag / pool / size, `kb` lines are `StackFrame`s.
 */
import type { PoolName, PoolUsedRow, StackFrame } from '../simulator/result';

export type LogFormat = 'poolused' | 'poolused-verbose' | 'poolmon' | 'poolfind' | 'kb';

/** One `!poolfind` line. */
export interface PoolFindBlock {
  /** As printed; 64-bit addresses in WinDbg's backtick form (`ffffc000`00012340`). */
  address: string;
  tag: string;
  pool: PoolName;
  /** Bytes (the real extension's size includes the pool header; the simulator's is the request). */
  size: number;
  /** `(Allocated)` or `(Free)`; the newer one-line format lists allocated blocks only. */
  status: 'Allocated' | 'Free';
}

/** One `kb` line: a `StackFrame` plus what the debugger printed around it. */
export interface ParsedFrame extends StackFrame {
  /** Frame number (`00`, `01`, … in hex) when the line has one. */
  number?: number;
  childSp?: string;
  retAddr?: string;
  /** Displacement after the symbol (`0x1b` of `nt!KeBugCheckEx+0x1b`). */
  offset?: string;
  /** Source file of `[file @ line]`. */
  file?: string;
}

export interface ParsedLog {
  format: LogFormat;
  /** `!poolused` (either layout) and PoolMon. */
  rows?: PoolUsedRow[];
  /** `!poolused` only: the order its "Sorting by" line announced. */
  sort?: 'tag' | 'paged' | 'nonPaged';
  /** `!poolfind`. */
  blocks?: PoolFindBlock[];
  /** `!poolfind`: the tag searched for, from its "Searching … for Tag:" line. */
  tag?: string;
  /** `kb`: the first (or only) stack. */
  frames?: ParsedFrame[];
  /** `kb`: every stack when the text holds several (a PoolHitTag session, one per break). */
  stacks?: ParsedFrame[][];
}

/** Text that is none of the accepted formats; `line` is 1-based. */
export class LogParseError extends Error {
  constructor(
    readonly line: number,
    readonly lineText: string,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}${lineText.trim() ? `: '${lineText.trim().slice(0, 80)}'` : ''}`);
    this.name = 'LogParseError';
  }
}
