/**
 * The lexer of driver model scripts (language.md, "Lexical rules").
 *
 * It never throws: every character of any input (binary garbage, NUL, lone surrogates,
 * unterminated strings, tags or comments) ends up in some token, and the few mistakes that
 * still yield a usable token (an unterminated string, tag or comment) are reported here as
 * `syntax-error`. Anything else the lexer cannot make sense of becomes an `invalid` token
 * carrying an explanation; the parser reports it when it meets it, exactly once.
 *
 * Columns count UTF-16 code units (JavaScript string indices), as LSP does. Line breaks are
 * `\n`, `\r\n` and a lone `\r`, as LSP counts them.
 */
import type { Comment, Position } from './ast';
import type { Diagnostic } from './diagnostics';
import { padTag } from './apis';

export type TokenKind = 'identifier' | 'number' | 'string' | 'tag' | 'percent' | 'punct' | 'invalid' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  start: Position;
  end: Position;
  /** True when only whitespace and comments precede the token on its line. */
  lineStart: boolean;
  /** `number`: value with K/M applied; `percent`: the percentage. */
  num?: number;
  /** `string`: the unescaped value; `tag`: the characters between the quotes. */
  str?: string;
  /** `tag`: the padded display form, or undefined when the tag is invalid or unterminated. */
  tagValue?: string;
  /** `tag`/`string`: the closing quote is missing (already reported by the lexer). */
  unterminated?: boolean;
  /** `invalid`: why the text is not a token. */
  error?: string;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
  diagnostics: Diagnostic[];
}

// Character classes, by UTF-16 code unit.
const CH_TAB = 9;
const CH_LF = 10;
const CH_VT = 11;
const CH_FF = 12;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_BANG = 33;
const CH_DQUOTE = 34;
const CH_PERCENT = 37;
const CH_SQUOTE = 39;
const CH_STAR = 42;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_9 = 57;
const CH_EQ = 61;
const CH_BACKSLASH = 92;
const CH_NBSP = 0xa0;
const CH_BOM = 0xfeff;

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= CH_0 && c <= CH_9);
}
function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isSpace(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB || c === CH_VT || c === CH_FF || c === CH_NBSP || c === CH_BOM;
}
const PUNCT_SINGLE = new Set(['|', ',', ';', '(', ')', '{', '}', '=']);

/** True for the characters that start some token (used to end a run of invalid characters). */
function startsToken(c: number): boolean {
  return (
    isIdentStart(c) ||
    isDigit(c) ||
    isSpace(c) ||
    c === CH_LF ||
    c === CH_CR ||
    c === CH_DQUOTE ||
    c === CH_SQUOTE ||
    c === CH_SLASH ||
    c === CH_BANG ||
    PUNCT_SINGLE.has(String.fromCharCode(c))
  );
}

/** A short, printable rendering of source text for messages (`'foo'`, `'\u0000'`). */
export function quoteForMessage(text: string): string {
  let s = text.length > 24 ? text.slice(0, 24) + '…' : text;
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  return `'${s}'`;
}

/** Validates the characters between a tag's quotes: the padded display form, or undefined. */
export function tagDisplayValue(raw: string): string | undefined {
  if (raw.length < 1 || raw.length > 4) return undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return undefined;
  }
  return padTag(raw);
}

