/**
 * WinDbg-style formatting shared by the tree views and the Pool Report page (pure: no DOM,
 * no vscode).
 */
import type { PoolUsedRow, StackFrame } from '../../server/src/protocol';
import type { PoolMode } from './reportProtocol';

/** `Leaky!ReadDispatch+0xd [leaky.drvm @ 13]` for driver frames, the frame name otherwise. */
export function formatFrame(frame: StackFrame, fileName: string): string {
  if (frame.line === undefined) return frame.frame;
  return `${frame.frame}+0x${frame.line.toString(16)} [${fileName} @ ${frame.line}]`;
}

/** A driver frame: one the script can open (it carries a line). */
export function isDriverFrame(frame: StackFrame): boolean {
  return frame.line !== undefined;
}

/** `1,234,567` */
export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

/** `0x1000` */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The routine name of the innermost driver frame (`ReadDispatch`). */
export function routineOf(stack: StackFrame[]): string | undefined {
  const f = stack.find(isDriverFrame);
  return f ? f.frame.slice(f.frame.indexOf('!') + 1) : undefined;
}

/**
 * Rows in `!poolused` order for one pool: by bytes used in that pool, largest first (flag 0x4
 * for paged, 0x2 for non-paged), ties by tag; only tags that pool ever saw.
 */
export function poolUsedOrder(rows: PoolUsedRow[], mode: PoolMode): PoolUsedRow[] {
  return rows
    .filter((r) => r[mode].allocs > 0 || r[mode].used > 0 || r[mode].diff > 0)
    .sort((a, b) => b[mode].used - a[mode].used || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}
