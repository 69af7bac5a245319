/**
 * `poolscope lint` text output: one `file:line:col severity message [rule]` line per finding,
 * then one summary line — the shape compilers and editors' problem matchers read.
 */
import type { Script } from '../core/ast';
import type { Diagnostic, Severity } from '../core/diagnostics';

export interface LintedFile {
  /** The path as given on the command line. */
  file: string;
  diagnostics: Diagnostic[];
  /** One per diagnostic, same order (findingIdentity.ts): JSON `fingerprint`, SARIF `partialFingerprints`, `--baseline`. */
  fingerprints?: string[];
  /** The text and tree the diagnostics came from: SARIF code flows read the branches of a path. */
  text?: string;
  script?: Script;
}

export function formatDiagnosticLine(file: string, d: Diagnostic): string {
  return `${file}:${d.range.start.line}:${d.range.start.column} ${d.severity} ${d.message} [${d.rule}]`;
}

export function countBySeverity(files: readonly LintedFile[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of files) for (const d of f.diagnostics) counts[d.severity]++;
  return counts;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "8 problems (2 errors, 2 warnings, 0 info, 4 hints) in 1 file" or "no problems in 2 files". */
export function formatSummary(files: readonly LintedFile[]): string {
  const c = countBySeverity(files);
  const total = c.error + c.warning + c.info + c.hint;
  const where = `in ${plural(files.length, 'file')}`;
  if (total === 0) return `no problems ${where}`;
  return `${plural(total, 'problem')} (${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${c.info} info, ${plural(c.hint, 'hint')}) ${where}`;
}

export function formatText(files: readonly LintedFile[]): string {
  const lines: string[] = [];
  for (const f of files) for (const d of f.diagnostics) lines.push(formatDiagnosticLine(f.file, d));
  lines.push(formatSummary(files));
  return lines.join('\n') + '\n';
}

/**
 * The `--format json` object of cli.md: 1-based lines and columns, endColumn exclusive; beside
 * the contract's fields, `fingerprint` (what `--baseline` matches, findingIdentity.ts).
 */
export function formatJson(files: readonly LintedFile[]): string {
  const out = {
    files: files.map((f) => ({
      file: f.file,
      diagnostics: f.diagnostics.map((d, i) => ({
        rule: d.rule,
        severity: d.severity,
        line: d.range.start.line,
        column: d.range.start.column,
        endLine: d.range.end.line,
        endColumn: d.range.end.column,
        message: d.message,
        related: (d.related ?? []).map((r) => ({
          file: r.file ?? f.file,
          line: r.range.start.line,
          column: r.range.start.column,
          message: r.message,
        })),
        ...(f.fingerprints ? { fingerprint: f.fingerprints[i] } : {}),
      })),
    })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}