export function tokenize(text: string): LexResult {
  const tokens: Token[] = [];
  const comments: Comment[] = [];
  const diagnostics: Diagnostic[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStartOffset = 0;
  let atLineStart = true;

  const pos = (offset: number): Position => ({ line, column: offset - lineStartOffset + 1, offset });
  const syntaxError = (start: Position, end: Position, message: string): void => {
    diagnostics.push({ rule: 'syntax-error', severity: 'error', range: { start, end }, message });
  };
  const push = (kind: TokenKind, startOffset: number, start: Position, extra?: Partial<Token>): Token => {
    const tok: Token = { kind, text: text.slice(startOffset, i), start, end: pos(i), lineStart: atLineStart, ...extra };
    tokens.push(tok);
    atLineStart = false;
    return tok;
  };

  while (i < n) {
    const c = text.charCodeAt(i);

    // Line breaks: \n, \r\n, \r.
    if (c === CH_LF || c === CH_CR) {
      i += c === CH_CR && text.charCodeAt(i + 1) === CH_LF ? 2 : 1;
      line++;
      lineStartOffset = i;
      atLineStart = true;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }

    const startOffset = i;
    const start = pos(i);

    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      push('identifier', startOffset, start);
      continue;
    }

    if (isDigit(c)) {
      lexNumber(startOffset, start);
      continue;
    }

    if (c === CH_SLASH && text.charCodeAt(i + 1) === CH_SLASH) {
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === CH_LF || d === CH_CR) break;
        i++;
      }
      comments.push({ text: text.slice(startOffset, i), block: false, range: { start, end: pos(i) } });
      continue;
    }

    if (c === CH_SLASH && text.charCodeAt(i + 1) === CH_STAR) {
      i += 2;
      let closed = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === CH_STAR && text.charCodeAt(i + 1) === CH_SLASH) {
          i += 2;
          closed = true;
          break;
        }
        if (d === CH_LF || d === CH_CR) {
          i += d === CH_CR && text.charCodeAt(i + 1) === CH_LF ? 2 : 1;
          line++;
          lineStartOffset = i;
          continue;
        }
        i++;
      }
      const end = pos(i);
      comments.push({ text: text.slice(startOffset, i), block: true, range: { start, end } });
      if (!closed) {
        syntaxError(start, { line: start.line, column: start.column + 2, offset: start.offset + 2 },
          "unterminated block comment: '/*' has no matching '*/', so the rest of the file is ignored");
      }
      continue;
    }

    if (c === CH_DQUOTE) {
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === CH_DQUOTE) {
          i++;
          closed = true;
          break;
        }
        if (d === CH_LF || d === CH_CR) break;
        if (d === CH_BACKSLASH) {
          const e = text.charCodeAt(i + 1);
          if (e === CH_DQUOTE || e === CH_BACKSLASH) {
            value += text[i + 1];
            i += 2;
            continue;
          }
        }
        value += text[i];
        i++;
      }
      const tok = push('string', startOffset, start, { str: value, unterminated: !closed });
      if (!closed) syntaxError(tok.start, tok.end, 'unterminated string: add \'"\' before the end of the line');
      continue;
    }

    if (c === CH_SQUOTE) {
      i++;
      let closed = false;
      const rawStart = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === CH_SQUOTE) {
          closed = true;
          break;
        }
        if (d === CH_LF || d === CH_CR) break;
        i++;
      }
      const raw = text.slice(rawStart, i);
      if (closed) i++;
      const tok = push('tag', startOffset, start, {
        str: raw,
        tagValue: closed ? tagDisplayValue(raw) : undefined,
        unterminated: !closed,
      });
      if (!closed) syntaxError(tok.start, tok.end, "unterminated pool tag: add the closing \"'\" (a tag is written 'Abc ')");
      continue;
    }

    if (c === CH_EQ && text.charCodeAt(i + 1) === CH_EQ) {
      i += 2;
      push('punct', startOffset, start);
      continue;
    }
    if (c === CH_BANG && text.charCodeAt(i + 1) === CH_EQ) {
      i += 2;
      push('punct', startOffset, start);
      continue;
    }
    if (PUNCT_SINGLE.has(text[i])) {
      i++;
      push('punct', startOffset, start);
      continue;
    }

    // A run of characters that start no token: one invalid token, one error at most.
    i++;
    while (i < n && !startsToken(text.charCodeAt(i))) i++;
    const bad = text.slice(startOffset, i);
    push('invalid', startOffset, start, {
      error: `${bad.length === 1 ? 'character' : 'characters'} ${quoteForMessage(bad)} ${bad.length === 1 ? 'is' : 'are'} not part of the language`,
    });
  }

  tokens.push({ kind: 'eof', text: '', start: pos(n), end: pos(n), lineStart: true });
  return { tokens, comments, diagnostics };

  /** Numbers (`4096`, `0x1000`, `4K`, `2M`) and percentages (`5%`, `0.5%`). */
  function lexNumber(startOffset: number, start: Position): void {
    let value: number;
    let problem: string | undefined;
    let isPercent = false;
    if (text.charCodeAt(i) === CH_0 && (text.charCodeAt(i + 1) | 0x20) === 120 /* x */) {
      i += 2;
      const digitsStart = i;
      while (i < n && isHexDigit(text.charCodeAt(i))) i++;
      if (i === digitsStart) problem = 'a hexadecimal number needs digits after 0x';
      value = i === digitsStart ? 0 : parseInt(text.slice(digitsStart, i), 16);
    } else {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      let hasFraction = false;
      if (text.charCodeAt(i) === CH_DOT && isDigit(text.charCodeAt(i + 1))) {
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        hasFraction = true;
      }
      value = Number(text.slice(startOffset, i));
      if (text.charCodeAt(i) === CH_PERCENT) {
        i++;
        isPercent = true;
      } else if (hasFraction) {
        problem = 'only a percentage (0.5%) may have a fraction; sizes and counts are whole numbers';
      }
    }
    if (!isPercent && !problem) {
      const s = text.charCodeAt(i);
      if (s === 75 /* K */) {
        value *= 1024;
        i++;
      } else if (s === 77 /* M */) {
        value *= 1048576;
        i++;
      }
    }
    // Letters or digits glued to the number (`4KB`, `12abc`, `4k`) make it one bad token.
    if (i < n && (isIdentPart(text.charCodeAt(i)) || text.charCodeAt(i) === CH_DOT)) {
      while (i < n && (isIdentPart(text.charCodeAt(i)) || text.charCodeAt(i) === CH_DOT)) i++;
      problem ??= 'a number is decimal or 0x hexadecimal with an optional size suffix K or M (uppercase)';
    }
    if (problem) {
      const bad = text.slice(startOffset, i);
      push('invalid', startOffset, start, { error: `${quoteForMessage(bad)} is not a valid number: ${problem}` });
      return;
    }
    push(isPercent ? 'percent' : 'number', startOffset, start, { num: value });
  }
}
