/** The shape of one lint rule. One file per rule under `core/rules/`, registered in `index.ts`. */
import type { Script } from '../ast';
import type { Diagnostic, RuleName, Severity } from '../diagnostics';
import type { SymbolTable } from '../symbols';

export interface RuleContext {
  /** The document text (for computing edits). */
  text: string;
  /** Path or URI of the document, for messages and related information. */
  file: string;
  script: Script;
  symbols: SymbolTable;
  /**
   * Tags (display form, `'Abc '` → `Abc `) used elsewhere — e.g. in the workspace's other
   * scripts — that fixes inventing a new tag must avoid too. Optional.
   */
  usedTags?: ReadonlySet<string>;
}

export interface RuleDefinition {
  name: RuleName;
  defaultSeverity: Severity;
  /**
   * Returns findings with `severity` set to the default; the linter applies configured
   * severities and silencing comments afterwards. Must never throw on any script the
   * parser produced (including ones with syntax errors).
   */
  check(ctx: RuleContext): Diagnostic[];
}
