/**
 * `poolscope lint --format sarif`: SARIF 2.1.0 (OASIS), one run, every rule in
 * `tool.driver.rules`, results whose `ruleId` is the rule name. Lines and columns are 1-based
 * UTF-16 code units, as SARIF's default `columnKind`.
 *
 * It is what CI code scanning uploads, so it passes Microsoft's validator with GitHub's rules
 * (`Sarif.Multitool validate --rule-kind "Sarif;Ghas"`, test/unit/cli/sarifValidator.test.ts):
 * each rule carries its short and full description and its help (text and markdown, from
 * docs/rules/<rule>.md), `helpUri`, default level and CodeQL-style `properties` (tags,
 * precision, kind, problem.severity); each result carries `partialFingerprints` (stable across
 * unrelated edits, findingIdentity.ts), related locations, and for a path finding `codeFlows`
 * (allocation → branch → exit) — what GitHub's alert page shows as the path.
 * Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 * GitHub's subset: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { Range } from '../core/ast';
import type { Severity } from '../core/diagnostics';
import { RULE_META } from '../core/rules/meta';
import { FINGERPRINT_KEY, pathsOf } from './findingIdentity';
import type { LintedFile } from './formatText';
import { ruleDescriptor } from './sarifRules';

/** Kept equal to package.json's version by test/unit/cli/lintSarif.test.ts. */
export const TOOL_VERSION = '0.1.0';
export const TOOL_INFORMATION_URI = 'https://github.com/poolscope/poolscope';
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note';

/** SARIF has three result levels: info and hint are both `note`. */
export function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'note';
}

/** A path as a SARIF URI: relative paths stay relative (forward slashes), absolute ones become file: URIs. */
export function artifactUri(path: string): string {
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path
    .split(/[\\/]/)
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

function region(range: Range): Sarif.Region {
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

export function sarifLog(files: readonly LintedFile[], unreadable: readonly UnreadableFile[] = []): Sarif.Log {
  const ruleIndex = new Map(RULE_META.map((m, i) => [m.name as string, i]));
  const artifacts: Sarif.Artifact[] = files.map((f) => ({ location: { uri: artifactUri(f.file) } }));
  const results = files.flatMap((f, fileIndex) =>
    f.diagnostics.map((d, i): Sarif.Result => {
      const location = (file: string | undefined, range: Range, message?: string, id?: number): Sarif.Location => {
        const artifactLocation: Sarif.ArtifactLocation = { uri: artifactUri(file ?? f.file) };
        if (file === undefined || file === f.file) artifactLocation.index = fileIndex;
        const loc: Sarif.Location = { physicalLocation: { artifactLocation, region: region(range) } };
        if (id !== undefined) loc.id = id;
        if (message !== undefined) loc.message = { text: message };
        return loc;
      };
      const result: Sarif.Result = {
        ruleId: d.rule,
        level: sarifLevel(d.severity),
        message: { text: d.message },
        locations: [location(undefined, d.range)],
      };
      const index = ruleIndex.get(d.rule);
      if (index !== undefined) result.ruleIndex = index;
      const fingerprint = f.fingerprints?.[i];
      if (fingerprint) result.partialFingerprints = { [FINGERPRINT_KEY]: fingerprint };
      if (d.related?.length) {
        result.relatedLocations = d.related.map((r, id) => location(r.file, r.range, r.message, id));
      }
      const paths = f.text !== undefined && f.script ? pathsOf(f.text, f.script, d) : [];
      if (paths.length) {
        result.codeFlows = paths.map((steps) => ({
          threadFlows: [{ locations: steps.map((s) => ({ location: location(undefined, s.range, s.message) })) }],
        }));
      }
      return result;
    }),
  );
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'PoolScope',
            informationUri: TOOL_INFORMATION_URI,
            version: TOOL_VERSION,
            semanticVersion: TOOL_VERSION,
            rules: RULE_META.map((m) => ruleDescriptor(m)),
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
}

export function formatSarif(files: readonly LintedFile[], unreadable: readonly UnreadableFile[] = []): string {
  return JSON.stringify(sarifLog(files, unreadable), null, 2) + '\n';
}
