/**
 * `!verifier 0x3`: Driver Verifier's Pool Tracking view of the verified driver — current
 * allocation counts and bytes per pool, then every outstanding allocation with its caller.
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/debuggercmds/-verifier
 * (bit 0: bytes per pool for each verified driver; bit 1, with bit 0: the outstanding allocations,
 * "pool size, headers, and pool tags"). The real caller column is a return address; the model
 * prints the symbol of the innermost driver frame with the script line as its displacement,
 * `Leaky!ReadDispatch+0x9 (leaky.drvm:9)`, which is what `ln` on that address would say.
 */
import { padTag } from '../poolTag';
import type { OutstandingBlock, SimulationResult } from '../simulator/result';
import { hex8, innermostDriverFrame, padRight, scriptBaseName, verifierCaller } from './format';

export const VERIFIER_TABLE_HEADER = '      Address             Length      Tag   Caller';
export const VERIFIER_TABLE_RULE = '      ------------------  ----------  ----  ------------------------------';

/** One table row: address padded to 18, length `0x%08x`, tag, caller — two spaces apart. */
export function formatVerifierRow(block: OutstandingBlock, file: string): string {
  // Without a driver frame (a block made on the driver's behalf) the innermost frame is the best caller there is.
  const caller = verifierCaller(innermostDriverFrame(block.stack) ?? block.stack[0], scriptBaseName(file));
  return `      ${padRight(block.address, 18)}  ${hex8(block.size)}  ${padTag(block.tag)}  ${caller}`;
}

/** The address / length / tag / caller table, shared with the bug check's culprit list. */
export function formatVerifierTable(blocks: readonly OutstandingBlock[], file: string): string[] {
  return [VERIFIER_TABLE_HEADER, VERIFIER_TABLE_RULE, ...blocks.map((b) => formatVerifierRow(b, file))];
}

export function formatVerifier(result: Pick<SimulationResult, 'outstanding'>, file?: string): string {
  let npCount = 0;
  let pCount = 0;
  let npBytes = 0;
  let pBytes = 0;
  for (const b of result.outstanding) {
    if (b.pool === 'PagedPool') {
      pCount++;
      pBytes += b.size;
    } else {
      npCount++;
      npBytes += b.size;
    }
  }
  const lines = [
    'Pool Allocation Statistics: ( NonPagedPool / PagedPool )',
    `Current Pool Allocations: ( ${hex8(npCount)} / ${hex8(pCount)} )`,
    `Current Pool Bytes:       ( ${hex8(npBytes)} / ${hex8(pBytes)} )`,
    ...formatVerifierTable(result.outstanding, scriptBaseName(file)),
  ];
  return lines.join('\n') + '\n';
}
