/**
 * Line-level helpers shared by the log parsers: splitting, and recognising the debugger's own
 * chatter (prompts, progress dots, symbol warnings, cache statistics) that surrounds a table in a
 * pasted session and carries no data.
 */

export interface LogLine {
  /** 1-based. */
  number: number;
  text: string;
}

export function splitLines(text: string): LogLine[] {
  // A BOM and CR of CRLF files are not part of any line.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split('\n').map((t, i) => ({ number: i + 1, text: t.replace(/\r$/, '') }));
}

export function isBlank(text: string): boolean {
  return text.trim() === '';
}

const CHATTER: RegExp[] = [
  /^\s*\/\//, // a note someone added to a saved log (`// captured after 2 h of reads`)
  /^\s*(\d+:\s*)?kd>/, // kernel debugger prompt, with or without a command
  /^\s*\d+:\d+(:[0-9a-z]+)?>/i, // user-mode prompt 0:000>
  /^\s*\*{2,}/, // *** WARNING: Unable to verify …, ** Prototype PTEs are implicitly decoded
  /^\s*\.+\s*$/, // progress dots
  /^\s*Using a machine size of /,
  /^\s*Max cache size is\s*:/, // the .cache statistics some extensions print first
  /^\s*Total memory in cache\s*:/,
  /^\s*Number of regions cached:/,
  /^\s*\d+ full reads broken into /,
  /^\s*counts:\s/,
  /^\s*bytes\s*:\s/,
  /^\s*Loading /,
  /^\s*Unable to /,
  /^\s*WARNING:/,
  /^\s*Breakpoint \d+ hit\s*$/,
];

/** Debugger output around a table that carries no data and may be skipped anywhere. */
export function isChatter(text: string): boolean {
  return CHATTER.some((re) => re.test(text));
}

export function isSkippable(text: string): boolean {
  return isBlank(text) || isChatter(text);
}

/** 64-bit addresses get WinDbg's backtick (`ffffc00000012340` → `ffffc000`00012340`); others stay. */
export function normaliseAddress(text: string): string {
  const digits = text.replace(/`/g, '');
  if (/^[0-9a-fA-F]{16}$/.test(digits)) return `${digits.slice(0, 8)}\`${digits.slice(8)}`.toLowerCase();
  return text.toLowerCase();
}
