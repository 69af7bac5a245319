/**
 * PoolHitTag breaks. With `nt!PoolHitTag` set, the kernel breaks into the debugger on every
 * allocation and free carrying that tag; the developer then types `kb` to see who did it.
 * Each break prints the break banner and the `kb` stack.
 *
 * Sources (Microsoft Learn):
 * - Using the kernel debugger to find a kernel-mode memory leak (PoolHitTag, then `kb` at each break):
 *   https://learn.microsoft.com/windows-hardware/drivers/debugger/using-the-kernel-debugger-to-find-a-kernel-mode-memory-leak
 * - kb: https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/k--kb--kc--kd--kp--kp--kv--display-stack-backtrace-
 */
import { padTag } from '../poolTag';
import type { HitTagBreak } from '../simulator/result';
import { hexDigits, scriptBaseName, withCommas } from './format';
import { formatKbStack } from './kb';

/** `Break instruction exception - PoolHitTag 'Abc ' (allocate, PagedPool, 0x1000 bytes, ffffc000`00012340)` */
export function formatHitBanner(hit: HitTagBreak): string {
  const what = hit.event === 'alloc' ? 'allocate' : 'free';
  return `Break instruction exception - PoolHitTag '${padTag(hit.tag)}' (${what}, ${hit.pool}, 0x${hexDigits(hit.size)} bytes, ${hit.address})`;
}

export function formatHit(hit: HitTagBreak, file: string): string {
  return [formatHitBanner(hit), ...formatKbStack(hit.stack, file)].join('\n') + '\n';
}

/** The line that says how many breaks were not recorded because of the cap. */
export function formatDroppedLine(dropped: number): string {
  return `${withCommas(dropped)} more PoolHitTag ${dropped === 1 ? 'break was' : 'breaks were'} dropped (break cap reached).`;
}

/** Every break, a blank line apart, then the dropped count when there is one. */
export function formatHits(hits: readonly HitTagBreak[], dropped = 0, file?: string): string {
  const name = scriptBaseName(file);
  const blocks = hits.map((h) => formatHit(h, name));
  if (hits.length === 0) blocks.push('No PoolHitTag breaks.\n');
  if (dropped > 0) blocks.push(formatDroppedLine(dropped) + '\n');
  return blocks.join('\n');
}
