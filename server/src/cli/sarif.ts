/**
 * `poolscope lint --format sarif`: SARIF 2.1.0 (OASIS), one run, every rule in
 * `tool.driver.rules` with its documentation page as `helpUri`, results whose `ruleId` is the
 * rule name. Lines and columns are 1-based UTF-16 code units, as SARIF's default `columnKind`.
 * Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Range } from '../core/ast';
import type { Severity } from '../core/diagnostics';
import { RULE_META, ruleDocUrl } from '../core/rules/meta';
import type { LintedFile } from './formatText';

/** Kept equal to package.json's version by test/unit/cli/lintSarif.test.ts. */
export const TOOL_VERSION = '0.1.0';
export const TOOL_INFORMATION_URI = 'https://github.com/poolscope/poolscope';
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note';

/** SARIF has three result levels: info and hint are both `note`. */
export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/** `quota-in-dpc` → `QuotaInDpc`: the end-user identifier SARIF viewers show beside the id. */
function pascalName(rule: string): string {
  return rule
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** A path as a SARIF URI: relative paths stay relative (forward slashes), absolute ones become file: URIs. */
export function artifactUri(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path
    .split(/[\\/]/)
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

function region(range: Range) {
  return {
    startLine: range.start.line,
    startColumn: range.start.column,
    endLine: range.end.line,
    endColumn: range.end.column,
  };
}

export interface UnreadableFile {
  file: string;
  message: string;
}

export function formatSarif(files: readonly LintedFile[], unreadable: readonly UnreadableFile[] = []): string {
  const ruleIndex = new Map(RULE_META.map((m, i) => [m.name as string, i]));
  const artifacts = files.map((f) => ({ location: { uri: artifactUri(f.file) } }));
  const results = files.flatMap((f, fileIndex) =>
    f.diagnostics.map((d) => {
      const location = (file: string | undefined, range: Range) => {
        const uri = artifactUri(file ?? f.file);
        const artifactLocation: { uri: string; index?: number } = { uri };
        if (file === undefined || file === f.file) artifactLocation.index = fileIndex;
        return { physicalLocation: { artifactLocation, region: region(range) } };
      };
      const result: Record<string, unknown> = {
        ruleId: d.rule,
        level: sarifLevel(d.severity),
        message: { text: d.message },
        locations: [location(undefined, d.range)],
      };
      const index = ruleIndex.get(d.rule);
      if (index !== undefined) result.ruleIndex = index;
      if (d.related?.length) {
        result.relatedLocations = d.related.map((r, id) => ({ id, ...location(r.file, r.range), message: { text: r.message } }));
      }
      return result;
    }),
  );
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'PoolScope',
            informationUri: TOOL_INFORMATION_URI,
            version: TOOL_VERSION,
            rules: RULE_META.map((m) => ({
              id: m.name,
              name: pascalName(m.name),
              shortDescription: { text: m.summary },
              helpUri: ruleDocUrl(m.name),
              defaultConfiguration: { level: sarifLevel(m.defaultSeverity) },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: unreadable.length === 0,
            toolExecutionNotifications: unreadable.map((u) => ({
              level: 'error',
              message: { text: u.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: artifactUri(u.file) } } }],
            })),
          },
        ],
        columnKind: 'utf16CodeUnits',
        artifacts,
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
