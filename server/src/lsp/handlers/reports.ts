/** `poolscope/renderReport` (WinDbg text of a result) and `poolscope/importLog` (real debugger output). */
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import { renderReports, type PoolTagDatabase } from '../../core/reports/index';
import type { SimulationResult } from '../../core/simulator/result';
import type { RenderReportParams } from '../../protocol';
import { URI, Utils } from 'vscode-uri';

export async function renderReportRequest(
  params: RenderReportParams,
  pooltagFor: (uri: string | undefined) => Promise<PoolTagDatabase | undefined>,
): Promise<{ text: string }> {
  if (!params || typeof params.result !== 'object' || params.result === null) {
    throw new ResponseError(ErrorCodes.InvalidParams, 'renderReport needs the result of a run.');
  }
  return { text: await renderText(params.result, Array.isArray(params.reports) ? params.reports : [], params.uri, pooltagFor) };
}

export async function renderText(
  result: SimulationResult,
  reports: readonly string[],
  uri: string | undefined,
  pooltagFor: (uri: string | undefined) => Promise<PoolTagDatabase | undefined>,
): Promise<string> {
  const pooltag = await pooltagFor(uri);
  try {
    return renderReports(result, reports, { pooltag, file: uri ? Utils.basename(URI.parse(uri)) : undefined });
  } catch (e) {
    // A bad report spec (`poolused:zz`) is the caller's mistake, not a server failure.
    throw new ResponseError(ErrorCodes.InvalidParams, (e as Error).message);
  }
}
