/** Small helpers for rule and linter tests: findings by rule, positions of text, applying fixes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, QuickFix } from '../../../server/src/core/diagnostics';
import { applyEdits } from '../../../server/src/core/fixes';
import { lint, type LintOptions } from '../../../server/src/core/linter';
import { parse } from '../../../server/src/core/parser';

export const REPO = join(__dirname, '..', '..', '..');
export const LEAKY_PATH = join(REPO, 'examples', 'leaky.drvm');
export const leakyText = (): string => readFileSync(LEAKY_PATH, 'utf8');

/** Joins lines with `\n` so tests read like the script they lint. */
export function script(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

export function findings(text: string, rule: string, options?: LintOptions): Diagnostic[] {
  return lint(text, options).diagnostics.filter((d) => d.rule === rule);
}

/** `[line, column]` of each finding of a rule. */
export function positions(text: string, rule: string, options?: LintOptions): [number, number][] {
  return findings(text, rule, options).map((d) => [d.range.start.line, d.range.start.column]);
}

/** The 1-based line and column of the n-th (1-based) occurrence of `needle` in `text`. */
export function locate(text: string, needle: string, occurrence = 1): { line: number; column: number; offset: number } {
  let at = -1;
  for (let i = 0; i < occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `'${needle}' occurrence ${occurrence} not found`);
  }
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return { line, column, offset: at };
}

export function fixNamed(d: Diagnostic, title: string, kind: QuickFix['kind'] = 'quickfix'): QuickFix {
  const fix = (d.fixes ?? []).find((f) => f.title === title && f.kind === kind);
  assert.ok(fix, `no ${kind} fix '${title}' on ${d.rule} at ${d.range.start.line}:${d.range.start.column}; fixes: ${(d.fixes ?? []).map((f) => f.title).join(', ')}`);
  return fix;
}

/** Applies a fix and checks the result still parses without syntax errors. */
export function applyFix(text: string, fix: QuickFix): string {
  const out = applyEdits(text, fix.edits);
  const syntax = parse(out).diagnostics.filter((d) => d.rule === 'syntax-error');
  assert.deepEqual(syntax.map((d) => d.message), [], `fix '${fix.title}' broke the script:\n${out}`);
  return out;
}
