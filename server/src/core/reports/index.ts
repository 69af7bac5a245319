/**
 * The WinDbg-style text reports of a simulation result (simulator.md, "Investigation outputs"),
 * one module per report. `renderReports` is what `simulate --report` prints.
 */
import type { SimulationResult } from '../simulator/result';
import { formatBugCheck, formatBugChecks } from './bugcheck';
import { formatHits } from './hits';
import { formatPoolFind } from './poolfind';
import type { PoolTagDatabase } from './pooltag';
import { formatPoolUsed } from './poolused';
import { formatQuota } from './quota';
import { ALL_REPORTS, DEFAULT_REPORTS, parseReportSpec, type ReportSpec } from './spec';
import { formatTimeline } from './timeline';
import { formatVerifier } from './verifier';

export * from './bugcheck';
export * from './format';
export * from './hits';
export * from './kb';
export * from './poolfind';
export * from './poolmon';
export * from './pooltag';
export * from './poolused';
export * from './quota';
export * from './spec';
export * from './timeline';
export * from './verifier';

export interface RenderOptions {
  pooltag?: PoolTagDatabase;
  /** The script's file name (base name used): `leaky.drvm` in `[leaky.drvm @ 9]`. */
  file?: string;
}

export function renderReport(result: SimulationResult, spec: ReportSpec, options: RenderOptions = {}): string {
  const file = options.file;
  switch (spec.kind) {
    case 'poolused':
      return formatPoolUsed(result.poolused, spec.flags, spec.pattern, options.pooltag);
    case 'poolfind':
      return formatPoolFind(result.outstanding, spec.tag);
    case 'verifier':
      return formatVerifier(result, file);
    case 'hits':
      if (result.hits.length === 0 && result.hitsDropped === 0 && result.hitTag === null)
        return 'PoolHitTag is not set: no breaks recorded (set it with --hit-tag TAG or a `hittag` step).\n';
      return formatHits(result.hits, result.hitsDropped, file);
    case 'quota':
      return formatQuota(result.quota);
    case 'timeline':
      return formatTimeline(result.timeline);
    case 'bugcheck':
      return result.bugchecks && result.bugchecks.length > 0
        ? formatBugChecks(result.bugchecks, file)
        : formatBugCheck(result.bugcheck, file);
    case 'all':
      return ALL_REPORTS.map((s) => renderReport(result, parseReportSpec(s), options)).join('\n');
  }
}

/**
 * The text of every requested report, in order, a blank line apart (default: `bugcheck` then
 * `poolused:4`, as `simulate` prints without `--report`). Every spec is validated before anything
 * is rendered, so a bad spec fails cleanly instead of after half the output.
 */
export function renderReports(result: SimulationResult, reports: readonly string[], options: RenderOptions = {}): string {
  const specs = (reports.length > 0 ? reports : DEFAULT_REPORTS).map(parseReportSpec);
  return specs.map((s) => renderReport(result, s, options)).join('\n');
}
