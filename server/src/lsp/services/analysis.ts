/**
 * The one place the server turns text into an analysis. Everything else in `lsp/` reads an
 * `Analysis`; swapping parse+check for the full linter is a change to `runCore` only.
 *
 * Pure: no LSP, no I/O (the settings arrive as data).
 */
import type { Script } from '../../core/ast';
import type { ConfiguredSeverity, Diagnostic } from '../../core/diagnostics';
import type { SymbolTable } from '../../core/symbols';
import { parse } from '../../core/parser';
import { check } from '../../core/checker';

export interface AnalysisOptions {
  /** Path or URI, for messages and related information. */
  file: string;
  /** `poolscope.rules`: rule → severity (`off` removes it). */
  rules?: Readonly<Record<string, ConfiguredSeverity>>;
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
}

function runCore(text: string, options: AnalysisOptions): { script: Script; symbols: SymbolTable; diagnostics: Diagnostic[] } {
  // Until core/linter.ts lands: the parser's and checker's findings, configured severities applied.
  const parsed = parse(text);
  const checked = check(parsed.script);
  const diagnostics: Diagnostic[] = [];
  for (const d of [...parsed.diagnostics, ...checked.diagnostics]) {
    const configured = options.rules?.[d.rule];
    if (configured === 'off') continue;
    diagnostics.push(configured ? { ...d, severity: configured } : d);
  }
  return { script: parsed.script, symbols: checked.symbols, diagnostics };
}

/** Analyses one document. Never throws for any text (the core promises as much; see the guard). */
export function analyze(text: string, version: number, options: AnalysisOptions, now: () => number = () => 0): Analysis {
  const started = now();
  const { script, symbols, diagnostics } = runCore(text, options);
  return { version, text, script, symbols, diagnostics, durationMs: now() - started };
}
