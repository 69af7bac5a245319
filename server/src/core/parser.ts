/**
 * The parser of driver model scripts: tokens → the AST of `ast.ts` (language.md, v1 grammar).
 *
 * Contract points this file implements (language.md, "Error recovery"):
 * - It never throws. Syntax errors are `syntax-error` diagnostics; one mistake gives one
 *   error. Two errors are never reported at the same token, which is what keeps cascades out.
 * - A missing `;` is reported once — on the next token when it is on the same line, else just
 *   after the statement — and treated as inserted.
 * - A declaration keyword at the start of a line where a statement (or scenario step) is
 *   expected closes every open block: one `syntax-error` for the missing `}` and the new
 *   declaration parses normally.
 * - A statement that fails to parse becomes an `ErrorStatement` (still declaring the local it
 *   assigns); parsing resumes after the next `;` or before the next `}` at the same nesting.
 * - Statements and scenario steps nest at most `MAX_NESTING` deep; deeper text is one
 *   `syntax-error` and is skipped, so no input can exhaust the stack of this parser or of the
 *   recursive walks over the tree that follow it.
 */
import type {
  Argument,
  Block,
  Call,
  Comment,
  Condition,
  Declaration,
  DriverDeclaration,
  Expression,
  GlobalDeclaration,
  Identifier,
  ListDeclaration,
  NumberLiteral,
  PercentLiteral,
  Position,
  Range,
  Routine,
  RoutineKind,
  Scenario,
  ScenarioStep,
  Script,
  Statement,
  StringLiteral,
  TagLiteral,
} from './ast';
import { emptyScript } from './ast';
import type { Diagnostic } from './diagnostics';
import { Lexer, quoteForMessage, type LexStart, type Token } from './lexer';

/** Deepest nesting of statements / scenario steps the parser accepts (documented in docs/language.md). */
export const MAX_NESTING = 256;

export interface ParseResult {
  script: Script;
  diagnostics: Diagnostic[];
}

const ROUTINE_KINDS: ReadonlySet<string> = new Set(['entry', 'unload', 'dispatch', 'dpc', 'completion', 'workitem', 'routine']);
/** Keywords that start a top-level declaration. */
export const DECLARATION_KEYWORDS: ReadonlySet<string> = new Set([...ROUTINE_KINDS, 'scenario', 'driver', 'global', 'list']);
/** Keywords of statements and expressions. */
export const STATEMENT_KEYWORDS: ReadonlySet<string> = new Set(['push', 'foreach', 'in', 'if', 'else', 'repeat', 'return', 'pop', 'NULL', 'chance']);
/** Words that can never name a routine, global, list, local or parameter. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([...DECLARATION_KEYWORDS, ...STATEMENT_KEYWORDS]);
/** Words that start a scenario step. */
export const STEP_KEYWORDS: ReadonlySet<string> = new Set(['load', 'unload', 'irp', 'dpc', 'workitem', 'call', 'repeat', 'process', 'snapshot', 'hittag']);

/**
 * The names a piece of broken statement text mentions, keywords excluded, each once (for
 * `ErrorStatement.names`). Lexes the slice again: only text that failed to parse pays for it.
 */
function namesIn(text: string): string[] {
  const names = new Set<string>();
  const lexer = new Lexer(text);
  for (let t = lexer.next(); t.kind !== 'eof'; t = lexer.next()) {
    if (t.kind === 'identifier' && !RESERVED_WORDS.has(t.text)) names.add(t.text);
  }
  return [...names];
}

/** Appends declarations to a script and to its per-kind views (the first `driver` wins). */
export function addDeclarations(script: Script, declarations: readonly Declaration[]): void {
  for (const decl of declarations) {
    script.declarations.push(decl);
    switch (decl.type) {
      case 'driver':
        script.driver ??= decl;
        break;
      case 'global':
        script.globals.push(decl);
        break;
      case 'list':
        script.lists.push(decl);
        break;
      case 'routine':
        script.routines.push(decl);
        break;
      case 'scenario':
        script.scenarios.push(decl);
        break;
    }
  }
}

/** Thrown inside a statement after its error was reported; caught where the statement began. */
class StatementFailed {}
const FAILED = new StatementFailed();

export function parse(text: string): ParseResult {
  try {
    return new Parser(text).parseScript();
  } catch (e) {
    // Defence in depth: the contract says parse() never throws. A bug here must not take the
    // language server down; report it as one syntax error at the start of the file.
    const script = emptyScript();
    const range: Range = script.range;
    return {
      script,
      diagnostics: [
        { rule: 'syntax-error', severity: 'error', range, message: `internal parser error: ${e instanceof Error ? e.message : String(e)}` },
      ],
    };
  }
}

