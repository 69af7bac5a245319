/**
 * Reads `!poolused` output back into `PoolUsedRow`s: the default layout
 * (` Tag    Allocs     Used    Allocs     Used`) and the verbose one (flag 0x1, Allocs / Frees /
 * Diff / Used per pool), with or without the owner text from pooltag.txt at the end of each row.
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-poolused
 * The Learn example appends the owner straight after the last number (`0PS/2 kb and mouse`);
 * newer debuggers print a tab first and use wider columns. Both are read by column position: each
 * number is right-aligned under its header word, so the header says where a column ends.
 */
import { padTag } from '../poolTag';
import type { PoolCounters, PoolUsedRow } from '../simulator/result';
import { isBlank, isChatter, type LogLine } from './lines';
import { LogParseError, type ParsedLog } from './types';

export const POOLUSED_HEADER = /^\s*Tag\s+Allocs\s+Used\s+Allocs\s+Used\s*$/;
export const POOLUSED_VERBOSE_HEADER = /^\s*Tag\s+Allocs\s+Frees\s+Diff\s+Used\s+Allocs\s+Frees\s+Diff\s+Used\s*$/;
export const POOLUSED_SORTING = /^\s*Sorting by\s+(.*?)\s*$/;
const POOL_USED_TITLE = /^\s*Pool Used:\s*$/;
const GROUP_HEADER = /^\s*NonPaged\s+Paged\s*$/;
const TOTAL_ROW = /^\s*TOTAL(\s+\d+)+\s*$/;

/** A line only `!poolused` prints: a paste may start at any of them. */
export function isPoolUsedAnchor(text: string): boolean {
  return (
    POOLUSED_HEADER.test(text) ||
    POOLUSED_VERBOSE_HEADER.test(text) ||
    POOLUSED_SORTING.test(text) ||
    POOL_USED_TITLE.test(text) ||
    GROUP_HEADER.test(text)
  );
}

function sortOf(words: string): ParsedLog['sort'] {
  const w = words.toLowerCase();
  if (w.startsWith('nonpaged')) return 'nonPaged';
  if (w.startsWith('paged')) return 'paged';
  if (w.startsWith('tag')) return 'tag';
  return undefined;
}

