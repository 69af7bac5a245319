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
import type { Comment, Position, Range } from './ast';
import type { Diagnostic } from './diagnostics';
import { tagDisplayValue } from './poolTag';

export type TokenKind = 'identifier' | 'number' | 'string' | 'tag' | 'percent' | 'punct' | 'invalid' | 'eof';

/**
 * One token. Its positions are built only when asked for: most punctuation never needs them,
 * and not allocating them keeps the garbage collector out of the hot path. A token never
 * spans lines (strings and tags end at the end of their line; comments are not tokens).
 */
export class Token {
  /** `number`: value with K/M applied; `percent`: the percentage. */
  num: number | undefined = undefined;
  /** `string`: the unescaped value; `tag`: the characters between the quotes. */
  str: string | undefined = undefined;
  /** `tag`: the padded display form, or undefined when the tag is invalid or unterminated. */
  tagValue: string | undefined = undefined;
  /** `tag`/`string`: the closing quote is missing (already reported by the lexer). */
  unterminated = false;
  /** `invalid`: why the text is not a token. */
  error: string | undefined = undefined;
  private cachedRange: Range | undefined = undefined;

  constructor(
    readonly kind: TokenKind,
    /** The source text of the token. */
    readonly text: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    /** True when only whitespace and comments precede the token on its line. */
    readonly lineStart: boolean,
  ) {}

  /** `{start, end}`, shared by the leaf node the parser makes of this token. */
  get range(): Range {
    let r = this.cachedRange;
    if (r === undefined) {
      const len = this.text.length;
      r = this.cachedRange = {
        start: { line: this.line, column: this.column, offset: this.offset },
        end: { line: this.line, column: this.column + len, offset: this.offset + len },
      };
    }
    return r;
  }

  get start(): Position {
    return this.range.start;
  }

  get end(): Position {
    return this.range.end;
  }
}

/** Where a lexer starts when it does not start at the beginning of the text. */
export interface LexStart {
  offset: number;
  line: number;
  lineStartOffset: number;
}

export interface LexResult {
  tokens: Token[];
  comments: Comment[];
  diagnostics: Diagnostic[];
}

/**
 * A piece of the text that does not keep the whole text alive. V8 makes a slice of 13 or more
 * characters a view into its parent string; syntax trees that outlive their text (incremental
 * parsing reuses them across versions, core/incremental.ts) would otherwise pin every version
 * of the document they were parsed from. Concatenating and slicing again copies the characters.
 */
function ownCopy(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
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
/** `| , ; ( ) { } =` */
const PUNCT_TEXT: Record<number, string> = { 124: '|', 44: ',', 59: ';', 40: '(', 41: ')', 123: '{', 125: '}', 61: '=' };
function isPunct(c: number): boolean {
  return c === 124 || c === 44 || c === 59 || c === 40 || c === 41 || c === 123 || c === 125 || c === CH_EQ;
}

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
    isPunct(c)
  );
}

/** A short, printable rendering of source text for messages (`'foo'`, `'\u0000'`). */
export function quoteForMessage(text: string): string {
  let s = text.length > 24 ? text.slice(0, 24) + '…' : text;
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  return `'${s}'`;
}

/** All tokens of a text at once (tests, tools). The parser pulls them one by one from `Lexer`. */
export function tokenize(text: string): LexResult {
  const lexer = new Lexer(text);
  const tokens: Token[] = [];
  for (;;) {
    const t = lexer.next();
    tokens.push(t);
    if (t.kind === 'eof') break;
  }
  return { tokens, comments: lexer.comments, diagnostics: lexer.diagnostics };
}

/**
 * Produces tokens on demand, so that only the few the parser looks ahead at are alive at
 * once: on a 100k-line script this keeps ~800k short-lived token objects out of the old
 * generation of the garbage collector.
 */
export class Lexer {
  readonly comments: Comment[] = [];
  /** Unterminated strings, tags and block comments (the token is still produced). */
  readonly diagnostics: Diagnostic[] = [];
  private i = 0;
  private line = 1;
  private lineStartOffset = 0;
  private atLineStart = true;
  private readonly n: number;

  /**
   * `start`: lex from the middle of a text (an incremental parse resuming after a declaration
   * it keeps): the offset, its line, and where that line starts. The default is the beginning.
   */
  constructor(
    private readonly text: string,
    start?: LexStart,
  ) {
    this.n = text.length;
    if (start && start.offset > 0) {
      this.i = start.offset;
      this.line = start.line;
      this.lineStartOffset = start.lineStartOffset;
      this.atLineStart = start.offset === start.lineStartOffset;
    }
  }

  private pos(offset: number): Position {
    return { line: this.line, column: offset - this.lineStartOffset + 1, offset };
  }

  private syntaxError(start: Position, end: Position, message: string): void {
    this.diagnostics.push({ rule: 'syntax-error', severity: 'error', range: { start, end }, message });
  }

  private make(kind: TokenKind, startOffset: number, startColumn: number, text?: string): Token {
    const tok = new Token(kind, text ?? ownCopy(this.text.slice(startOffset, this.i)), startOffset, this.line, startColumn, this.atLineStart);
    this.atLineStart = false;
    return tok;
  }

