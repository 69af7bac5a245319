/** What "Export Report…" writes: CSV of the `!poolused` table, or JSON of the whole run. */
import type { PoolUsedRow } from '../../../server/src/protocol';
import type { ImportedLog, ReportRun } from '../../shared/reportProtocol';

export type ExportFormat = 'csv' | 'json' | 'txt';

/** RFC 4180 field: quoted when it holds a comma, quote, newline or leading/trailing space. */
function field(v: string | number): string {
  const s = String(v);
  // A leading = + - @ would make a spreadsheet evaluate a tag as a formula.
  const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function poolUsedCsv(rows: PoolUsedRow[]): string {
  const head = ['Tag', 'NonPagedAllocs', 'NonPagedFrees', 'NonPagedDiff', 'NonPagedUsed', 'PagedAllocs', 'PagedFrees', 'PagedDiff', 'PagedUsed', 'Owner'];
  const lines = [head.join(',')];
  for (const r of rows) {
    lines.push(
      [r.tag, r.nonPaged.allocs, r.nonPaged.frees, r.nonPaged.diff, r.nonPaged.used, r.paged.allocs, r.paged.frees, r.paged.diff, r.paged.used, r.owner ?? ''].map(field).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function runJson(run: ReportRun): string {
  return `${JSON.stringify(run.result, null, 2)}\n`;
}

export function importJson(log: ImportedLog): string {
  return `${JSON.stringify({ format: log.format, rows: log.rows, diff: log.diff }, null, 2)}\n`;
}
