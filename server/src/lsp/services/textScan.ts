/**
 * Small, position-local text scans for hover, completion and signature help. They read the
 * *current* text around the cursor, so those features stay correct while the analysis of a
 * large file is still on its way (the names they look up come from the last analysis).
 *
 * Pure: offsets are 0-based UTF-16 offsets into the document text.
 */

const IDENT_CHAR = /[A-Za-z0-9_]/;

export interface WordAt {
  text: string;
  start: number;
  end: number;
}

/** The identifier under (or just before) `offset`. */
export function identifierAt(text: string, offset: number): WordAt | undefined {
  let start = offset;
  while (start > 0 && IDENT_CHAR.test(text[start - 1])) start--;
  let end = offset;
  while (end < text.length && IDENT_CHAR.test(text[end])) end++;
  if (start === end) return undefined;
  const word = text.slice(start, end);
  if (!/^[A-Za-z_]/.test(word)) return undefined;
  return { text: word, start, end };
}

export function lineStartOf(text: string, offset: number): number {
  const i = text.lastIndexOf('\n', offset - 1);
  return i < 0 ? 0 : i + 1;
}

export function lineEndOf(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i;
}

export interface TagAt {
  /** Characters between the quotes, as written. */
  raw: string;
  /** Offset of the opening quote. */
  start: number;
  /** Offset just past the closing quote (or the end of the line when unclosed). */
  end: number;
  closed: boolean;
}

/**
 * The single-quoted tag literal under `offset` on its line, skipping `//` comments and
 * double-quoted strings. Also finds an unclosed tag (being typed) that starts before `offset`.
 */
export function tagAt(text: string, offset: number): TagAt | undefined {
  const ls = lineStartOf(text, offset);
  const le = lineEndOf(text, offset);
  let i = ls;
  while (i < le) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') return undefined;
    if (c === '"') {
      i++;
      while (i < le && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      const closed = close >= 0 && close < le;
      const end = closed ? close + 1 : le;
      if (offset > i && offset <= (closed ? close : le)) return { raw: text.slice(i + 1, closed ? close : le), start: i, end, closed };
      if (offset === i) return closed ? { raw: text.slice(i + 1, close), start: i, end, closed } : undefined;
      i = end;
      continue;
    }
    i++;
  }
  return undefined;
}

/** True when `offset` sits inside a `//` line comment or a `/* *\/` block comment (cheap, local). */
export function inComment(text: string, offset: number): boolean {
  const ls = lineStartOf(text, offset);
  let i = ls;
  let inString = false;
  let inTag = false;
  while (i < offset) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (inTag) {
      if (c === "'") inTag = false;
    } else if (c === '"') inString = true;
    else if (c === "'") inTag = true;
    else if (c === '/' && text[i + 1] === '/') return true;
    i++;
  }
  // Block comment: the nearest `/*` before the cursor not closed before it (bounded look-back).
  const from = Math.max(0, offset - 20000);
  const open = text.lastIndexOf('/*', offset - 1);
  if (open >= from && open >= 0) {
    const close = text.indexOf('*/', open + 2);
    if (close < 0 || close + 2 > offset) return true;
  }
  return false;
}

export interface CallContext {
  callee: string;
  calleeStart: number;
  /** 0-based argument index at the cursor. */
  argIndex: number;
  /** Offset of the `(`. */
  open: number;
  /** The text of the current argument before the cursor (trimmed left). */
  argPrefix: string;
}

/**
 * The innermost unclosed call around `offset`: `ExAllocatePool2(POOL_FLAG_PAGED, |` gives
 * callee `ExAllocatePool2`, argument 1. Looks back at most `limit` characters and stops at a
 * statement boundary (`;`, `{`, `}`).
 */
export function callContextAt(text: string, offset: number, limit = 2000): CallContext | undefined {
  let depth = 0;
  let commas = 0;
  let argStart = offset;
  const stop = Math.max(0, offset - limit);
  // Inside a tag being typed (`'a,b`): its characters are not punctuation.
  const tag = tagAt(text, offset);
  const from = tag && offset > tag.start ? tag.start : offset;
  for (let i = from - 1; i >= stop; i--) {
    const c = text[i];
    if (c === "'" || c === '"') {
      // Skip back over a quoted literal on the same line.
      const j = text.lastIndexOf(c, i - 1);
      const nl = text.lastIndexOf('\n', i - 1);
      if (j > nl) {
        i = j;
        continue;
      }
      continue;
    }
    if (c === ')') depth++;
    else if (c === '(') {
      if (depth === 0) {
        let e = i;
        while (e > 0 && /\s/.test(text[e - 1])) e--;
        let s = e;
        while (s > 0 && IDENT_CHAR.test(text[s - 1])) s--;
        if (s === e) return undefined;
        return {
          callee: text.slice(s, e),
          calleeStart: s,
          argIndex: commas,
          open: i,
          argPrefix: text.slice(commas === 0 ? i + 1 : argStart, offset).trimStart(),
        };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      if (commas === 0) argStart = i + 1;
      commas++;
    } else if (c === ';' || c === '{' || c === '}') return undefined;
  }
  return undefined;
}

export type Region =
  | { kind: 'topLevel' }
  | { kind: 'routine'; name: string; routineKind: string; declStart: number }
  | { kind: 'scenario'; name: string; declStart: number };

const ROUTINE_DECL = /^[ \t]*(entry|unload|dispatch[ \t]+[A-Za-z_]\w*|dpc|completion|workitem|routine)[ \t]+([A-Za-z_]\w*)[ \t]*(\(|\{|$)/;
const SCENARIO_DECL = /^[ \t]*scenario[ \t]+("[^"]*"|[A-Za-z_]\w*)/;

/**
 * Whether `offset` is at top level, inside a routine, or inside a scenario: finds the nearest
 * declaration line above the cursor and counts braces from there (strings, tags and comments
 * skipped). Cost is proportional to the size of the enclosing declaration, not the file.
 */
export function regionAt(text: string, offset: number): Region {
  let ls = lineStartOf(text, offset);
  for (;;) {
    const le = lineEndOf(text, ls);
    const line = text.slice(ls, Math.min(le, ls + 400));
    const r = ROUTINE_DECL.exec(line);
    const s = r ? undefined : SCENARIO_DECL.exec(line);
    if (r || s) {
      const depth = braceDepth(text, ls, offset);
      if (depth <= 0) return { kind: 'topLevel' };
      if (r) return { kind: 'routine', name: r[2], routineKind: r[1].split(/\s+/)[0], declStart: ls };
      return { kind: 'scenario', name: s![1].replace(/"/g, ''), declStart: ls };
    }
    if (ls === 0) return { kind: 'topLevel' };
    ls = lineStartOf(text, ls - 1);
  }
}

/** `{` minus `}` between two offsets, ignoring strings, tags and comments. */
export function braceDepth(text: string, from: number, to: number): number {
  let depth = 0;
  let i = from;
  while (i < to) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? to : nl;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? to : e + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < to && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' && c === '"' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth--;
    i++;
  }
  return depth;
}

/** The text of the current statement before the cursor: back to the last `;`, `{` or `}`. */
export function statementPrefix(text: string, offset: number, limit = 1000): string {
  const stop = Math.max(0, offset - limit);
  for (let i = offset - 1; i >= stop; i--) {
    const c = text[i];
    if (c === ';' || c === '{' || c === '}') return text.slice(i + 1, offset);
  }
  return text.slice(stop, offset);
}
