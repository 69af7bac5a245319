/**
 * Shared helpers for quick-fix edits: positions from offsets, applying edits to a text, and
 * the small text facts (indentation, line endings) that fixes need. Pure: no I/O.
 */
import type { Position, Range } from './ast';
import type { TextEdit } from './diagnostics';

/** Offsets at which each line starts (index 0 = line 1). `\r\n`, `\n` and lone `\r` end a line. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10 /* \n */) {
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Turns offsets into 1-based positions; build once per text, query many times. */
export class LineMap {
  readonly starts: number[];
  constructor(readonly text: string) {
    this.starts = lineStarts(text);
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo] + 1, offset: o };
  }

  /** Offset of the first character of a 1-based line (the text length past the last line). */
  lineStart(line: number): number {
    if (line < 1) return 0;
    return line - 1 < this.starts.length ? this.starts[line - 1] : this.text.length;
  }

  /** The text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    const next = line < this.starts.length ? this.starts[line] : this.text.length;
    return this.text.slice(start, next).replace(/\r?\n$|\r$/, '');
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

export function positionAt(text: string, offset: number): Position {
  return new LineMap(text).positionAt(offset);
}

export function rangeFromOffsets(map: LineMap, start: number, end: number): Range {
  return { start: map.positionAt(start), end: map.positionAt(end) };
}

/** The line break the document uses (its first one), `\n` by default. */
export function lineBreakOf(text: string): string {
  const m = /\r\n|\n|\r/.exec(text);
  return m ? m[0] : '\n';
}

/** The leading spaces and tabs of a line. */
export function indentationOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * Applies edits (by offset) to a text. Edits must not overlap; edits at the same offset apply
 * in the order given. Throws on overlap, because a fix that overlaps itself is a bug worth seeing.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const ordered = edits
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.range.start.offset - b.e.range.start.offset || a.e.range.end.offset - b.e.range.end.offset || a.i - b.i);
  let out = '';
  let at = 0;
  for (const { e } of ordered) {
    const s = e.range.start.offset;
    const t = e.range.end.offset;
    if (s < at) throw new Error(`overlapping edits at offset ${s}`);
    if (t < s || t > text.length) throw new Error(`edit range ${s}-${t} outside the text`);
    out += text.slice(at, s) + e.newText;
    at = t;
  }
  return out + text.slice(at);
}

/** An edit replacing a node's range. */
export function replaceRange(range: Range, newText: string): TextEdit {
  return { range, newText };
}

/** An edit inserting text at a position. */
export function insertAt(position: Position, newText: string): TextEdit {
  return { range: { start: position, end: position }, newText };
}

/** Compares ranges by start offset, then end offset. */
export function compareRanges(a: Range, b: Range): number {
  return a.start.offset - b.start.offset || a.end.offset - b.end.offset;
}
