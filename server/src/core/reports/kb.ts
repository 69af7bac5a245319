/**
 * Stacks printed the way `kb` / `k` print them on an x64 kernel target:
 *   ` # Child-SP          RetAddr           Call Site`
 *   `00 ffffd000`10000f38 fffff800`20000a10 nt!ExAllocatePoolWithTag`
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/k--kb--kc--kd--kp--kp--kv--display-stack-backtrace-
 * ("a stack trace is displayed in a tabular format… If line loading is enabled, source modules
 * and line numbers are also displayed" — here `[leaky.drvm @ 9]`).
 *
 * The model has no real stack memory, so Child-SP and RetAddr are synthetic but deterministic:
 * Child-SP grows by 0x40 per frame from a fixed base (the innermost frame 8 bytes below the next,
 * where the return address sits), RetAddr lies in a pretend image at fffff800`20000000 with one
 * page per depth and an offset derived from the calling frame (see syntheticRetAddr). Same stack
 * → same numbers, so two runs diff cleanly.
 */
import type { StackFrame } from '../simulator/result';
import { kbCallSite, pointer64 } from './format';

export const KB_HEADER = ' # Child-SP          RetAddr           Call Site';

const CHILD_SP_BASE = 0xffffd00010000f40n;
const RET_ADDR_BASE = 0xfffff80020000000n;

/** FNV-1a, 32-bit: a stable spread of frame names over the low address bits. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function syntheticChildSp(index: number): string {
  return pointer64(index === 0 ? CHILD_SP_BASE - 8n : CHILD_SP_BASE + BigInt(index - 1) * 0x40n);
}

/**
 * Where a call returns inside a few kernel routines. The two values are those of simulator.md's
 * example stack, so that stack prints exactly as documented; other routines get a stable hash.
 */
const RETURN_OFFSETS: Readonly<Record<string, number>> = {
  'nt!IofCallDriver': 0xc2c,
  'nt!NtReadFile': 0xe40,
};

/**
 * The return address of frame `index`: an address inside its caller. Driver callers return just
 * past their script line (0xa00 + the line rounded up to 16), the thread start (no caller) at
 * 0xa00, known kernel routines at their offset above, anything else at a hash of its name.
 */
export function syntheticRetAddr(index: number, caller: StackFrame | undefined): string {
  let offset: number;
  if (!caller) offset = 0xa00;
  else if (typeof caller.line === 'number') offset = 0xa00 + ((caller.line + 15) & ~15);
  else offset = RETURN_OFFSETS[caller.frame] ?? fnv1a(caller.frame) & 0xffc;
  return pointer64(RET_ADDR_BASE + BigInt(index) * 0x1000n + BigInt(offset & 0xfff));
}

/** One kb row: frame number (2 hex digits), Child-SP, RetAddr, call site. */
export function formatKbRow(stack: readonly StackFrame[], index: number, file: string): string {
  const number = index.toString(16).padStart(2, '0');
  return `${number} ${syntheticChildSp(index)} ${syntheticRetAddr(index, stack[index + 1])} ${kbCallSite(stack[index], file)}`;
}

/** The header and one row per frame, innermost first. */
export function formatKbStack(stack: readonly StackFrame[], file: string): string[] {
  return [KB_HEADER, ...stack.map((_, i) => formatKbRow(stack, i, file))];
}