/** What a parse of part of a text found (see `parseDeclarationsFrom`). */
export interface PartialParse {
  declarations: Declaration[];
  comments: Comment[];
  /** Lexer and parser diagnostics, by offset. */
  diagnostics: Diagnostic[];
  /** The end of the text, when the parse reached it. */
  end: Position;
}

/**
 * Parses top-level declarations from `start` (just after a declaration the caller keeps) until
 * `stopBefore` accepts the token a declaration would start at, or the end of the text. The
 * parse is the one `parse` would make of that stretch, provided nothing before `start` is open
 * (incremental.ts checks that). Throws only on a parser bug, like `Parser` itself.
 */
export function parseDeclarationsFrom(text: string, start: LexStart, stopBefore: (t: Token, nothingPeeked: boolean) => boolean): PartialParse {
  const parser = new Parser(text, start);
  const declarations = parser.parseDeclarations(stopBefore);
  return parser.partial(declarations);
}

class Parser {
  private readonly lexer: Lexer;
  private readonly comments: Comment[];
  private readonly diagnostics: Diagnostic[] = [];
  /** Offsets at which a syntax error was reported: never two at one place. */
  private readonly reportedAt = new Set<number>();
  /** How many of the lexer's diagnostics are already in `reportedAt`. */
  private lexerErrorsSeen = 0;
  /** The current token, and the tokens peeked beyond it (rarely more than two). */
  private cur: Token;
  private readonly ahead: Token[] = [];
  /** Tokens consumed so far (recovery uses it to make sure it made progress). */
  private consumed = 0;
  private depth = 0;
  /** Parentheses opened and not closed since the current statement or step began. */
  private parenDepth = 0;
  /** `consumed` when the current statement, step or declaration began. */
  private constructStart = 0;
  /**
   * Further `name =` found while skipping a broken statement, waiting for the enclosing block: a
   * stack shared by the open blocks, each owning the entries past the length it had on entry.
   */
  private readonly skippedAssigns: Identifier[] = [];
  /** The last consumed token: its end is where a statement or node that ends now ends. */
  private prevTok: Token | undefined;

  constructor(
    private readonly text: string,
    start?: LexStart,
  ) {
    this.lexer = new Lexer(text, start);
    this.comments = this.lexer.comments;
    this.cur = this.lexer.next();
  }

  // ------------------------------------------------------------------ token helpers

  /** End of the last consumed token (start of the text before any). */
  private get prevEnd(): Position {
    return this.prevTok ? this.prevTok.end : { line: 1, column: 1, offset: 0 };
  }

  private get tok(): Token {
    return this.cur;
  }

  /** The token `n` places after the current one (`peek(0)` is the current token). */
  private peek(n: number): Token {
    if (n === 0) return this.cur;
    while (this.ahead.length < n) {
      const last = this.ahead.length ? this.ahead[this.ahead.length - 1] : this.cur;
      this.ahead.push(last.kind === 'eof' ? last : this.lexer.next());
    }
    return this.ahead[n - 1];
  }

  private advance(): Token {
    const t = this.cur;
    if (t.kind !== 'eof') {
      this.consumed++;
      if (t.kind === 'punct') {
        if (t.text === '(') this.parenDepth++;
        else if (t.text === ')' && this.parenDepth > 0) this.parenDepth--;
      }
      this.cur = this.ahead.length ? this.ahead.shift()! : this.lexer.next();
    }
    this.prevTok = t;
    return t;
  }

  private isPunct(t: Token, p: string): boolean {
    return t.kind === 'punct' && t.text === p;
  }

  private isWord(t: Token, w: string): boolean {
    return t.kind === 'identifier' && t.text === w;
  }

  /** A name usable for a routine, global, list, local or parameter. */
  private isName(t: Token): boolean {
    return t.kind === 'identifier' && !RESERVED_WORDS.has(t.text);
  }

  /** How the message names what was found. */
  private found(t: Token): string {
    switch (t.kind) {
      case 'eof':
        return 'end of file';
      case 'invalid':
        return `${quoteForMessage(t.text)} (${t.error})`;
      case 'identifier':
        return RESERVED_WORDS.has(t.text) ? `keyword '${t.text}'` : `'${t.text}'`;
      default:
        return quoteForMessage(t.text);
    }
  }

  private report(range: Range, message: string): void {
    // The lexer has already reported what it found up to the lookahead; never add a second
    // error where it put one (an unterminated string is not also "expected ';'").
    const lexed = this.lexer.diagnostics;
    while (this.lexerErrorsSeen < lexed.length) this.reportedAt.add(lexed[this.lexerErrorsSeen++].range.start.offset);
    if (this.reportedAt.has(range.start.offset)) return;
    this.reportedAt.add(range.start.offset);
    this.diagnostics.push({ rule: 'syntax-error', severity: 'error', range, message });
  }

