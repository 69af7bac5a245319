/**
 * Quota: the pool bytes currently charged to each process by quota allocations
 * (ExAllocatePoolWithQuotaTag, POOL_FLAG_USE_QUOTA), paged and non-paged — what `!process`
 * shows as a process's QuotaPoolUsage. Reports show the current charge, not a running total
 * (simulator.md), so a process whose quota blocks were all freed shows zeros.
 *
 * Source (Microsoft Learn): https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepoolwithquotatag
 */
import type { QuotaRow } from '../simulator/result';
import { padLeft, padRight } from './format';

export function formatQuota(rows: readonly QuotaRow[]): string {
  if (rows.length === 0) return 'Quota charged per process: no quota allocations.\n';
  const nameWidth = Math.max(24, ...rows.map((r) => r.process.length + 2));
  const lines = [
    'Quota charged per process (bytes currently charged):',
    ` ${padRight('Process', nameWidth)}${padLeft('NonPaged', 12)} ${padLeft('Paged', 12)}`,
  ];
  let nonPaged = 0;
  let paged = 0;
  for (const r of rows) {
    nonPaged += r.nonPaged;
    paged += r.paged;
    lines.push(` ${padRight(r.process, nameWidth)}${padLeft(r.nonPaged, 12)} ${padLeft(r.paged, 12)}`);
  }
  lines.push(` ${padRight('TOTAL', nameWidth)}${padLeft(nonPaged, 12)} ${padLeft(paged, 12)}`);
  return lines.join('\n') + '\n';
}
