/**
 * `!poolused [Flags [Pattern]]`: memory use per pool tag, paged and non-paged, as WinDbg's kdexts
 * prints it.
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-poolused
 * - Flags bit 0 (0x1) verbose, bit 1 (0x2) sort by non-paged use, bit 2 (0x4) sort by paged use;
 *   0x2 and 0x4 cannot be used together; default 0x0 sorts by tag. (Bit 3, session pool, has no
 *   counterpart in the model: there is one standard pool.)
 * - TagString: case-sensitive; `*` any number of characters, `?` exactly one; four characters
 *   unless an asterisk is used.
 * - Default columns: ` Tag    Allocs     Used    Allocs     Used` (NonPaged, then Paged), where
 *   Allocs is the number of outstanding allocations and Used their bytes; a TOTAL row closes the
 *   table; with pooltag.txt each row ends with the owner description.
 *
 * Column layout (printf): row ` %-4s %8d %8d  %8d %8d`; verbose ` %-4s` + eight ` %8d`.
 */
import { matchTagPattern, padTag, validateTagPattern } from '../poolTag';
import type { PoolUsedRow } from '../simulator/result';
import { padLeft } from './format';
import { lookupOwner, unknownOwnerText, type PoolTagDatabase } from './pooltag';

export const POOLUSED_VERBOSE = 0x1;
export const POOLUSED_SORT_NONPAGED = 0x2;
export const POOLUSED_SORT_PAGED = 0x4;
/** Bits the model understands; 0x8 (session pool) is refused rather than silently ignored. */
export const POOLUSED_KNOWN_FLAGS = POOLUSED_VERBOSE | POOLUSED_SORT_NONPAGED | POOLUSED_SORT_PAGED;

export const POOLUSED_SORT_LINES = {
  tag: '   Sorting by Tag',
  nonPaged: '   Sorting by NonPaged Pool Consumed',
  paged: '   Sorting by Paged Pool Consumed',
} as const;

export const POOLUSED_TITLE = '  Pool Used:';
export const POOLUSED_GROUP_HEADER = '            NonPaged            Paged';
export const POOLUSED_COLUMN_HEADER = ' Tag    Allocs     Used    Allocs     Used';
/** NonPaged centred over its four verbose columns (5..41), Paged over the next four (42..77). */
export const POOLUSED_VERBOSE_GROUP_HEADER = ' '.repeat(19) + 'NonPaged' + ' '.repeat(30) + 'Paged';
export const POOLUSED_VERBOSE_COLUMN_HEADER =
  ' Tag    Allocs    Frees     Diff     Used   Allocs    Frees     Diff     Used';

/** Why a flags value is refused, or undefined when WinDbg (and the model) accept it. */
export function validatePoolUsedFlags(flags: number): string | undefined {
  if (!Number.isInteger(flags) || flags < 0) return `flags must be a non-negative number, got ${flags}`;
  if (flags & 0x8) return 'flag 0x8 (session pool) is not modelled: the simulator has one standard pool';
  if (flags & ~POOLUSED_KNOWN_FLAGS) return `unknown flag bits 0x${(flags & ~POOLUSED_KNOWN_FLAGS).toString(16)} (use 0x1, 0x2, 0x4)`;
  if (flags & POOLUSED_SORT_NONPAGED && flags & POOLUSED_SORT_PAGED) return 'flags 0x2 and 0x4 cannot be used together';
  return undefined;
}

