/** `poolscope/importLog`: real `!poolused` / PoolMon / `!poolfind` / `kb` captures via core/logs. */
import type { ImportLogParams, ImportLogResult } from '../../protocol';

export function importLogRequest(params: ImportLogParams): ImportLogResult {
  void params;
  return { format: 'unknown', rows: [], error: { message: 'Debugger log import is not available in this build.' } };
}