/** Index just past each column title after `Tag` in the header line. */
function columnEnds(header: string): number[] {
  const ends: number[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  let first = true;
  while ((m = re.exec(header))) {
    if (first) {
      first = false; // "Tag"
      continue;
    }
    ends.push(m.index + m[0].length);
  }
  return ends;
}

/**
 * Splits a row after its tag into its numbers and the owner text. The last number ends under its
 * header word (shifted right if an earlier number overflowed its column); whatever follows is the
 * owner, even when WinDbg printed it with no space (`01394 OHCI host controller driver`).
 */
function splitRow(line: string, from: number, ends: number[]): { numbers: number[]; owner?: string } | undefined {
  const tab = line.indexOf('\t', from);
  const body = tab >= 0 ? line.slice(0, tab) : line;
  const numbers: number[] = [];
  let pos = from;
  let shift = 0;
  for (let k = 0; k < ends.length; k++) {
    const m = /^\s*(\d+)/.exec(body.slice(pos));
    if (!m) return undefined;
    const start = pos + m[0].length - m[1].length;
    let end = pos + m[0].length;
    if (k === ends.length - 1 && tab < 0) {
      const limit = ends[k] + shift;
      // Digits past the column are the start of the owner text (`        01394 OHCI …`) — unless
      // the number had no padding at all (one separator after the previous number): then it is a
      // number wider than its column, printed whole as printf does.
      const padded = start - pos > 1;
      if (end > limit && limit > start && padded) end = limit;
    }
    numbers.push(Number(body.slice(start, end)));
    shift = Math.max(shift, end - ends[k]);
    pos = end;
  }
  // Owner text never starts with blanks; its trailing space (`TDI AcdObjectInfoG `) is WinDbg's own.
  const tail = (tab >= 0 ? line.slice(tab + 1) : body.slice(pos)).replace(/^\s+/, '');
  return tail.length > 0 ? { numbers, owner: tail } : { numbers };
}

function counters(allocs: number, frees: number, diff: number, used: number): PoolCounters {
  return { allocs, frees, diff, used };
}

/**
 * Parses from `start` (the first line that is not chatter) to the end. Every line must be part
 * of the table, blank, or debugger chatter; anything else is a LogParseError naming it.
 */
export function parsePoolUsed(lines: readonly LogLine[], start: number): ParsedLog {
  let sort: ParsedLog['sort'];
  let verbose: boolean | undefined;
  let ends: number[] = [];
  /** The TOTAL row: its line and numbers. */
  let total: { line: LogLine; numbers: number[] } | undefined;
  const rows: PoolUsedRow[] = [];
  for (let i = start; i < lines.length; i++) {
    const { number, text } = lines[i];
    if (isBlank(text) || isChatter(text)) continue;
    if (verbose === undefined) {
      const sorting = POOLUSED_SORTING.exec(text);
      if (sorting) {
        sort = sortOf(sorting[1]);
        if (!sort) throw new LogParseError(number, text, 'unknown !poolused sort order');
        continue;
      }
      if (POOL_USED_TITLE.test(text) || GROUP_HEADER.test(text)) continue;
      if (POOLUSED_HEADER.test(text) || POOLUSED_VERBOSE_HEADER.test(text)) {
        verbose = POOLUSED_VERBOSE_HEADER.test(text);
        ends = columnEnds(text);
        continue;
      }
      throw new LogParseError(number, text, 'expected the !poolused column header (Tag Allocs … Used)');
    }
    if (total) throw new LogParseError(number, text, 'unexpected text after the !poolused TOTAL row');
    if (TOTAL_ROW.test(text)) {
      total = { line: lines[i], numbers: text.trim().split(/\s+/).slice(1).map(Number) };
      continue;
    }
    // The tag sits in columns 1-4 after one space (0-3 when the line was pasted without it).
    const tagStart = text.startsWith(' ') ? 1 : 0;
    const tag = text.slice(tagStart, tagStart + 4);
    const split = tag.trim() === '' ? undefined : splitRow(text, tagStart + 4, ends);
    if (!split) {
      throw new LogParseError(
        number,
        text,
        `expected a !poolused row: a tag and ${ends.length} numbers${verbose ? ' (verbose layout)' : ''}`,
      );
    }
    const n = split.numbers;
    if (verbose) {
      // The verbose layout prints Diff = Allocs - Frees for each pool; a row where that does not
      // hold was damaged (an edited or spliced capture), like an impossible PoolMon row.
      for (const [pool, k] of [['NonPaged', 0], ['Paged', 4]] as const) {
        if (n[k] - n[k + 1] !== n[k + 2]) {
          const reason = `impossible !poolused row: ${pool} Allocs ${n[k]} - Frees ${n[k + 1]} = ${n[k] - n[k + 1]}, but Diff is ${n[k + 2]}`;
          throw new LogParseError(number, text, reason);
        }
      }
    }
    const row: PoolUsedRow = verbose
      ? { tag: padTag(tag), nonPaged: counters(n[0], n[1], n[2], n[3]), paged: counters(n[4], n[5], n[6], n[7]) }
      : // The default layout shows only outstanding blocks and bytes: allocs is set to the
        // outstanding count and frees to 0, so diff and used are exact and nothing is invented.
        { tag: padTag(tag), nonPaged: counters(n[0], 0, n[0], n[1]), paged: counters(n[2], 0, n[2], n[3]) };
    if (split.owner !== undefined) row.owner = split.owner;
    rows.push(row);
  }
  const last = lines[lines.length - 1] ?? { number: 1, text: '' };
  if (verbose === undefined) throw new LogParseError(last.number, last.text, '!poolused output without its column header');
  if (rows.length === 0) {
    // A table whose TOTAL row is all zeros is complete and empty: PoolScope prints it for a run
    // with no allocation, WinDbg for a pattern that matches no tag (`!poolused 4 Zzz*`). Without
    // the TOTAL row the paste was cut; a non-zero TOTAL over no rows is not a table either.
    if (!total) throw new LogParseError(last.number, last.text, '!poolused table has no rows');
    if (total.numbers.some((v) => v !== 0)) {
      throw new LogParseError(total.line.number, total.line.text, '!poolused TOTAL row is not zero but the table has no rows');
    }
  }
  const log: ParsedLog = { format: verbose ? 'poolused-verbose' : 'poolused', rows };
  if (sort) log.sort = sort;
  return log;
}
