/** Core (1-based, end-exclusive) ranges and findings → LSP (0-based) ones. */
import {
  DiagnosticSeverity,
  DiagnosticTag,
  type Diagnostic as LspDiagnostic,
  type Range as LspRange,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver';
import type { Range } from '../../core/ast';
import type { Diagnostic, Severity, TextEdit } from '../../core/diagnostics';
import { ruleDocUrl } from '../../core/rules/meta';

export function toLspRange(r: Range): LspRange {
  return {
    start: { line: Math.max(0, r.start.line - 1), character: Math.max(0, r.start.column - 1) },
    end: { line: Math.max(0, r.end.line - 1), character: Math.max(0, r.end.column - 1) },
  };
}

export function toLspEdit(e: TextEdit): LspTextEdit {
  return { range: toLspRange(e.range), newText: e.newText };
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic, uri: string): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toLspRange(d.range),
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Warning,
    code: d.rule,
    codeDescription: { href: ruleDocUrl(d.rule) },
    source: 'poolscope',
    message: d.message,
  };
  if (d.related?.length) {
    out.relatedInformation = d.related.map((r) => ({
      location: { uri: r.file && /^[a-z][a-z0-9+.-]*:/i.test(r.file) ? r.file : uri, range: toLspRange(r.range) },
      message: r.message,
    }));
  }
  if (d.rule === 'deprecated-allocator') out.tags = [DiagnosticTag.Deprecated];
  return out;
}

/**
 * Same finding? Matches a client's diagnostic against the ones recorded at validation: by rule
 * and range (clients may rewrap the code as `{ value, target }` or reflow the message).
 */
export function sameDiagnostic(a: LspDiagnostic, b: LspDiagnostic): boolean {
  const code = (d: LspDiagnostic): unknown => (d.code && typeof d.code === 'object' ? (d.code as { value?: unknown }).value : d.code);
  return (
    code(a) === code(b) &&
    a.range.start.line === b.range.start.line &&
    a.range.start.character === b.range.start.character &&
    a.range.end.line === b.range.end.line &&
    a.range.end.character === b.range.end.character
  );
}