  /** Reports "expected X, found Y" at the current token and abandons the statement. */
  private fail(expected: string): never {
    const t = this.tok;
    const message = `expected ${expected}, found ${this.found(t)}`;
    const prev = this.prevTok;
    if (prev && this.consumed > this.constructStart && t.line > prev.line) {
      // The construct stopped short at the end of a line (`ExFree` being typed above the
      // next statement): the mistake is on that line, like a missing ';'.
      this.report({ start: prev.end, end: prev.end }, message);
    } else {
      this.report(t.range, message);
    }
    throw FAILED;
  }

  /** Past `MAX_NESTING` levels: one error, and the over-deep text is skipped as one statement. */
  private tooDeep(): never {
    const t = this.tok;
    this.report(
      { start: t.start, end: t.end },
      `nesting deeper than ${MAX_NESTING} levels is not supported: this statement and everything inside it are skipped`,
    );
    throw FAILED;
  }

  private expectPunct(p: string, context: string): Token {
    if (this.isPunct(this.tok, p)) return this.advance();
    return this.fail(`'${p}' ${context}`);
  }

  private expectName(what: string): Identifier {
    const t = this.tok;
    if (this.isName(t)) {
      this.advance();
      return ident(t);
    }
    return this.fail(what);
  }

  /** `;` ending a statement, declaration or step: when missing, reported once and treated as inserted. */
  private expectSemicolon(after: string): void {
    const t = this.tok;
    if (this.isPunct(t, ';')) {
      this.advance();
      return;
    }
    const message = `expected ';' after ${after}, found ${this.found(t)}`;
    if (t.kind !== 'eof' && t.start.line === this.prevEnd.line) {
      this.report(t.range, message);
    } else {
      this.report({ start: this.prevEnd, end: this.prevEnd }, message);
    }
  }

  /**
   * A declaration keyword as the first token of a line, where a statement or step is
   * expected: the user forgot a `}` (language.md, "Error recovery"). In a scenario, `dpc`,
   * `workitem` and `unload` are also steps; there they close only when they read like a
   * declaration (`dpc Name {` or `dpc Name (`).
   */
  private atDeclarationStart(inScenario: boolean): boolean {
    const t = this.tok;
    if (!t.lineStart || t.kind !== 'identifier' || !DECLARATION_KEYWORDS.has(t.text)) return false;
    if (inScenario && STEP_KEYWORDS.has(t.text)) {
      const next = this.peek(1);
      const after = this.peek(2);
      return next.kind === 'identifier' && (this.isPunct(after, '{') || this.isPunct(after, '('));
    }
    return true;
  }

