/**
 * Small text helpers shared by the WinDbg-style reports: printf-like padding, the debugger's
 * hexadecimal forms and the `module!function+0xoffset` frame text.
 */
import type { StackFrame } from '../simulator/result';

/** `%*d`: right-aligns in `width`; like printf, a longer value is printed whole (never cut). */
export function padLeft(value: string | number, width: number): string {
  return String(value).padStart(width, ' ');
}

/** `%-*s` */
export function padRight(value: string, width: number): string {
  return value.padEnd(width, ' ');
}

/** `0x%08x` as !verifier prints counts and byte totals. */
export function hex8(value: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(8, '0');
}

/** Lower-case hex digits without prefix (`1000` for 4096), as !poolfind prints sizes. */
export function hexDigits(value: number): string {
  return Math.max(0, Math.trunc(value)).toString(16);
}

/**
 * A 64-bit value the way WinDbg prints pointers on x64: two groups of eight hex digits joined by a
 * backtick (`ffffd000`10000f38`).
 */
export function pointer64(value: bigint): string {
  const digits = (value & 0xffffffffffffffffn).toString(16).padStart(16, '0');
  return `${digits.slice(0, 8)}\`${digits.slice(8)}`;
}

/**
 * A bug-check parameter (`0x62`, `0xffffc00000012340`, `0xffffc000`00012340`) as `!analyze -v`
 * prints it on x64: sixteen hex digits, no prefix, no backtick (`0000000000000062`).
 */
export function argument64(param: string): string {
  const digits = param.trim().replace(/^0x/i, '').replace(/`/g, '');
  if (!/^[0-9a-fA-F]+$/.test(digits)) return param;
  return digits.toLowerCase().padStart(16, '0');
}

/** The script's base name, for frame suffixes: `C:\x\leaky.drvm` and `x/leaky.drvm` → `leaky.drvm`. */
export function scriptBaseName(file: string | undefined): string {
  if (!file) return 'script.drvm';
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || 'script.drvm';
}

/** Driver frames are the ones that carry a script line (cli.md: "driver frames carry the script `line`"). */
export function isDriverFrame(frame: StackFrame): boolean {
  return typeof frame.line === 'number';
}

/** The innermost driver frame of a stack (stacks are innermost first), or undefined. */
export function innermostDriverFrame(stack: readonly StackFrame[]): StackFrame | undefined {
  return stack.find(isDriverFrame);
}

/**
 * `Leaky!ReadDispatch+0x9`: the displacement of a driver frame is its script line in hex, so a
 * reader maps a return address back to the script the way they would map it back to source.
 */
export function frameSymbol(frame: StackFrame): string {
  return isDriverFrame(frame) ? `${frame.frame}+0x${(frame.line as number).toString(16)}` : frame.frame;
}

/** `kb` call-site text: `Leaky!ReadDispatch+0x9 [leaky.drvm @ 9]` for driver frames, the name otherwise. */
export function kbCallSite(frame: StackFrame, file: string): string {
  return isDriverFrame(frame) ? `${frameSymbol(frame)} [${file} @ ${frame.line}]` : frame.frame;
}

/** `!verifier` caller text: `Leaky!ReadDispatch+0x9 (leaky.drvm:9)`. */
export function verifierCaller(frame: StackFrame | undefined, file: string): string {
  if (!frame) return '<unknown>';
  return isDriverFrame(frame) ? `${frameSymbol(frame)} (${file}:${frame.line})` : frame.frame;
}

/** Thousands separators for prose lines (`10,000`), never inside WinDbg tables. */
export function withCommas(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
