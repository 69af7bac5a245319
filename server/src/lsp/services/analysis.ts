/**
 * The one place the server turns text into an analysis (the core linter: parse, check, every
 * rule, silencing comments, configured severities). Everything else in `lsp/` reads an `Analysis`.
 *
 * Pure: no LSP, no I/O (the settings arrive as data).
 */
import type { Script } from '../../core/ast';
import type { ConfiguredSeverity, Diagnostic } from '../../core/diagnostics';
import type { SymbolTable } from '../../core/symbols';
import { compareDiagnostics, lint, type InternalError, type LintResult } from '../../core/linter';
import { RULES } from '../../core/rules/index';

/**
 * An analysis can run whole, or as two halves in two worker threads at once (each parses and
 * checks the text itself): `context` runs the IRQL / process-context and tag rules, `flow` runs
 * the ownership rules and keeps the parser's, checker's and silencing comments' findings.
 * `mergeHalves` of the two gives exactly the findings of one whole analysis.
 */
export type AnalysisPart = 'all' | 'flow' | 'context';

export const CONTEXT_RULES: ReadonlySet<string> = new Set([
  'quota-in-dpc',
  'paged-at-dispatch',
  'paged-free-at-dispatch',
  'shared-tag',
  'untagged-allocation',
  'deprecated-allocator',
]);

const RULES_OF_PART = {
  all: RULES,
  flow: RULES.filter((r) => !CONTEXT_RULES.has(r.name)),
  context: RULES.filter((r) => CONTEXT_RULES.has(r.name)),
} as const;

/** The findings of a whole analysis from those of its two halves. */
export function mergeHalves(flow: readonly Diagnostic[], context: readonly Diagnostic[]): Diagnostic[] {
  // The parser, checker and silencing findings appear in both halves: keep the flow half's.
  return [...flow.filter((d) => !CONTEXT_RULES.has(d.rule)), ...context.filter((d) => CONTEXT_RULES.has(d.rule))].sort(compareDiagnostics);
}

export interface AnalysisOptions {
  /** Path or URI, for messages and related information. */
  file: string;
  /** `poolscope.rules`: rule → severity (`off` removes it). */
  rules?: Readonly<Record<string, ConfiguredSeverity>>;
  /** Tags used in other open documents: a fix that invents a tag avoids them too. */
  usedTags?: ReadonlySet<string>;
  /** Which rules to run (default: all). */
  part?: AnalysisPart;
}

export interface Analysis {
  /** Document version the analysis was made from (`-1` when not tied to one). */
  version: number;
  text: string;
  script: Script;
  symbols: SymbolTable;
  /** Every finding, configured severities and silencing comments applied. */
  diagnostics: Diagnostic[];
  /** Wall time of the analysis, for the validation timing reported to the client. */
  durationMs: number;
  /** Rules that threw: their findings are missing (logged by the server). */
  internalErrors?: InternalError[];
}

function runCore(text: string, options: AnalysisOptions): LintResult {
  return lint(text, { file: options.file, rules: { ...(options.rules ?? {}) }, usedTags: options.usedTags, ruleSet: RULES_OF_PART[options.part ?? 'all'] });
}

/** Analyses one document. Never throws for any text (the core promises as much; see the guard). */
export function analyze(text: string, version: number, options: AnalysisOptions, now: () => number = () => 0): Analysis {
  const started = now();
  const { script, symbols, diagnostics, internalErrors } = runCore(text, options);
  return { version, text, script, symbols, diagnostics, durationMs: now() - started, ...(internalErrors ? { internalErrors } : {}) };
}
