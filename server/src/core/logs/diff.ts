/**
 * `diffLogs`: what changed per tag between two snapshots — the PoolMon leak procedure ("examine
 * the Diff and Bytes values for each tag, and note any that continually increase") done by the
 * machine. Largest byte growth first.
 *
 * Source (Microsoft Learn, "Example 3: Detect Memory Leakage" and "Example 4"):
 * https://learn.microsoft.com/windows-hardware/drivers/devtest/poolmon-examples
 */
import { padTag } from '../poolTag';
import type { PoolName, PoolUsedRow } from '../simulator/result';
import type { ParsedLog, PoolFindBlock } from './types';

export interface PoolDelta {
  /** Change in outstanding allocations (`!poolused` Allocs, PoolMon Diff). */
  allocs: number;
  /** Change in outstanding bytes (`!poolused` Used, PoolMon Bytes). */
  bytes: number;
}

export interface TagDiff {
  tag: string;
  nonPaged: PoolDelta;
  paged: PoolDelta;
  /** Paged + non-paged. */
  allocs: number;
  bytes: number;
}

/** `!poolfind` blocks counted per tag, so two searches can be compared like two tables. */
export function rowsFromBlocks(blocks: readonly PoolFindBlock[]): PoolUsedRow[] {
  const rows = new Map<string, PoolUsedRow>();
  for (const b of blocks) {
    if (b.status !== 'Allocated') continue;
    let row = rows.get(b.tag);
    if (!row) {
      row = { tag: b.tag, nonPaged: { allocs: 0, frees: 0, diff: 0, used: 0 }, paged: { allocs: 0, frees: 0, diff: 0, used: 0 } };
      rows.set(b.tag, row);
    }
    const c = (b.pool as PoolName) === 'PagedPool' ? row.paged : row.nonPaged;
    c.allocs++;
    c.diff++;
    c.used += b.size;
  }
  return [...rows.values()];
}

function rowsOf(log: ParsedLog | readonly PoolUsedRow[], which: string): readonly PoolUsedRow[] {
  if (Array.isArray(log)) return log as readonly PoolUsedRow[];
  const parsed = log as ParsedLog;
  if (parsed.rows) return parsed.rows;
  if (parsed.blocks) return rowsFromBlocks(parsed.blocks);
  throw new Error(`cannot diff the ${which} log: ${parsed.format} output has no per-tag counts`);
}

/** Per-tag change from `before` to `after` (tags missing on one side count as zero there). */
export function diffLogs(before: ParsedLog | readonly PoolUsedRow[], after: ParsedLog | readonly PoolUsedRow[]): TagDiff[] {
  const a = new Map(rowsOf(before, 'before').map((r) => [padTag(r.tag), r]));
  const b = new Map(rowsOf(after, 'after').map((r) => [padTag(r.tag), r]));
  const tags = new Set([...a.keys(), ...b.keys()]);
  const out: TagDiff[] = [];
  for (const tag of tags) {
    const x = a.get(tag);
    const y = b.get(tag);
    const nonPaged = {
      allocs: (y?.nonPaged.diff ?? 0) - (x?.nonPaged.diff ?? 0),
      bytes: (y?.nonPaged.used ?? 0) - (x?.nonPaged.used ?? 0),
    };
    const paged = {
      allocs: (y?.paged.diff ?? 0) - (x?.paged.diff ?? 0),
      bytes: (y?.paged.used ?? 0) - (x?.paged.used ?? 0),
    };
    out.push({ tag, nonPaged, paged, allocs: nonPaged.allocs + paged.allocs, bytes: nonPaged.bytes + paged.bytes });
  }
  return out.sort((p, q) => q.bytes - p.bytes || q.allocs - p.allocs || (p.tag < q.tag ? -1 : p.tag > q.tag ? 1 : 0));
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** The diff as a table: changed tags only (largest growth first), then how many did not change. */
export function formatLogDiff(diffs: readonly TagDiff[]): string {
  const changed = diffs.filter((d) => d.nonPaged.allocs || d.nonPaged.bytes || d.paged.allocs || d.paged.bytes);
  const w = 15;
  const lines = [
    'Pool use change per tag, largest growth first:',
    ` Tag ${'NonPaged Allocs'.padStart(w + 1)}${'NonPaged Bytes'.padStart(w + 1)}${'Paged Allocs'.padStart(w + 1)}${'Paged Bytes'.padStart(w + 1)}${'Total Bytes'.padStart(w + 1)}`,
  ];
  for (const d of changed) {
    const cells = [d.nonPaged.allocs, d.nonPaged.bytes, d.paged.allocs, d.paged.bytes, d.bytes].map((n) => ' ' + signed(n).padStart(w));
    lines.push(` ${padTag(d.tag)}${cells.join('')}`);
  }
  const same = diffs.length - changed.length;
  if (changed.length === 0) lines.push(' (no tag changed)');
  if (same > 0) lines.push(` (${same} ${same === 1 ? 'tag' : 'tags'} unchanged)`);
  return lines.join('\n') + '\n';
}
