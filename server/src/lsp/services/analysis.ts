/**
 * The one place the server turns text into an analysis (the core linter: parse, check, every
 * rule, silencing comments, configured severities). Everything else in `lsp/` reads an `Analysis`.
 *
 * Pure: no LSP, no I/O (the settings arrive as data).
 */
import type { Script } from '../../core/ast';
import type { ConfiguredSeverity, Diagnostic } from '../../core/diagnostics';
import type { SymbolTable } from '../../core/symbols';
import { lint, type InternalError, type LintOptions, type LintResult } from '../../core/linter';
import type { ParseSnapshot } from '../../core/incremental';

export interface AnalysisOptions {
  /** Path or URI, for messages and related information. */
  file: string;
  /** `poolscope.rules`: rule → severity (`off` removes it). */
  rules?: Readonly<Record<string, ConfiguredSeverity>>;
  /** Tags used in other open documents: a fix that invents a tag avoids them too. */
  usedTags?: ReadonlySet<string>;
  /** Parse incrementally from the previous analysis of this document (see core/incremental.ts). */
  incremental?: LintOptions['incremental'];
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
  /** With `incremental`: the snapshot the next analysis of this document parses from. */
  parseSnapshot?: ParseSnapshot;
}

function runCore(text: string, options: AnalysisOptions): LintResult {
  return lint(text, { file: options.file, rules: { ...(options.rules ?? {}) }, usedTags: options.usedTags, incremental: options.incremental });
}

/** Analyses one document. Never throws for any text (the core promises as much; see the guard). */
export function analyze(text: string, version: number, options: AnalysisOptions, now: () => number = () => 0): Analysis {
  const started = now();
  const { script, symbols, diagnostics, internalErrors, parseSnapshot } = runCore(text, options);
  return {
    version,
    text,
    script,
    symbols,
    diagnostics,
    durationMs: now() - started,
    ...(internalErrors ? { internalErrors } : {}),
    ...(parseSnapshot ? { parseSnapshot } : {}),
  };
}

/** What a worker posts before the model: the findings and their timing, nothing else of the analysis. */
export function findingsOf(analysis: Analysis): Pick<Analysis, 'diagnostics' | 'durationMs' | 'internalErrors'> {
  const { diagnostics, durationMs, internalErrors } = analysis;
  return { diagnostics, durationMs, ...(internalErrors ? { internalErrors } : {}) };
}
