/**
 * Helpers for the ownership-rule tests: runs one rule of core/analysis on a script through
 * parse → check → rule.check (the same RuleContext the linter builds), and applies fixes.
 */
import assert from 'node:assert/strict';
import type { Diagnostic, QuickFix } from '../../../server/src/core/diagnostics';
import { applyEdits } from '../../../server/src/core/fixes';
import { check } from '../../../server/src/core/checker';
import { parse } from '../../../server/src/core/parser';
import type { RuleDefinition } from '../../../server/src/core/rules/rule';
import { doubleFree } from '../../../server/src/core/rules/doubleFree';
import { freeTagMismatch } from '../../../server/src/core/rules/freeTagMismatch';
import { leakAtUnload } from '../../../server/src/core/rules/leakAtUnload';
import { lockedPagesLeak } from '../../../server/src/core/rules/lockedPagesLeak';
import { mismatchedFree } from '../../../server/src/core/rules/mismatchedFree';
import { unbalancedAllocation } from '../../../server/src/core/rules/unbalancedAllocation';

export const OWNERSHIP_RULES: readonly RuleDefinition[] = [
  unbalancedAllocation,
  leakAtUnload,
  doubleFree,
  freeTagMismatch,
  mismatchedFree,
  lockedPagesLeak,
];

/** Joins lines with `\n` so tests read like the script they lint. */
export function script(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

export function run(text: string, rule: RuleDefinition): Diagnostic[] {
  const parsed = parse(text);
  const { symbols } = check(parsed.script);
  return rule.check({ text, file: 'test.drvm', script: parsed.script, symbols });
}

/** `[line, column]` of each finding. */
export function at(text: string, rule: RuleDefinition): [number, number][] {
  return run(text, rule).map((d) => [d.range.start.line, d.range.start.column]);
}

/** Every finding of every ownership rule as `rule line:column`. */
export function allFindings(text: string): string[] {
  return OWNERSHIP_RULES.flatMap((r) => run(text, r).map((d) => `${d.rule} ${d.range.start.line}:${d.range.start.column}`));
}

/** 1-based line and column of the n-th occurrence of `needle`. */
export function locate(text: string, needle: string, occurrence = 1): [number, number] {
  let idx = -1;
  for (let i = 0; i < occurrence; i++) {
    idx = text.indexOf(needle, idx + 1);
    assert.ok(idx >= 0, `'${needle}' #${occurrence} not found`);
  }
  const before = text.slice(0, idx);
  return [before.split('\n').length, idx - before.lastIndexOf('\n')];
}

/** Applies the preferred fix, checks the result parses without errors, returns the new text. */
export function applyPreferred(text: string, d: Diagnostic): { text: string; fix: QuickFix } {
  const fix = (d.fixes ?? []).find((f) => f.isPreferred);
  assert.ok(fix, `no preferred fix on ${d.rule} ${d.range.start.line}:${d.range.start.column}`);
  const out = applyEdits(text, fix.edits);
  const syntax = parse(out).diagnostics.filter((x) => x.rule === 'syntax-error');
  assert.deepEqual(syntax.map((x) => x.message), [], `fix '${fix.title}' broke the script:\n${out}`);
  return { text: out, fix };
}
