/**
 * `poolscope/importLog`: a real `!poolused` / PoolMon / `!poolfind` / `kb` capture, parsed by
 * core/logs into the same shapes as a simulation result, and with a second capture, the per-tag
 * difference (the PoolMon leak procedure). Unrecognised text is an answer with an error naming
 * the line, never an empty table and never a failed request.
 */
import { diffLogs, LogParseError, parseLog, rowsFromBlocks, type ParsedLog } from '../../core/logs/index';
import type { ImportLogParams, ImportLogResult } from '../../protocol';

function parseOne(text: string, which: string): ParsedLog | { message: string; line?: number } {
  try {
    return parseLog(typeof text === 'string' ? text : '');
  } catch (e) {
    if (e instanceof LogParseError) return { message: `${which}: ${e.message}`, line: e.line };
    return { message: `${which}: ${(e as Error)?.message ?? String(e)}` };
  }
}

const isError = (x: ParsedLog | { message: string }): x is { message: string; line?: number } => 'message' in x;

export function importLogRequest(params: ImportLogParams): ImportLogResult {
  const before = parseOne(params?.text, params?.after !== undefined ? 'first capture' : 'capture');
  if (isError(before)) return { format: 'unknown', rows: [], error: before };
  const rows = before.rows ?? (before.blocks ? rowsFromBlocks(before.blocks) : []);
  const result: ImportLogResult = { format: before.format, rows };
  if (before.blocks) result.blocks = before.blocks;
  if (before.stacks ?? before.frames) result.stacks = before.stacks ?? [before.frames!];
  if (params.after !== undefined) {
    const after = parseOne(params.after, 'second capture');
    if (isError(after)) return { ...result, error: after };
    result.diff = diffLogs(before, after).map((d) => ({
      tag: d.tag,
      pagedBytes: d.paged.bytes,
      nonPagedBytes: d.nonPaged.bytes,
      pagedAllocs: d.paged.allocs,
      nonPagedAllocs: d.nonPaged.allocs,
    }));
  }
  return result;
}
