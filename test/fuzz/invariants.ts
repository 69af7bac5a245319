/**
 * Invariants every core output must satisfy for any input, written independently of the
 * code under test (own line map, own edit application) so that a bug shared by producer
 * and checker cannot hide.
 */
import type { Position, Range } from '../../server/src/core/ast';
import type { Diagnostic, TextEdit } from '../../server/src/core/diagnostics';

/** Line starts as LSP counts them: after `\n`, `\r\n` and a lone `\r`. */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

export class Doc {
  readonly starts: number[];
  constructor(readonly text: string) {
    this.starts = lineStartsOf(text);
  }
  /** The 1-based line/column of a 0-based offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}

function fmt(p: Position | undefined): string {
  return p ? `${p.line}:${p.column}@${p.offset}` : String(p);
}

/** Problems with one position; [] when it is well-formed and consistent with the text. */
export function positionProblems(doc: Doc, p: Position, what: string): string[] {
  if (!p || typeof p !== 'object') return [`${what}: missing position`];
  const out: string[] = [];
  for (const k of ['line', 'column', 'offset'] as const) {
    if (!Number.isInteger(p[k])) out.push(`${what}: ${k} is not an integer (${p[k]})`);
  }
  if (out.length) return out;
  if (p.offset < 0 || p.offset > doc.text.length) out.push(`${what}: offset ${p.offset} outside the document (length ${doc.text.length})`);
  if (p.line < 1 || p.column < 1) out.push(`${what}: ${fmt(p)} is not 1-based`);
  if (out.length) return out;
  const want = doc.position(p.offset);
  // A position inside a CRLF pair is accepted at either reading, never elsewhere.
  if (want.line !== p.line || want.column !== p.column) {
    out.push(`${what}: ${fmt(p)} but offset ${p.offset} is ${want.line}:${want.column}`);
  }
  return out;
}

export function rangeProblems(doc: Doc, r: Range, what: string): string[] {
  if (!r || typeof r !== 'object') return [`${what}: missing range`];
  const out = [...positionProblems(doc, r.start, `${what}.start`), ...positionProblems(doc, r.end, `${what}.end`)];
  if (out.length === 0 && r.start.offset > r.end.offset) out.push(`${what}: start ${fmt(r.start)} after end ${fmt(r.end)}`);
  return out;
}

/** Every diagnostic, related location and quick-fix edit range in the document and well-formed. */
export function diagnosticProblems(text: string, diagnostics: readonly Diagnostic[]): string[] {
  const doc = new Doc(text);
  const out: string[] = [];
  diagnostics.forEach((d, i) => {
    const what = `diagnostic ${i} (${d.rule}: ${String(d.message).slice(0, 80)})`;
    if (typeof d.rule !== 'string' || !d.rule) out.push(`${what}: no rule`);
    if (!['error', 'warning', 'info', 'hint'].includes(d.severity)) out.push(`${what}: bad severity ${d.severity}`);
    if (typeof d.message !== 'string' || d.message.length === 0) out.push(`${what}: empty message`);
    if (/internal (parser|checker|linter|analysis) error/i.test(d.message)) out.push(`${what}: an internal error was caught and reported`);
    out.push(...rangeProblems(doc, d.range, what));
    for (const [j, r] of (d.related ?? []).entries()) {
      if (r.file === undefined) out.push(...rangeProblems(doc, r.range, `${what} related ${j}`));
    }
    for (const [j, f] of (d.fixes ?? []).entries()) {
      if (!f.title) out.push(`${what} fix ${j}: no title`);
      for (const [k, e] of f.edits.entries()) out.push(...rangeProblems(doc, e.range, `${what} fix ${j} "${f.title}" edit ${k}`));
      const overlap = overlappingEdits(f.edits);
      if (overlap) out.push(`${what} fix ${j} "${f.title}": edits overlap (${overlap})`);
    }
  });
  return out;
}

/** A description of two overlapping edits, or undefined. Two inserts at one offset are fine. */
export function overlappingEdits(edits: readonly TextEdit[]): string | undefined {
  const sorted = [...edits].sort((a, b) => a.range.start.offset - b.range.start.offset || a.range.end.offset - b.range.end.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1].range;
    const b = sorted[i].range;
    if (b.start.offset < a.end.offset) return `${a.start.offset}-${a.end.offset} and ${b.start.offset}-${b.end.offset}`;
  }
  return undefined;
}

/** Applies non-overlapping edits by offset, independently of core/fixes.ts. */
export function applyEditsIndependently(text: string, edits: readonly TextEdit[]): string {
  const sorted = edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.range.start.offset - a.e.range.start.offset || b.i - a.i);
  let out = text;
  for (const { e } of sorted) out = out.slice(0, e.range.start.offset) + e.newText + out.slice(e.range.end.offset);
  return out;
}

/** Walks every object with a `range` in an AST; returns range problems (and containment ones). */
export function astRangeProblems(text: string, root: unknown): string[] {
  const doc = new Doc(text);
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (node: unknown, path: string, parent: Range | undefined) => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((n, i) => visit(n, `${path}[${i}]`, parent));
      return;
    }
    const o = node as Record<string, unknown>;
    let here = parent;
    if (o.range && typeof o.range === 'object' && 'start' in (o.range as object)) {
      const r = o.range as Range;
      const p = rangeProblems(doc, r, `${path}${o.type ? `<${String(o.type)}>` : ''}`);
      out.push(...p);
      if (p.length === 0 && parent && (r.start.offset < parent.start.offset || r.end.offset > parent.end.offset)) {
        out.push(`${path}: range ${r.start.offset}-${r.end.offset} outside its parent ${parent.start.offset}-${parent.end.offset}`);
      }
      here = r;
    }
    for (const [k, v] of Object.entries(o)) {
      if (k === 'range') continue;
      // Convenience views repeat declarations; `kindRange`/`nameRange` are plain ranges.
      if (k === 'kindRange' || k === 'nameRange') {
        out.push(...rangeProblems(doc, v as Range, `${path}.${k}`));
        continue;
      }
      visit(v, `${path}.${k}`, here);
    }
  };
  visit(root, 'script', undefined);
  return out;
}

/**
 * Runs `fn`; when it takes longer than `boundMs`, runs it twice more and reports the fastest
 * time. A real blow-up is slow every time; a GC pause or a busy shared machine is not, and must
 * not fail a property (the soak found a 1.1 s lint of a script that lints in 2 ms).
 */
export function timedStable<T>(fn: () => T, boundMs: number): { value: T; ms: number } {
  let r = timed(fn);
  for (let i = 0; i < 2 && r.ms >= boundMs; i++) {
    const again = timed(fn);
    if (again.ms < r.ms) r = again;
  }
  return r;
}

/** Runs `fn` and returns its result with the elapsed milliseconds. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

/**
 * Whether a quick fix's result keeps the syntax as good as before: a clean text stays clean;
 * a broken one gains at most one error — a fix that appends a declaration after a routine whose
 * `}` is missing at the end of the file makes that missing `}` visible as its own error (found by
 * the soak, test/fixtures/regressions/truncated-routine-fix.drvm), which is not a new mistake.
 */
export function fixKeepsSyntax(before: number, after: number): boolean {
  return before === 0 ? after === 0 : after <= before + 1;
}