  /** The next token; after the end of the text, `eof` forever. */
  next(): Token {
    const text = this.text;
    const n = this.n;
    while (this.i < n) {
      const c = text.charCodeAt(this.i);

      // Line breaks: \n, \r\n, \r.
      if (c === CH_LF || c === CH_CR) {
        this.i += c === CH_CR && text.charCodeAt(this.i + 1) === CH_LF ? 2 : 1;
        this.line++;
        this.lineStartOffset = this.i;
        this.atLineStart = true;
        continue;
      }
      if (isSpace(c)) {
        this.i++;
        continue;
      }

      const startOffset = this.i;
      const startColumn = startOffset - this.lineStartOffset + 1;

      if (isIdentStart(c)) {
        let i = this.i + 1;
        while (i < n && isIdentPart(text.charCodeAt(i))) i++;
        this.i = i;
        return this.make('identifier', startOffset, startColumn);
      }

      if (isDigit(c)) return this.lexNumber(startOffset, startColumn);

      if (c === CH_SLASH && text.charCodeAt(this.i + 1) === CH_SLASH) {
        const start = this.pos(startOffset);
        let i = this.i;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === CH_LF || d === CH_CR) break;
          i++;
        }
        this.i = i;
        this.comments.push({ text: ownCopy(text.slice(startOffset, i)), block: false, range: { start, end: this.pos(i) } });
        continue;
      }

      if (c === CH_SLASH && text.charCodeAt(this.i + 1) === CH_STAR) {
        const start = this.pos(startOffset);
        this.i += 2;
        let closed = false;
        while (this.i < n) {
          const d = text.charCodeAt(this.i);
          if (d === CH_STAR && text.charCodeAt(this.i + 1) === CH_SLASH) {
            this.i += 2;
            closed = true;
            break;
          }
          if (d === CH_LF || d === CH_CR) {
            this.i += d === CH_CR && text.charCodeAt(this.i + 1) === CH_LF ? 2 : 1;
            this.line++;
            this.lineStartOffset = this.i;
            continue;
          }
          this.i++;
        }
        const end = this.pos(this.i);
        this.comments.push({ text: ownCopy(text.slice(startOffset, this.i)), block: true, range: { start, end } });
        if (!closed) {
          this.syntaxError(
            start,
            { line: start.line, column: start.column + 2, offset: start.offset + 2 },
            "unterminated block comment: '/*' has no matching '*/', so the rest of the file is ignored",
          );
        }
        continue;
      }

      if (c === CH_DQUOTE) {
        this.i++;
        let value = '';
        let closed = false;
        while (this.i < n) {
          const d = text.charCodeAt(this.i);
          if (d === CH_DQUOTE) {
            this.i++;
            closed = true;
            break;
          }
          if (d === CH_LF || d === CH_CR) break;
          if (d === CH_BACKSLASH) {
            const e = text.charCodeAt(this.i + 1);
            if (e === CH_DQUOTE || e === CH_BACKSLASH) {
              value += text[this.i + 1];
              this.i += 2;
              continue;
            }
          }
          value += text[this.i];
          this.i++;
        }
        const tok = this.make('string', startOffset, startColumn);
        tok.str = value;
        tok.unterminated = !closed;
        if (!closed) this.syntaxError(tok.start, tok.end, 'unterminated string: add \'"\' before the end of the line');
        return tok;
      }

      if (c === CH_SQUOTE) {
        this.i++;
        let closed = false;
        const rawStart = this.i;
        while (this.i < n) {
          const d = text.charCodeAt(this.i);
          if (d === CH_SQUOTE) {
            closed = true;
            break;
          }
          if (d === CH_LF || d === CH_CR) break;
          this.i++;
        }
        const raw = text.slice(rawStart, this.i);
        if (closed) this.i++;
        const tok = this.make('tag', startOffset, startColumn);
        tok.str = raw;
        tok.tagValue = closed ? tagDisplayValue(raw) : undefined;
        tok.unterminated = !closed;
        if (!closed) this.syntaxError(tok.start, tok.end, "unterminated pool tag: add the closing \"'\" (a tag is written 'Abc ')");
        return tok;
      }

      if ((c === CH_EQ || c === CH_BANG) && text.charCodeAt(this.i + 1) === CH_EQ) {
        this.i += 2;
        return this.make('punct', startOffset, startColumn, c === CH_EQ ? '==' : '!=');
      }
      if (isPunct(c)) {
        this.i++;
        return this.make('punct', startOffset, startColumn, PUNCT_TEXT[c]);
      }

      // A run of characters that start no token: one invalid token, one error at most.
      this.i++;
      while (this.i < n && !startsToken(text.charCodeAt(this.i))) this.i++;
      const bad = text.slice(startOffset, this.i);
      const tok = this.make('invalid', startOffset, startColumn, bad);
      tok.error = `${bad.length === 1 ? 'character' : 'characters'} ${quoteForMessage(bad)} ${bad.length === 1 ? 'is' : 'are'} not part of the language`;
      return tok;
    }
    this.atLineStart = true;
    return this.make('eof', n, n - this.lineStartOffset + 1, '');
  }

  /** Numbers (`4096`, `0x1000`, `4K`, `2M`) and percentages (`5%`, `0.5%`). */
  private lexNumber(startOffset: number, startColumn: number): Token {
    const text = this.text;
    const n = this.n;
    let i = this.i;
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
    this.i = i;
    if (problem) {
      const bad = this.make('invalid', startOffset, startColumn);
      bad.error = `${quoteForMessage(text.slice(startOffset, i))} is not a valid number: ${problem}`;
      return bad;
    }
    const tok = this.make(isPercent ? 'percent' : 'number', startOffset, startColumn);
    tok.num = value;
    return tok;
  }
}