  /**
   * Skips the rest of a statement that failed: through the next `;` at this nesting, or a
   * whole `{ … }` group, stopping before a `}` that closes an enclosing block or a
   * declaration keyword at the start of a line. Always makes progress unless it stands on
   * one of those stop tokens.
   */
  private resync(inScenario: boolean, startConsumed: number, assigned?: Identifier[]): void {
    let depth = 0;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof') return;
      if (this.atDeclarationStart(inScenario)) return;
      // A broken statement that has consumed something ends at a line that starts a new
      // statement outside any parentheses: a half-typed line does not swallow the next one.
      if (this.consumed > startConsumed && t.lineStart && depth === 0 && this.parenDepth === 0 && this.startsStatement(t, inScenario)) return;
      // `name =` inside the skipped text still declares `name` (no unknown-name cascade).
      if (assigned && this.isName(t) && this.isPunct(this.peek(1), '=')) assigned.push(ident(t));
      depth = this.skipToken(depth, true);
      if (depth < 0) return;
    }
  }

  /**
   * One token of skipping broken text: a `;` at nesting 0 ends the skip (consumed), `{` nests,
   * `}` un-nests and ends the skip when it closes the outermost group (consumed). A `}` at
   * nesting 0 closes an enclosing block: with `keepStrayBrace` it is left for that block,
   * otherwise consumed. Returns the new nesting, or -1 when the skip is over.
   */
  private skipToken(depth: number, keepStrayBrace: boolean): number {
    const t = this.tok;
    if (t.kind === 'punct') {
      if (t.text === ';' && depth === 0) {
        this.advance();
        return -1;
      }
      if (t.text === '}') {
        if (depth === 0 && keepStrayBrace) return -1;
        this.advance();
        return depth <= 1 ? -1 : depth - 1;
      }
      if (t.text === '{') depth++;
    }
    this.advance();
    return depth;
  }

  /** A token that can only begin a statement (or a step): `name =`, `name(`, a statement keyword. */
  private startsStatement(t: Token, inScenario: boolean): boolean {
    if (t.kind !== 'identifier') return false;
    if (inScenario) return STEP_KEYWORDS.has(t.text);
    if (t.text === 'push' || t.text === 'foreach' || t.text === 'if' || t.text === 'repeat' || t.text === 'return') return true;
    if (!this.isName(t)) return false;
    const next = this.peek(1);
    return this.isPunct(next, '=') || this.isPunct(next, '(');
  }

  // ------------------------------------------------------------------ script

  parseScript(): ParseResult {
    const script: Script = emptyScript({ start: { line: 1, column: 1, offset: 0 }, end: this.tok.end });
    script.comments = this.comments;
    addDeclarations(script, this.parseDeclarations());
    script.range.end = this.tok.end;
    return { script, diagnostics: this.allDiagnostics() };
  }

  partial(declarations: Declaration[]): PartialParse {
    return { declarations, comments: this.comments, diagnostics: this.allDiagnostics(), end: this.tok.end };
  }

  /** The lexer's diagnostics and the parser's, by offset. */
  private allDiagnostics(): Diagnostic[] {
    const diagnostics = [...this.lexer.diagnostics, ...this.diagnostics];
    diagnostics.sort((a, b) => a.range.start.offset - b.range.start.offset);
    return diagnostics;
  }

  /** Top-level declarations until the end of the text, or until `stopBefore` says stop. */
  parseDeclarations(stopBefore?: (t: Token, nothingPeeked: boolean) => boolean): Declaration[] {
    const declarations: Declaration[] = [];
    while (this.tok.kind !== 'eof') {
      const t = this.tok;
      if (stopBefore?.(t, this.ahead.length === 0)) break;
      const start = this.consumed;
      this.constructStart = start;
      let decl: Declaration | undefined;
      try {
        if (t.kind === 'identifier' && DECLARATION_KEYWORDS.has(t.text)) {
          if (ROUTINE_KINDS.has(t.text)) decl = this.parseRoutine();
          else if (t.text === 'scenario') decl = this.parseScenario();
          else if (t.text === 'driver') decl = this.parseDriver();
          else decl = this.parseNameList(t.text as 'global' | 'list');
        } else if (this.isPunct(t, '}')) {
          // A run of stray braces is one mistake (a block closed too often): one error.
          this.report(t.range, "unexpected '}': no block is open here");
          while (this.isPunct(this.tok, '}')) this.advance();
        } else {
          this.fail('a declaration (driver, global, list, entry, unload, dispatch, dpc, completion, workitem, routine or scenario)');
        }
      } catch (e) {
        if (e !== FAILED) throw e;
        this.resyncTopLevel();
        if (this.consumed === start) this.advance();
      }
      if (decl) declarations.push(decl);
    }
    return declarations;
  }

  /** After a top-level mistake: skip to the next declaration keyword, past balanced braces. */
  private resyncTopLevel(): void {
    let depth = 0;
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof') return;
      if (t.kind === 'identifier' && DECLARATION_KEYWORDS.has(t.text) && (depth === 0 || t.lineStart)) return;
      depth = this.skipToken(depth, false);
      if (depth < 0) return;
    }
  }

  private parseDriver(): DriverDeclaration {
    const kw = this.advance();
    const t = this.tok;
    if (t.kind !== 'string') this.fail(`the driver's file name as a string after 'driver' (driver "MyDriver.sys";)`);
    this.advance();
    const name = stringLit(t);
    this.expectSemicolon('the driver declaration');
    return { type: 'driver', name, range: { start: kw.start, end: this.prevEnd } };
  }

  private parseNameList(kind: 'global' | 'list'): GlobalDeclaration | ListDeclaration {
    const kw = this.advance();
    const what = kind === 'global' ? 'a global name' : 'a list name';
    const names: Identifier[] = [this.expectName(`${what} after '${kind}'`)];
    while (this.isPunct(this.tok, ',')) {
      this.advance();
      names.push(this.expectName(`${what} after ','`));
    }
    this.expectSemicolon(`the ${kind} declaration`);
    return { type: kind, names, range: { start: kw.start, end: this.prevEnd } } as GlobalDeclaration | ListDeclaration;
  }

  // ------------------------------------------------------------------ routines

  private parseRoutine(): Routine {
    const kw = this.advance();
    const kind = kw.text as RoutineKind;
    let major: Identifier | undefined;
    let name: Identifier | undefined;

    if (kind === 'dispatch') {
      const a = this.tok;
      const b = this.peek(1);
      if (this.isName(a) && this.isName(b)) {
        major = ident(this.advance());
      } else if (this.isName(a) && a.text.startsWith('IRP_MJ_')) {
        // `dispatch IRP_MJ_READ {`: the routine name is missing.
        major = ident(this.advance());
      } else if (this.isName(a)) {
        // `dispatch ReadDispatch {`: the major code is missing; `a` is the name.
        this.report({ start: a.start, end: a.end }, `expected an IRP_MJ_* major function code after 'dispatch', found '${a.text}'`);
      } else {
        this.fail(`an IRP_MJ_* major function code after 'dispatch'`);
      }
    }

    const n = this.tok;
    if (this.isName(n)) {
      name = ident(this.advance());
    } else {
      this.report({ start: n.start, end: n.end }, `expected a routine name after '${major ? major.name : kind}', found ${this.found(n)}`);
      name = { type: 'identifier', name: '', range: { start: this.prevEnd, end: this.prevEnd } };
    }

    const params: Identifier[] = [];
    if (this.isPunct(this.tok, '(')) this.parseParams(params);

    let body: Block;
    if (this.isPunct(this.tok, '{')) {
      body = this.parseBlock(this.advance(), name.name || kind);
    } else {
      const t = this.tok;
      this.report(t.range, `expected '{' to start the body of ${describeRoutine(kind, name.name)}, found ${this.found(t)}`);
      // Look a little ahead for the body's '{' (e.g. `dpc Timer Dpc {`); otherwise the body is empty.
      let j = 0;
      for (; j < 32; j++) {
        const u = this.peek(j);
        if (u.kind === 'eof' || this.isPunct(u, '{') || this.isPunct(u, ';') || this.isPunct(u, '}')) break;
        if (j > 0 && u.lineStart && u.kind === 'identifier' && DECLARATION_KEYWORDS.has(u.text)) break;
      }
      if (this.isPunct(this.peek(j), '{')) {
        for (let k = 0; k < j; k++) this.advance();
        body = this.parseBlock(this.advance(), name.name || kind);
      } else {
        if (this.isPunct(this.peek(j), ';')) for (let k = 0; k <= j; k++) this.advance();
        body = { type: 'block', statements: [], range: { start: this.prevEnd, end: this.prevEnd } };
      }
    }
    return {
      type: 'routine',
      kind,
      kindRange: { start: kw.start, end: kw.end },
      major,
      name,
      params,
      body,
      range: { start: kw.start, end: this.prevEnd },
    };
  }

  private parseParams(params: Identifier[]): void {
    this.advance(); // '('
    if (this.isPunct(this.tok, ')')) {
      this.advance();
      return;
    }
    for (;;) {
      const t = this.tok;
      if (this.isName(t)) {
        params.push(ident(this.advance()));
      } else {
        this.report(t.range, `expected a parameter name, found ${this.found(t)}`);
        this.skipToParamsEnd();
        return;
      }
      if (this.isPunct(this.tok, ',')) {
        this.advance();
        continue;
      }
      if (this.isPunct(this.tok, ')')) {
        this.advance();
        return;
      }
      const u = this.tok;
      this.report({ start: u.start, end: u.end }, `expected ',' or ')' in the parameter list, found ${this.found(u)}`);
      this.skipToParamsEnd();
      return;
    }
  }

  /** After a bad parameter list: past the ')' if it comes before the body's '{'. */
  private skipToParamsEnd(): void {
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof' || this.isPunct(t, '{') || this.isPunct(t, ';') || this.isPunct(t, '}')) return;
      this.advance();
      if (this.isPunct(t, ')')) return;
    }
  }

  /**
   * `{ statements }` after its `{` was consumed. Closes at `}`, at end of file, or — the
   * user forgot the `}` — at a declaration keyword starting a line (reported once: outer
   * blocks that close at the same token add no error).
   */
  private parseBlock(open: Token, owner: string): Block {
    const statements: Statement[] = [];
    // Entries below `pending` belong to an enclosing block: a broken `if` header's skipped text
    // (`if (chance(0%))) { a = NULL; b = NULL; } else repeat 0 { … }`) declares `b` in the
    // block holding the `if`, not in the `repeat` body parsed after it.
    const pending = this.skippedAssigns.length;
    for (;;) {
      const t = this.tok;
      if (this.isPunct(t, '}')) {
        this.advance();
        break;
      }
      if (t.kind === 'eof' || this.atDeclarationStart(false)) {
        this.report(
          { start: t.start, end: t.end },
          `expected '}' to close the block of ${owner} opened on line ${open.start.line}, found ${this.found(t)}`,
        );
        break;
      }
      statements.push(this.parseStatement(owner));
      if (this.skippedAssigns.length > pending) {
        // More locals assigned inside skipped text (a broken `if` header before a body that
        // assigns): each still declares its local, as a further error statement that
        // contributes nothing else. Their ranges lie inside the statement just parsed.
        for (let i = pending; i < this.skippedAssigns.length; i++) {
          const id = this.skippedAssigns[i];
          statements.push({ type: 'error', assigns: id, range: id.range });
        }
        this.skippedAssigns.length = pending;
      }
    }
    return { type: 'block', statements, range: { start: open.start, end: this.prevEnd } };
  }

  private parseStatement(owner: string): Statement {
    const startIndex = this.consumed;
    const first = this.tok;
    this.parenDepth = 0;
    this.constructStart = startIndex;
    let assigns: Identifier | undefined;
    this.depth++;
    try {
      if (this.depth > MAX_NESTING) {
        this.tooDeep();
      }
      if (this.isPunct(first, '{')) return this.parseBlock(this.advance(), owner);
      if (first.kind !== 'identifier') this.fail('a statement');
      switch (first.text) {
        case 'push': {
          this.advance();
          const list = this.expectName("a list name after 'push'");
          this.expectPunct(',', `after the list name in 'push ${list.name}, pointer'`);
          const value = this.expectName(`the pointer to push into '${list.name}'`);
          this.expectSemicolon('the push statement');
          return { type: 'push', list, value, range: { start: first.start, end: this.prevEnd } };
        }
        case 'foreach': {
          this.advance();
          const variable = this.expectName("a variable name after 'foreach'");
          if (!this.isWord(this.tok, 'in')) this.fail(`'in' after 'foreach ${variable.name}'`);
          this.advance();
          const list = this.expectName("a list name after 'in'");
          const open = this.expectPunct('{', `to start the body of 'foreach ${variable.name} in ${list.name}'`);
          const body = this.parseBlock(open, owner);
          return { type: 'foreach', variable, list, body, range: { start: first.start, end: this.prevEnd } };
        }
        case 'if': {
          this.advance();
          this.expectPunct('(', "after 'if'");
          const condition = this.parseCondition();
          this.expectPunct(')', 'after the condition');
          const then = this.parseBranch(owner, 'if');
          let otherwise: Statement | undefined;
          if (this.isWord(this.tok, 'else')) {
            this.advance();
            otherwise = this.parseBranch(owner, 'else');
          }
          return { type: 'if', condition, then, else: otherwise, range: { start: first.start, end: this.prevEnd } };
        }
        case 'repeat': {
          this.advance();
          const count = this.expectNumber("a repeat count after 'repeat'");
          const open = this.expectPunct('{', `to start the body of 'repeat ${count.text}'`);
          const body = this.parseBlock(open, owner);
          return { type: 'repeat', count, body, range: { start: first.start, end: this.prevEnd } };
        }
        case 'return':
          this.advance();
          this.expectSemicolon("'return'");
          return { type: 'return', range: { start: first.start, end: this.prevEnd } };
        case 'else':
          this.fail("a statement ('else' must follow the statement of an 'if')");
      }
      if (RESERVED_WORDS.has(first.text)) this.fail('a statement');
      const next = this.peek(1);
      if (this.isPunct(next, '=')) {
        const target = ident(this.advance());
        assigns = target;
        this.advance(); // '='
        const value = this.parseExpression(target.name);
        this.expectSemicolon('the assignment');
        return { type: 'assign', target, value, range: { start: first.start, end: this.prevEnd } };
      }
      if (this.isPunct(next, '(')) {
        const call = this.parseCall();
        this.expectSemicolon(`the call to '${call.callee.name}'`);
        return { type: 'callStatement', call, range: { start: first.start, end: this.prevEnd } };
      }
      this.advance();
      return this.fail(`'=' or '(' after '${first.text}'`);
    } catch (e) {
      if (e !== FAILED) throw e;
      const inner: Identifier[] = [];
      // Failed right at the `=` of `name =` (a half-typed `if (` above an assignment).
      const prev = this.prevTok;
      if (this.isPunct(this.tok, '=') && prev && this.isName(prev) && this.consumed > startIndex) inner.push(ident(prev));
      this.resync(false, startIndex, inner);
      if (this.consumed === startIndex) this.advance();
      assigns ??= inner.shift();
      for (const id of inner) this.skippedAssigns.push(id);
      const range = { start: first.start, end: this.prevEnd };
      return { type: 'error', assigns, names: namesIn(this.text.slice(range.start.offset, range.end.offset)), range };
    } finally {
      this.depth--;
    }
  }

  /** The statement of an `if` or `else`; a missing one (`if (x == NULL)` then a declaration) is one error. */
  private parseBranch(owner: string, after: string): Statement {
    const t = this.tok;
    if (t.kind === 'eof' || this.isPunct(t, '}') || this.atDeclarationStart(false)) {
      this.report(t.range, `expected a statement after '${after}', found ${this.found(t)}`);
      return { type: 'error', assigns: undefined, range: { start: this.prevEnd, end: this.prevEnd } };
    }
    return this.parseStatement(owner);
  }

  private parseCondition(): Condition {
    const t = this.tok;
    if (this.isWord(t, 'chance')) {
      this.advance();
      this.expectPunct('(', "after 'chance'");
      const p = this.tok;
      if (p.kind !== 'percent') this.fail("a percentage such as 5% or 0.5% in 'chance(...)'");
      this.advance();
      const percent: PercentLiteral = { type: 'percent', value: p.num!, text: p.text, range: { start: p.start, end: p.end } };
      this.expectPunct(')', "after the percentage of 'chance'");
      return { type: 'chance', percent, range: { start: t.start, end: this.prevEnd } };
    }
    if (this.isName(t)) {
      const variable = ident(this.advance());
      const op = this.tok;
      if (!this.isPunct(op, '==') && !this.isPunct(op, '!=')) this.fail(`'==' or '!=' after '${variable.name}' (conditions compare with NULL)`);
      this.advance();
      if (!this.isWord(this.tok, 'NULL')) this.fail(`NULL after '${op.text}' (a condition compares a pointer with NULL)`);
      this.advance();
      return { type: 'nullCheck', variable, operator: op.text as '==' | '!=', range: { start: t.start, end: this.prevEnd } };
    }
    return this.fail("a condition: 'name == NULL', 'name != NULL' or 'chance(5%)'");
  }

  private parseExpression(target: string): Expression {
    const t = this.tok;
    if (this.isWord(t, 'pop')) {
      this.advance();
      const list = this.expectName("a list name after 'pop'");
      return { type: 'pop', list, range: { start: t.start, end: this.prevEnd } };
    }
    if (this.isWord(t, 'NULL')) {
      this.advance();
      return { type: 'null', range: { start: t.start, end: t.end } };
    }
    if (this.isName(t)) {
      const next = this.peek(1);
      if (this.isPunct(next, '(')) return this.parseCall();
      // `x =` left unfinished above `y = …`: the next line is its own statement.
      if (t.lineStart && this.isPunct(next, '=')) this.fail(`a call, 'pop list', NULL or a name after '${target} ='`);
      this.advance();
      return ident(t);
    }
    return this.fail(`a call, 'pop list', NULL or a name after '${target} ='`);
  }

  private parseCall(): Call {
    const calleeTok = this.advance();
    const callee = ident(calleeTok);
    this.advance(); // '('
    const args: Argument[] = [];
    if (this.isPunct(this.tok, ')')) {
      this.advance();
      return { type: 'call', callee, args, range: { start: calleeTok.start, end: this.prevEnd } };
    }
    for (;;) {
      args.push(this.parseArgument(callee.name));
      if (this.isPunct(this.tok, ',')) {
        this.advance();
        continue;
      }
      if (this.isPunct(this.tok, ')')) {
        this.advance();
        break;
      }
      this.fail(`',' or ')' in the arguments of '${callee.name}'`);
    }
    return { type: 'call', callee, args, range: { start: calleeTok.start, end: this.prevEnd } };
  }

  private parseArgument(callee: string): Argument {
    const t = this.tok;
    switch (t.kind) {
      case 'number':
        this.advance();
        return numberLit(t);
      case 'tag':
        this.advance();
        return tagLit(t);
      case 'string':
        this.advance();
        return stringLit(t);
      case 'percent':
        this.fail(`an argument of '${callee}' (a percentage is only allowed in 'chance(...)')`);
        break;
      case 'identifier': {
        if (RESERVED_WORDS.has(t.text) && t.text !== 'NULL') break;
        this.advance();
        const first = ident(t);
        if (!this.isPunct(this.tok, '|')) return first;
        const names = [first];
        while (this.isPunct(this.tok, '|')) {
          this.advance();
          names.push(this.expectName("a POOL_FLAG_* name after '|'"));
        }
        return { type: 'flags', names, range: { start: t.start, end: this.prevEnd } };
      }
    }
    return this.fail(`an argument of '${callee}' (a number, tag, string or name)`);
  }

  private expectNumber(what: string): NumberLiteral {
    const t = this.tok;
    if (t.kind !== 'number') this.fail(what);
    this.advance();
    return numberLit(t);
  }

  // ------------------------------------------------------------------ scenarios

  private parseScenario(): Scenario {
    const kw = this.advance();
    const t = this.tok;
    let name = '';
    let nameRange: Range = { start: kw.end, end: kw.end };
    if (this.isName(t) || t.kind === 'string') {
      this.advance();
      name = t.kind === 'string' ? (t.str ?? '') : t.text;
      nameRange = { start: t.start, end: t.end };
    } else {
      this.report(t.range, `expected a scenario name (a name or a string) after 'scenario', found ${this.found(t)}`);
    }
    let steps: ScenarioStep[] = [];
    if (this.isPunct(this.tok, '{')) {
      steps = this.parseSteps(this.advance(), `scenario ${quoteForMessage(name)}`);
    } else {
      const u = this.tok;
      this.report({ start: u.start, end: u.end }, `expected '{' to start the steps of scenario ${quoteForMessage(name)}, found ${this.found(u)}`);
      if (this.isPunct(this.tok, ';')) this.advance();
    }
    return { type: 'scenario', name, nameRange, steps, range: { start: kw.start, end: this.prevEnd } };
  }

  /** `{ steps }` after the `{` was consumed; closes like a routine block (see `parseBlock`). */
  private parseSteps(open: Token, owner: string): ScenarioStep[] {
    const steps: ScenarioStep[] = [];
    for (;;) {
      const t = this.tok;
      if (this.isPunct(t, '}')) {
        this.advance();
        break;
      }
      if (t.kind === 'eof' || this.atDeclarationStart(true)) {
        this.report(t.range, `expected '}' to close ${owner} opened on line ${open.start.line}, found ${this.found(t)}`);
        break;
      }
      steps.push(this.parseStep(owner));
    }
    return steps;
  }

  private parseStep(owner: string): ScenarioStep {
    const startIndex = this.consumed;
    const first = this.tok;
    this.parenDepth = 0;
    this.constructStart = startIndex;
    const range = (): Range => ({ start: first.start, end: this.prevEnd });
    this.depth++;
    try {
      if (this.depth > MAX_NESTING) this.tooDeep();
      if (first.kind !== 'identifier' || !STEP_KEYWORDS.has(first.text)) {
        this.fail('a scenario step (load, unload, irp, dpc, workitem, call, repeat, process, snapshot or hittag)');
      }
      this.advance();
      switch (first.text) {
        case 'load':
        case 'unload':
          this.expectSemicolon(`'${first.text}'`);
          return { type: first.text, range: range() };
        case 'irp': {
          const major = this.expectName("an IRP_MJ_* major function code after 'irp'");
          this.expectSemicolon(`'irp ${major.name}'`);
          return { type: 'irp', major, range: range() };
        }
        case 'dpc':
        case 'workitem':
        case 'call': {
          const routine = this.expectName(`a routine name after '${first.text}'`);
          this.expectSemicolon(`'${first.text} ${routine.name}'`);
          return { type: first.text, routine, range: range() };
        }
        case 'repeat': {
          const count = this.expectNumber("a repeat count after 'repeat'");
          const open = this.expectPunct('{', `to start the steps of 'repeat ${count.text}'`);
          const steps = this.parseSteps(open, `the 'repeat' of ${owner}`);
          return { type: 'repeat', count, steps, range: range() };
        }
        case 'process': {
          const t = this.tok;
          if (t.kind !== 'string') this.fail(`a process image name as a string after 'process' (process "app.exe" { … })`);
          this.advance();
          const name = stringLit(t);
          const open = this.expectPunct('{', `to start the steps of 'process ${quoteForMessage(name.value)}'`);
          const steps = this.parseSteps(open, `the 'process' of ${owner}`);
          return { type: 'process', name, steps, range: range() };
        }
        case 'snapshot': {
          let label: StringLiteral | undefined;
          const t = this.tok;
          if (t.kind === 'string') {
            this.advance();
            label = stringLit(t);
          }
          this.expectSemicolon("'snapshot'");
          return { type: 'snapshot', label, range: range() };
        }
        case 'hittag': {
          const t = this.tok;
          let tag: TagLiteral | undefined;
          if (t.kind === 'tag') {
            this.advance();
            tag = tagLit(t);
          } else if (this.isWord(t, 'off')) {
            this.advance();
          } else {
            this.fail("a pool tag ('Abc ') or 'off' after 'hittag'");
          }
          this.expectSemicolon("'hittag'");
          return { type: 'hittag', tag, range: range() };
        }
      }
      return this.fail('a scenario step');
    } catch (e) {
      if (e !== FAILED) throw e;
      this.resync(true, startIndex);
      if (this.consumed === startIndex) this.advance();
      return { type: 'error', range: range() };
    } finally {
      this.depth--;
    }
  }
}

// ------------------------------------------------------------------ node constructors

function ident(t: Token): Identifier {
  return { type: 'identifier', name: t.text, range: t.range };
}

function numberLit(t: Token): NumberLiteral {
  return { type: 'number', value: t.num ?? 0, text: t.text, range: t.range };
}

function stringLit(t: Token): StringLiteral {
  return { type: 'string', value: t.str ?? '', range: t.range };
}

function tagLit(t: Token): TagLiteral {
  return { type: 'tag', raw: t.str ?? '', value: t.tagValue, range: t.range };
}

function describeRoutine(kind: RoutineKind, name: string): string {
  return name ? `${kind} routine '${name}'` : `the ${kind} routine`;
}
