/**
 * What identifies a finding across commits, and the path it reports.
 *
 * Fingerprint: code scanning (SARIF `partialFingerprints`) and `--baseline` match a finding of
 * today with one of an older commit by this, not by its line: an edit above it (a new routine,
 * a comment, a finding fixed elsewhere) moves the line but leaves the fingerprint. It is a hash
 * of the rule, the routine (or scenario) the finding is in, the pool tags its text names, and
 * its statement normalised (the source lines it sits on, comments dropped, white space
 * collapsed), plus the finding's text span inside that statement — and a count that tells apart
 * equal findings in one routine (the same leaking line pasted twice), in source order, as
 * GitHub's own `primaryLocationLineHash` does.
 *
 * Path: for a path finding (a block or locked pages lost on some path) the steps an alert page
 * walks through — the allocation, each branch that leads to the exit (the `if` / `foreach` /
 * `repeat` enclosing the exit but not the allocation), and the exit itself.
 */
import { createHash } from 'node:crypto';
import type { Range, Routine, Script, Statement } from '../core/ast';
import type { Diagnostic, RuleName } from '../core/diagnostics';

/** The SARIF `partialFingerprints` key (versioned: a new scheme gets a new key, never new values under the old one). */
export const FINGERPRINT_KEY = 'poolscopeFinding/v1';

/** Rules whose findings are a path: allocation → branch → exit (SARIF `codeFlows`, CodeQL's `path-problem`). */
export const PATH_RULES: ReadonlySet<RuleName> = new Set<RuleName>(['unbalanced-allocation', 'locked-pages-leak']);

export interface FlowStep {
  range: Range;
  message: string;
}

function contains(outer: Range, inner: Range): boolean {
  return outer.start.offset <= inner.start.offset && inner.end.offset <= outer.end.offset;
}

function routineAt(script: Script, range: Range): Routine | undefined {
  return script.routines.find((r) => contains(r.range, range));
}

/** The owner of a finding: `routine:Name`, `scenario:name`, or the top level. */
function ownerOf(script: Script, range: Range): string {
  const routine = routineAt(script, range);
  if (routine) return `routine:${routine.name.name}`;
  const scenario = script.scenarios.find((s) => contains(s.range, range));
  if (scenario) return `scenario:${scenario.name}`;
  return 'top';
}

/** Source text without `//` comments (outside quotes) and with runs of white space made one space. */
function normalise(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .split('\n')
    .map((line) => line.replace(/^((?:[^'"/]|'[^'\n]*'|"[^"\n]*"|\/(?!\/))*)\/\/.*$/, '$1'))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Offsets of the start of each line (0-based offsets, index = line - 1). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/**
 * One fingerprint per diagnostic of a file, in the diagnostics' order: 32 hex digits
 * (128 bits of SHA-256).
 */
export function fingerprints(text: string, script: Script, diagnostics: readonly Diagnostic[]): string[] {
  const starts = lineStarts(text);
  const seen = new Map<string, number>();
  return diagnostics.map((d) => {
    const first = starts[d.range.start.line - 1] ?? 0;
    const last = starts[d.range.end.line] ?? text.length;
    const statement = normalise(text.slice(first, last));
    const span = normalise(text.slice(d.range.start.offset, d.range.end.offset));
    const tags = [...span.matchAll(/'[^'\n]{0,8}'/g)].map((m) => m[0]).join(',');
    const key = [d.rule, ownerOf(script, d.range), tags, statement, span].join('\u0000');
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return createHash('sha256').update(`${key}\u0000${n}`).digest('hex').slice(0, 32);
  });
}

function describeBranch(text: string, st: Statement): string {
  switch (st.type) {
    case 'if':
      return `the path takes this branch: if (${normalise(text.slice(st.condition.range.start.offset, st.condition.range.end.offset))})`;
    case 'foreach':
      return `the path runs this loop: foreach ${st.variable.name} in ${st.list.name}`;
    case 'repeat':
      return `the path runs this loop: repeat (${normalise(text.slice(st.count.range.start.offset, st.count.range.end.offset))})`;
    default:
      return 'the path passes here';
  }
}

/** The statements enclosing `inner` inside `st`, outermost first. */
function enclosing(st: Statement, inner: Range, out: Statement[]): void {
  if (!contains(st.range, inner)) return;
  switch (st.type) {
    case 'block':
      for (const s of st.statements) enclosing(s, inner, out);
      return;
    case 'if':
      out.push(st);
      enclosing(st.then, inner, out);
      if (st.else) enclosing(st.else, inner, out);
      return;
    case 'foreach':
    case 'repeat':
      out.push(st);
      enclosing(st.body, inner, out);
      return;
    default:
      return;
  }
}

/**
 * The paths of a path finding, one per exit its related locations name: allocation, the branches
 * that enclose that exit (and not the allocation), the exit. Empty for other findings.
 */
export function pathsOf(text: string, script: Script, d: Diagnostic): FlowStep[][] {
  if (!PATH_RULES.has(d.rule) || !d.related?.length) return [];
  const routine = routineAt(script, d.range);
  return d.related
    .filter((r) => r.file === undefined || r.file === d.related?.[0]?.file)
    .map((exit) => {
      const steps: FlowStep[] = [{ range: d.range, message: d.rule === 'locked-pages-leak' ? 'the pages are locked here' : 'the block is allocated here' }];
      if (routine) {
        const around: Statement[] = [];
        enclosing(routine.body, exit.range, around);
        for (const st of around) {
          if (contains(st.range, d.range)) continue;
          steps.push({ range: st.type === 'if' ? st.condition.range : st.range, message: describeBranch(text, st) });
        }
      }
      steps.push({ range: exit.range, message: exit.message });
      return steps;
    });
}