/** Plain code-unit order, as WinDbg sorts tags (`AGP ` before `AcdN`, upper case before lower). */
function compareTags(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders rows as `!poolused` does for the flags: 0x4 by paged bytes, 0x2 by non-paged bytes
 * (largest first, ties by tag), otherwise by tag. Returns a new array.
 */
export function sortPoolUsed(rows: readonly PoolUsedRow[], flags: number): PoolUsedRow[] {
  const out = rows.slice();
  if (flags & POOLUSED_SORT_PAGED) out.sort((a, b) => b.paged.used - a.paged.used || compareTags(a.tag, b.tag));
  else if (flags & POOLUSED_SORT_NONPAGED)
    out.sort((a, b) => b.nonPaged.used - a.nonPaged.used || compareTags(a.tag, b.tag));
  else out.sort((a, b) => compareTags(a.tag, b.tag));
  return out;
}

export function poolUsedSortLine(flags: number): string {
  if (flags & POOLUSED_SORT_PAGED) return POOLUSED_SORT_LINES.paged;
  if (flags & POOLUSED_SORT_NONPAGED) return POOLUSED_SORT_LINES.nonPaged;
  return POOLUSED_SORT_LINES.tag;
}

/** ` %8d` fields; the first field after `TOTAL` keeps one space even when the number fills it. */
function fields(values: number[], separators: string[]): string {
  return values.map((v, i) => separators[i] + padLeft(v, 8)).join('');
}

function totalFirstField(value: number): string {
  const text = padLeft(value, 8);
  return text.startsWith(' ') ? text : ' ' + text;
}

/**
 * The `!poolused` text for rows (every tag ever allocated), flags and an optional tag pattern.
 * With a pooltag database each row ends with its owner (or WinDbg's UNKNOWN line); without one,
 * a row's own `owner` (from a parsed log) is kept.
 */
export function formatPoolUsed(
  rows: readonly PoolUsedRow[],
  flags = 0,
  pattern?: string,
  pooltag?: PoolTagDatabase,
): string {
  const problem = validatePoolUsedFlags(flags);
  if (problem) throw new Error(`!poolused: ${problem}`);
  if (pattern !== undefined) {
    const bad = validateTagPattern(pattern);
    if (bad) throw new Error(`!poolused: ${bad}`);
  }
  const verbose = (flags & POOLUSED_VERBOSE) !== 0;
  const shown = sortPoolUsed(
    pattern === undefined ? rows : rows.filter((r) => matchTagPattern(r.tag, pattern)),
    flags,
  );
  const lines = [poolUsedSortLine(flags), '', POOLUSED_TITLE];
  lines.push(verbose ? POOLUSED_VERBOSE_GROUP_HEADER : POOLUSED_GROUP_HEADER);
  lines.push(verbose ? POOLUSED_VERBOSE_COLUMN_HEADER : POOLUSED_COLUMN_HEADER);

  const total = { npAllocs: 0, npFrees: 0, npDiff: 0, npUsed: 0, pAllocs: 0, pFrees: 0, pDiff: 0, pUsed: 0 };
  for (const row of shown) {
    const np = row.nonPaged;
    const p = row.paged;
    total.npAllocs += np.allocs;
    total.npFrees += np.frees;
    total.npDiff += np.diff;
    total.npUsed += np.used;
    total.pAllocs += p.allocs;
    total.pFrees += p.frees;
    total.pDiff += p.diff;
    total.pUsed += p.used;
    const owner = pooltag ? (lookupOwner(pooltag, row.tag) ?? unknownOwnerText(row.tag)) : (row.owner ?? '');
    const numbers = verbose
      ? fields([np.allocs, np.frees, np.diff, np.used, p.allocs, p.frees, p.diff, p.used], Array(8).fill(' '))
      : fields([np.diff, np.used, p.diff, p.used], [' ', ' ', '  ', ' ']);
    // WinDbg appends the owner straight after the last column (Learn's example: `0PS/2 kb and mouse`).
    // When the last number fills its column and the owner begins with a digit, that would read
    // as one number, so a space keeps them apart.
    const lastNumber = String(p.used);
    const sep = owner && lastNumber.length >= 8 && /^\d/.test(owner) ? ' ' : '';
    lines.push(` ${padTag(row.tag)}${numbers}${sep}${owner}`);
  }
  if (verbose) {
    lines.push(
      ' TOTAL' +
        totalFirstField(total.npAllocs) +
        fields([total.npFrees, total.npDiff, total.npUsed, total.pAllocs, total.pFrees, total.pDiff, total.pUsed], Array(7).fill(' ')),
    );
  } else {
    lines.push(' TOTAL' + totalFirstField(total.npDiff) + fields([total.npUsed, total.pDiff, total.pUsed], [' ', '  ', ' ']));
  }
  return lines.join('\n') + '\n';
}
