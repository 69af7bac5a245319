/**
 * PoolMon's display of the same counters: one line per tag and pool type with Allocs, Frees,
 * Diff, Bytes and Per Alloc (Bytes / Diff). Used by `poolscope logs` to reprint a PoolMon
 * snapshot in its own layout.
 *
 * Sources (Microsoft Learn):
 * - PoolMon Display: https://learn.microsoft.com/windows-hardware/drivers/devtest/poolmon-display
 * - PoolMon Examples: https://learn.microsoft.com/windows-hardware/drivers/devtest/poolmon-examples
 * Columns as in Learn's sample: ` %-4s %-5s%10d (%4d)%10d (%4d)%9d%8d (%6d)%7d`. The `( )` columns
 * are the change since PoolMon's previous refresh; a single snapshot has none, so they print 0.
 */
import { padTag } from '../poolTag';
import type { PoolCounters, PoolUsedRow } from '../simulator/result';
import { padLeft } from './format';

export const POOLMON_COLUMN_HEADER = ' Tag  Type     Allocs            Frees            Diff   Bytes       Per Alloc';

/** `%*d` that always keeps one blank before the number, so a wide value never joins its neighbour. */
function field(value: number, width: number): string {
  const text = padLeft(value, width);
  return text.startsWith(' ') ? text : ' ' + text;
}

function line(tag: string, type: 'Nonp' | 'Paged', c: PoolCounters, owner: string | undefined): string {
  const perAlloc = c.diff > 0 ? Math.floor(c.used / c.diff) : 0;
  const text =
    ` ${padTag(tag)} ${type.padEnd(5)}${field(c.allocs, 10)} (${padLeft(0, 4)})${field(c.frees, 10)} (${padLeft(0, 4)})` +
    `${field(c.diff, 9)}${field(c.used, 8)} (${padLeft(0, 6)})${field(perAlloc, 7)}`;
  return owner ? `${text} ${owner}` : text;
}

const active = (c: PoolCounters) => c.allocs > 0 || c.frees > 0 || c.diff !== 0 || c.used !== 0;

/** The table in tag order, non-paged line before paged; a pool a tag never used has no line. */
export function formatPoolMon(rows: readonly PoolUsedRow[]): string {
  const lines = [POOLMON_COLUMN_HEADER, ''];
  const sorted = [...rows].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  for (const r of sorted) {
    if (active(r.nonPaged)) lines.push(line(r.tag, 'Nonp', r.nonPaged, r.owner));
    if (active(r.paged)) lines.push(line(r.tag, 'Paged', r.paged, r.owner));
  }
  return lines.join('\n') + '\n';
}
