/**
 * Reads PoolMon snapshots (poolmon.exe, WDK Tools\Other) into `PoolUsedRow`s. A row is
 *   ` Wait Nonp    3971107 (   0)   3971077 (   0)       30    8456 (     0)    281`
 * Tag, Type (`Nonp` / `Paged`), Allocs (change), Frees (change), Diff, Bytes (change), Per Alloc,
 * and with /g or /c a Mapped_Driver column (`[ntfs.sys  -  AttrSup.c]`, `Unknown Driver`).
 * Allocs and Frees count operations since boot, Diff is outstanding blocks, Bytes the bytes they
 * use — the same four counters as `simulate --json`'s `poolused`.
 *
 * Sources (Microsoft Learn):
 * - PoolMon Display: https://learn.microsoft.com/windows-hardware/drivers/devtest/poolmon-display
 * - PoolMon Examples: https://learn.microsoft.com/windows-hardware/drivers/devtest/poolmon-examples
 * A file may hold several refreshes pasted one after another: a later line for the same tag and
 * type replaces the earlier one, so the result is the last snapshot.
 */
import { padTag } from '../poolTag';
import type { PoolUsedRow } from '../simulator/result';
import { isBlank, isChatter, type LogLine } from './lines';
import { LogParseError, type ParsedLog } from './types';

export const POOLMON_HEADER = /^\s*Tag\s+Type\s+Allocs\s+Frees\s+Diff\s+Bytes\s+Per\s+Alloc\b/;
const POOLMON_PREAMBLE = [/^\s*Memory:/, /^\s*Commit:/, /pool information\s*$/i, /^\s*Totals?\b/i];
const CHANGE = String.raw`\(\s*-?\d+\s*\)`;
const POOLMON_ROW = new RegExp(
  String.raw`^ ?(.{4}) (Nonp|Paged)\s+(\d+)\s*${CHANGE}\s+(\d+)\s*${CHANGE}\s+(-?\d+)\s+(\d+)\s*${CHANGE}\s+(\d+)(?:\s+(.*?))?\s*$`,
);

export function isPoolMonAnchor(text: string): boolean {
  return POOLMON_HEADER.test(text) || /^\s*Memory:.*Avail:/.test(text) || /^\s*(System|All sessions) pool information\s*$/.test(text);
}

export function parsePoolMon(lines: readonly LogLine[], start: number): ParsedLog {
  const rows = new Map<string, PoolUsedRow>();
  let sawHeader = false;
  for (let i = start; i < lines.length; i++) {
    const { number, text } = lines[i];
    if (isBlank(text) || isChatter(text)) continue;
    if (POOLMON_HEADER.test(text)) {
      sawHeader = true;
      continue;
    }
    if (POOLMON_PREAMBLE.some((re) => re.test(text))) continue;
    const m = POOLMON_ROW.exec(text);
    if (!m || !sawHeader) {
      throw new LogParseError(
        number,
        text,
        sawHeader
          ? 'expected a PoolMon row: Tag Type Allocs (n) Frees (n) Diff Bytes (n) Per Alloc'
          : 'expected the PoolMon column header (Tag Type Allocs Frees Diff Bytes Per Alloc)',
      );
    }
    const [allocs, frees, diff, used] = [Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
    // PoolMon prints Diff = Allocs − Frees, the blocks still outstanding: a row where that does
    // not hold, or where more blocks were freed than allocated, was damaged (an edited or spliced
    // capture) and would read back as negative or invented counts.
    if (diff < 0 || allocs - frees !== diff) {
      throw new LogParseError(
        number,
        text,
        `impossible PoolMon row: Allocs ${allocs} - Frees ${frees} = ${allocs - frees}, but Diff is ${diff}` +
          (diff < 0 ? ' (outstanding blocks cannot be negative)' : ''),
      );
    }
    const tag = padTag(m[1]);
    let row = rows.get(tag);
    if (!row) {
      row = { tag, nonPaged: { allocs: 0, frees: 0, diff: 0, used: 0 }, paged: { allocs: 0, frees: 0, diff: 0, used: 0 } };
      rows.set(tag, row);
    }
    const counters = { allocs, frees, diff, used };
    if (m[2] === 'Nonp') row.nonPaged = counters;
    else row.paged = counters;
    if (m[8]) row.owner = m[8];
  }
  const last = lines[lines.length - 1] ?? { number: 1, text: '' };
  if (!sawHeader) throw new LogParseError(last.number, last.text, 'PoolMon output without its column header');
  if (rows.size === 0) throw new LogParseError(last.number, last.text, 'PoolMon table has no rows');
  return { format: 'poolmon', rows: [...rows.values()] };
}
