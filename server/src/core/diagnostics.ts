/** Findings, related information and quick fixes, independent of any editor protocol. */
import type { Range } from './ast';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
/** A severity as configured: `off` removes the rule's findings. */
export type ConfiguredSeverity = Severity | 'off';

export type RuleName =
  | 'syntax-error'
  | 'unknown-name'
  | 'duplicate-name'
  | 'wrong-kind'
  | 'invalid-tag'
  | 'short-tag'
  | 'unbalanced-allocation'
  | 'leak-at-unload'
  | 'double-free'
  | 'free-tag-mismatch'
  | 'mismatched-free'
  | 'quota-in-dpc'
  | 'paged-free-at-dispatch'
  | 'paged-at-dispatch'
  | 'shared-tag'
  | 'untagged-allocation'
  | 'locked-pages-leak'
  | 'deprecated-allocator'
  /** An API or helper call whose arguments the model cannot accept (count, kind, pool flags). */
  | 'bad-argument'
  /** An unknown rule name in a `poolscope-disable` comment. */
  | 'unknown-rule';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface QuickFix {
  title: string;
  /** LSP code action kind: `quickfix`, or `source` for file-wide source actions. */
  kind: 'quickfix' | 'source';
  isPreferred?: boolean;
  edits: TextEdit[];
}

export interface RelatedInformation {
  range: Range;
  message: string;
  /** Defaults to the file of the diagnostic. */
  file?: string;
}

export interface Diagnostic {
  rule: RuleName;
  severity: Severity;
  range: Range;
  message: string;
  related?: RelatedInformation[];
  /** Repairs, best first; "Disable … for this line" is added by the linter front, last. */
  fixes?: QuickFix[];
}
