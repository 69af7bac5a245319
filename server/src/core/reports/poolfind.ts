/**
 * `!poolfind Tag`: every live block with a tag, searched pool by pool the way the extension walks
 * non-paged pool and then paged pool.
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-poolfind
 * The real extension prints `826fa130 size:   c0 previous size:   40  (Allocated) SeSd`; the
 * model has no pool headers, so there is no previous size, and the size is the requested size
 * (simulator.md) in hex, right-aligned in six columns as simulator.md's example prints it
 * (`size:  1000`; the real extension's field is one narrower).
 */
import { matchTagPattern, padTag, validateTagPattern } from '../poolTag';
import type { OutstandingBlock, PoolName } from '../simulator/result';
import { hexDigits, padLeft } from './format';

/** What !poolfind needs of a block: live simulated blocks and parsed `!poolfind` lines both fit. */
export type PoolFindInput = Pick<OutstandingBlock, 'address' | 'tag' | 'pool' | 'size'> & {
  /** Parsed logs may list freed blocks; live simulated blocks are always allocated. */
  status?: 'Allocated' | 'Free';
};

const POOL_ORDER: Array<{ pool: PoolName; label: string }> = [
  { pool: 'NonPagedPool', label: 'NonPaged' },
  { pool: 'PagedPool', label: 'Paged' },
];

function addressValue(address: string): bigint {
  const digits = address.replace(/`/g, '').replace(/^0x/i, '');
  return /^[0-9a-fA-F]+$/.test(digits) ? BigInt('0x' + digits) : 0n;
}

/** The tag as the header prints it: padded when it is a plain tag, as typed when it has `*`. */
function displayTag(tag: string): string {
  return tag.includes('*') ? tag : padTag(tag);
}

/** One `!poolfind` line: `ffffc000`00012340 size:  1000 (Allocated) Abc `. */
export function formatPoolFindLine(block: PoolFindInput): string {
  // `(Free)` is padded to the width of `(Allocated)` so tags stay in one column, as on Learn.
  const status = `(${block.status ?? 'Allocated'})`.padEnd(11, ' ');
  return `${block.address} size:${padLeft(hexDigits(block.size), 6)} ${status} ${padTag(block.tag)}`;
}

export function formatPoolFind(blocks: readonly PoolFindInput[], tag: string): string {
  const bad = validateTagPattern(tag);
  if (bad) throw new Error(`!poolfind: ${bad}`);
  const sections: string[] = [];
  for (const { pool, label } of POOL_ORDER) {
    // A pool scan meets blocks in address order.
    const found = blocks
      .filter((b) => b.pool === pool && matchTagPattern(b.tag, tag))
      .sort((a, b) => {
        const d = addressValue(a.address) - addressValue(b.address);
        return d < 0n ? -1 : d > 0n ? 1 : 0;
      });
    const lines = [`Searching ${label} pool for Tag: ${displayTag(tag)}`, ...found.map(formatPoolFindLine)];
    sections.push(lines.join('\n') + '\n');
  }
  return sections.join('\n');
}
