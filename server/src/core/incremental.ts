/**
 * Incremental parsing: the parse of a new version of a text, reusing the syntax trees of the
 * declarations an edit did not touch. The result is the parse `parse(text)` would give — same
 * declarations, comments, diagnostics and positions — built from:
 * - the declarations before the edit, kept as they are;
 * - a window around the edit, parsed again (`parseDeclarationsFrom`), which ends where the new
 *   parse meets the start of an old declaration past the edit, in the same state the old parse
 *   was in there (top level, nothing open, nothing peeked);
 * - the declarations from there on, kept and moved: their positions are shifted in place by the
 *   number of characters and lines the edit added or removed (their columns cannot change: the
 *   window always ends at the start of a line past the edit).
 *
 * Reusing tree nodes is what makes it pay: besides the parse itself, a 10,000-line script's
 * tree is megabytes of objects that the garbage collector would otherwise copy on every edit,
 * and the per-node caches of the analyses (`walk.ts`) stay warm.
 *
 * The previous snapshot must not be used after it was passed here: its nodes now belong to
 * the new tree, and their positions moved with it. The language server's analysis worker holds
 * the only snapshot and lets go of the old analysis before the next one starts.
 *
 * Pure: no I/O. Falls back to a full parse whenever a condition for reuse is not met.
 */
import type { Comment, Declaration, Position, Script } from './ast';
import { emptyScript } from './ast';
import type { Diagnostic } from './diagnostics';
import { addDeclarations, DECLARATION_KEYWORDS, parse, parseDeclarationsFrom, type ParseResult } from './parser';

/**
 * What the next incremental parse starts from. Opaque to callers. It holds the trees, not the
 * `Script` object: the analyses cache their models per script (ownership, IRQL), and a snapshot
 * kept between edits must not keep those alive.
 */
export interface ParseSnapshot {
  readonly text: string;
  readonly declarations: readonly Declaration[];
  readonly comments: readonly Comment[];
  /** The end of the text (the script's range end). */
  readonly end: Position;
  /** The parse diagnostics as the parser made them (the linter changes the ones it is given). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface IncrementalParse {
  result: ParseResult;
  snapshot: ParseSnapshot;
  /** Declarations taken over from the previous parse (0 for a full parse). */
  reused: number;
}

/** Below this many characters a full parse is as cheap as working out what to reuse. */
const MIN_INCREMENTAL_LENGTH = 4096;

/**
 * Parses `text`, reusing what it can of `previous` (which is spent by the call).
 * `minLength`: texts shorter than this get a full parse (tests lower it).
 */
export function parseIncremental(text: string, previous?: ParseSnapshot, minLength = MIN_INCREMENTAL_LENGTH): IncrementalParse {
  if (previous && text.length >= minLength) {
    try {
      const done = reparse(text, previous);
      if (done) return done;
    } catch {
      // A bug here must cost speed, never a wrong parse: fall through to the full parse.
    }
  }
  return fullParse(text);
}

function fullParse(text: string): IncrementalParse {
  const result = parse(text);
  return { result, snapshot: snapshotOf(text, result), reused: 0 };
}

function snapshotOf(text: string, result: ParseResult): ParseSnapshot {
  const { declarations, comments, range } = result.script;
  return { text, declarations, comments, end: range.end, diagnostics: copies(result.diagnostics) };
}

/** Diagnostic objects of their own: the linter sets severities and fixes on the ones it is given. */
function copies(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => ({ ...d }));
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, limit: number): number {
  let i = 0;
  while (i < limit && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

function reparse(text: string, previous: ParseSnapshot): IncrementalParse | undefined {
  const old = previous.text;
  const oldDecls = previous.declarations;
  if (oldDecls.length === 0) return undefined;
  const pre = commonPrefix(old, text);
  if (pre === old.length && pre === text.length) {
    // The same text: the same parse.
    const result = { script: scriptOf(oldDecls, [...previous.comments], previous.end), diagnostics: copies(previous.diagnostics) };
    return { result, snapshot: { ...previous, text }, reused: oldDecls.length };
  }
  const suf = commonSuffix(old, text, Math.min(old.length, text.length) - pre);
  const delta = text.length - old.length;
  /** The edit replaced old[pre, oldEnd) by text[pre, newEnd). */
  const oldEnd = old.length - suf;
  const newEnd = text.length - suf;

  // Kept before the edit: declarations that end well before it, minus one for safety (the
  // parse of a declaration never looks further than the token after it, and that token must
  // be untouched too). A declaration with a diagnostic between its end and the next one
  // (a missing ';' reported on the next token) is not kept either: the window re-derives it.
  let keep = 0;
  while (keep < oldDecls.length && oldDecls[keep].range.end.offset < pre - 1) keep++;
  keep = Math.max(0, keep - 1);
  const oldDiags = previous.diagnostics;
  while (keep > 0) {
    const end = oldDecls[keep - 1].range.end.offset;
    const next = keep < oldDecls.length ? oldDecls[keep].range.start.offset : old.length;
    if (!oldDiags.some((d) => d.range.start.offset >= end && d.range.start.offset <= next)) break;
    keep--;
  }
  const resumeAt = keep > 0 ? oldDecls[keep - 1].range.end : undefined;
  const resumeOffset = resumeAt?.offset ?? 0;

  // Old declarations past the edit, by start offset: where the window may hand over.
  const oldStarts = new Map<number, number>();
  for (let i = keep; i < oldDecls.length; i++) {
    const s = oldDecls[i].range.start;
    if (s.offset > oldEnd) oldStarts.set(s.offset, i);
  }
  const diagnosedAt = new Set(oldDiags.map((d) => d.range.start.offset));
  // Messages that name a line ("the block opened on line 15") cannot be moved to other lines:
  // when lines move, the window goes on past the last of them.
  let lastLineMention = -1;
  for (const d of oldDiags) if (/\bline \d/.test(d.message)) lastLineMention = Math.max(lastLineMention, d.range.start.offset);
  let handOver: { index: number; lineDelta: number } | undefined;
  const window = parseDeclarationsFrom(
    text,
    resumeAt ? { offset: resumeAt.offset, line: resumeAt.line, lineStartOffset: resumeAt.offset - (resumeAt.column - 1) } : { offset: 0, line: 1, lineStartOffset: 0 },
    (t, nothingPeeked) => {
      if (!nothingPeeked || !t.lineStart || t.kind !== 'identifier' || !DECLARATION_KEYWORDS.has(t.text)) return false;
      // The whole line must lie past the edit, so that columns did not move.
      if (t.offset - (t.column - 1) < newEnd || t.offset <= newEnd) return false;
      const oldOffset = t.offset - delta;
      const index = oldStarts.get(oldOffset);
      if (index === undefined || diagnosedAt.has(oldOffset)) return false;
      const start = oldDecls[index].range.start;
      if (start.column !== t.column) return false;
      const lineDelta = t.line - start.line;
      if (lineDelta !== 0 && oldOffset <= lastLineMention) return false;
      handOver = { index, lineDelta };
      return true;
    },
  );

  const kept = oldDecls.slice(0, keep);
  const moved = handOver ? oldDecls.slice(handOver.index) : [];
  const declarations = [...kept, ...window.declarations, ...moved];

  const handOverOld = handOver ? oldDecls[handOver.index].range.start.offset : Infinity;
  const comments: Comment[] = [];
  for (const c of previous.comments) if (c.range.end.offset <= resumeOffset) comments.push(c);
  comments.push(...window.comments);
  const movedComments = previous.comments.filter((c) => c.range.start.offset >= handOverOld);
  const movedDiagnostics = oldDiags.filter((d) => d.range.start.offset >= handOverOld);
  const diagnostics: Diagnostic[] = [...oldDiags.filter((d) => d.range.start.offset < resumeOffset), ...window.diagnostics];

  let end: Position;
  if (handOver) {
    const endPos = previous.end;
    shiftPositions([moved, movedComments, movedDiagnostics, endPos], delta, handOver.lineDelta);
    end = endPos;
    comments.push(...movedComments);
    diagnostics.push(...movedDiagnostics);
  } else {
    end = window.end;
  }
  diagnostics.sort((a, b) => a.range.start.offset - b.range.start.offset);

  const script = scriptOf(declarations, comments, end);
  const result: ParseResult = { script, diagnostics: copies(diagnostics) };
  return { result, snapshot: { text, declarations, comments, end, diagnostics }, reused: kept.length + moved.length };
}

/** A script of these declarations and comments, with its per-kind views. */
function scriptOf(declarations: readonly Declaration[], comments: Comment[], end: Position): Script {
  const script = emptyScript({ start: { line: 1, column: 1, offset: 0 }, end });
  script.comments = comments;
  addDeclarations(script, declarations);
  return script;
}

function isPosition(o: object): o is Position {
  const p = o as Position;
  return typeof p.offset === 'number' && typeof p.line === 'number' && typeof p.column === 'number';
}

/**
 * Moves every position reachable from `roots` by `offsetDelta` characters and `lineDelta`
 * lines, each position object once (nodes share them: a leaf and its token, a statement and
 * its first child).
 */
function shiftPositions(roots: readonly unknown[], offsetDelta: number, lineDelta: number): void {
  if (offsetDelta === 0 && lineDelta === 0) return;
  const seen = new Set<Position>();
  const stack: unknown[] = [...roots];
  while (stack.length) {
    const o = stack.pop();
    if (typeof o !== 'object' || o === null) continue;
    if (Array.isArray(o)) {
      for (const x of o) if (typeof x === 'object' && x !== null) stack.push(x);
      continue;
    }
    if (isPosition(o)) {
      if (seen.has(o)) continue;
      seen.add(o);
      o.offset += offsetDelta;
      o.line += lineDelta;
      continue;
    }
    for (const k in o) {
      const v = (o as Record<string, unknown>)[k];
      if (typeof v === 'object' && v !== null) stack.push(v);
    }
  }
}
