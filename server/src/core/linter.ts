/**
 * The lint pipeline that the language server, the CLI and the tests share (rules.md):
 * parse → check (symbols and structural rules) → every rule of `RULES` → silencing comments →
 * configured severities → sorted by position → "Disable <rule> for this line" appended last
 * to each diagnostic's fixes.
 *
 * A rule that throws loses only its own findings (recorded in `internalErrors`); a broken
 * script still gets every other diagnostic.
 */
import { emptyScript, type Comment, type Range, type Script } from './ast';
import { check } from './checker';
import type { ConfiguredSeverity, Diagnostic, QuickFix, RuleName, Severity } from './diagnostics';
import { LineMap, compareRanges, indentationOf, lineBreakOf } from './fixes';
import { parseIncremental, type ParseSnapshot } from './incremental';
import { parse } from './parser';
import { RULES } from './rules/index';
import { forgetOwnershipModel } from './analysis/program';
import { forgetProgramModel } from './analysis/irql';
import { RULE_META, RULE_META_BY_NAME } from './rules/meta';
import type { RuleContext, RuleDefinition } from './rules/rule';
import type { SymbolTable } from './symbols';

export interface LintOptions {
  /** Path or URI of the document, for messages and related information. */
  file?: string;
  /** Configured severities (VS Code `poolscope.rules`, CLI `--rule`): rule → off|hint|info|warning|error. */
  rules?: Record<string, ConfiguredSeverity>;
  /** Tags used elsewhere (e.g. the workspace) that fixes inventing a tag must avoid. */
  usedTags?: ReadonlySet<string>;
  /** The rules to run instead of `RULES` (tests, embedders that want a subset). */
  ruleSet?: readonly RuleDefinition[];
  /**
   * Parse incrementally (core/incremental.ts): reuse the syntax trees of the declarations an
   * edit did not touch in `previous`, the `parseSnapshot` of the last lint of this document.
   * That lint's result must no longer be in use: its tree now belongs to this one.
   */
  incremental?: { previous: ParseSnapshot | undefined };
}

/** A rule (or the parser/checker) that threw: its findings are missing, the rest are not. */
export interface InternalError {
  rule: string;
  message: string;
}

export interface LintResult {
  script: Script;
  symbols: SymbolTable;
  diagnostics: Diagnostic[];
  internalErrors?: InternalError[];
  /** With `incremental`: what the next lint of this document parses incrementally from. */
  parseSnapshot?: ParseSnapshot;
}

export const SEVERITIES: readonly ConfiguredSeverity[] = ['off', 'hint', 'info', 'warning', 'error'];
const SEVERITY_SET: ReadonlySet<string> = new Set(SEVERITIES);

/** Every rule name a configuration or a silencing comment may use. */
export const RULE_NAMES: readonly RuleName[] = RULE_META.map((m) => m.name);

export function isRuleName(name: string): name is RuleName {
  return RULE_META_BY_NAME.has(name);
}

// ---------------------------------------------------------------- configuration

export interface RulesConfigProblem {
  /** The offending key (rule name) of the configuration. */
  rule: string;
  message: string;
}

export interface RulesConfigValidation {
  /** The valid entries. */
  rules: Record<string, ConfiguredSeverity>;
  problems: RulesConfigProblem[];
}

/**
 * Validates a rules configuration (`poolscope.rules`, `--rule name=severity`): unknown rule names
 * and unknown severities are problems with a message that says what would be accepted. Valid
 * entries are kept, so a server can apply the rest of a half-wrong setting.
 */
export function validateRulesConfig(config: unknown): RulesConfigValidation {
  const rules: Record<string, ConfiguredSeverity> = {};
  const problems: RulesConfigProblem[] = [];
  if (config === undefined || config === null) return { rules, problems };
  if (typeof config !== 'object' || Array.isArray(config)) {
    problems.push({ rule: '', message: 'the rules setting must be an object of rule name → off|hint|info|warning|error' });
    return { rules, problems };
  }
  for (const [rule, value] of Object.entries(config as Record<string, unknown>)) {
    if (!isRuleName(rule)) {
      problems.push({ rule, message: `unknown rule '${rule}'${suggestRule(rule)}` });
      continue;
    }
    if (typeof value !== 'string' || !SEVERITY_SET.has(value)) {
      problems.push({
        rule,
        message: `unknown severity ${JSON.stringify(value)} for rule '${rule}' (use one of: ${SEVERITIES.join(', ')})`,
      });
      continue;
    }
    rules[rule] = value as ConfiguredSeverity;
  }
  return { rules, problems };
}

/** " (did you mean 'shared-tag'?)" for a near miss, else the empty string. */
export function suggestRule(name: string): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of RULE_NAMES) {
    const d = editDistance(name.toLowerCase(), candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? ` (did you mean '${best}'?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

// ---------------------------------------------------------------- silencing comments

export const DISABLE_NEXT_LINE = 'poolscope-disable-next-line';
export const DISABLE = 'poolscope-disable';

/** One `// poolscope-disable[-next-line] rule-a, rule-b` comment. */
export interface SilencingDirective {
  kind: 'next-line' | 'rest-of-file';
  comment: Comment;
  /** The rule names as written, with their ranges; empty = every rule. */
  names: { name: string; range: Range }[];
  /** The line the directive applies to (next-line) or from (rest-of-file). */
  line: number;
}

const DIRECTIVE = /^(\/\/|\/\*)(\s*)(poolscope-disable-next-line|poolscope-disable)(?=\s|\*\/|$)/;

/**
 * Finds the silencing directives among the script's comments. The directive must open the
 * comment; names are separated by commas or spaces, and ` -- text` after them is a free reason.
 */
export function silencingDirectives(script: Script, map: LineMap): SilencingDirective[] {
  const out: SilencingDirective[] = [];
  for (const comment of script.comments) {
    const m = DIRECTIVE.exec(comment.text);
    if (!m) continue;
    const kind = m[3] === DISABLE_NEXT_LINE ? 'next-line' : 'rest-of-file';
    let body = comment.text.slice(m[0].length);
    if (comment.block) body = body.replace(/\*\/$/, '');
    const reason = body.indexOf('--');
    if (reason >= 0) body = body.slice(0, reason);
    const names: SilencingDirective['names'] = [];
    const base = comment.range.start.offset + m[0].length;
    const word = /[^\s,]+/g;
    let w: RegExpExecArray | null;
    while ((w = word.exec(body))) {
      const start = base + w.index;
      names.push({ name: w[0], range: { start: map.positionAt(start), end: map.positionAt(start + w[0].length) } });
    }
    out.push({
      kind,
      comment,
      names,
      line: kind === 'next-line' ? comment.range.end.line + 1 : comment.range.start.line,
    });
  }
  return out;
}

function silences(directive: SilencingDirective, d: Diagnostic): boolean {
  const line = d.range.start.line;
  if (directive.kind === 'next-line' ? line !== directive.line : line < directive.line) return false;
  return directive.names.length === 0 || directive.names.some((n) => n.name === d.rule);
}

// ---------------------------------------------------------------- the pipeline

/** The symbol table of last resort, for when the checker itself fails: names only, calls unresolved. */
function minimalSymbols(script: Script): SymbolTable {
  const routines = new Map(script.routines.map((r) => [r.name.name, r] as const));
  const globals = new Map(script.globals.flatMap((g) => g.names.map((n) => [n.name, n] as const)));
  const lists = new Map(script.lists.flatMap((g) => g.names.map((n) => [n.name, n] as const)));
  return {
    script,
    routines,
    globals,
    lists,
    entry: script.routines.find((r) => r.kind === 'entry'),
    unload: script.routines.find((r) => r.kind === 'unload'),
    dispatch: new Map(),
    locals: new Map(),
    resolveCall: () => ({ kind: 'unknown' }),
    routineAt: (offset) => script.routines.find((r) => r.range.start.offset <= offset && offset < r.range.end.offset),
  };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function lint(text: string, options: LintOptions = {}): LintResult {
  const internalErrors: InternalError[] = [];
  const found: Diagnostic[] = [];

  let script: Script;
  let parseSnapshot: ParseSnapshot | undefined;
  try {
    const inc = options.incremental ? parseIncremental(text, options.incremental.previous) : undefined;
    const parsed = inc ? inc.result : parse(text);
    script = parsed.script;
    found.push(...parsed.diagnostics);
    parseSnapshot = inc?.snapshot;
  } catch (e) {
    internalErrors.push({ rule: 'syntax-error', message: errorMessage(e) });
    script = emptyScript();
  }

  let symbols: SymbolTable;
  try {
    const checked = check(script);
    symbols = checked.symbols;
    found.push(...checked.diagnostics);
  } catch (e) {
    internalErrors.push({ rule: 'checker', message: errorMessage(e) });
    symbols = minimalSymbols(script);
  }

  const ctx: RuleContext = { text, file: options.file ?? '', script, symbols, usedTags: options.usedTags };
  for (const rule of options.ruleSet ?? RULES) {
    try {
      found.push(...rule.check(ctx));
    } catch (e) {
      internalErrors.push({ rule: rule.name, message: errorMessage(e) });
    }
  }

  const map = new LineMap(text);
  const directives = silencingDirectives(script, map);
  for (const directive of directives) {
    for (const n of directive.names) {
      if (isRuleName(n.name)) continue;
      found.push({
        rule: 'unknown-rule',
        severity: 'warning',
        range: n.range,
        message: `Unknown rule '${n.name}' in a ${directive.kind === 'next-line' ? DISABLE_NEXT_LINE : DISABLE} comment${suggestRule(n.name)}: it silences nothing.`,
      });
    }
  }

  const configured = options.rules ?? {};
  const diagnostics: Diagnostic[] = [];
  for (const d of found) {
    if (directives.some((dir) => silences(dir, d))) continue;
    const severity = configured[d.rule];
    if (severity === 'off') continue;
    if (severity !== undefined && SEVERITY_SET.has(severity)) d.severity = severity as Severity;
    diagnostics.push(d);
  }

  diagnostics.sort(compareDiagnostics);
  for (const d of diagnostics) d.fixes = [...(d.fixes ?? []), disableForLineFix(d, map)];

  const result: LintResult = { script, symbols, diagnostics, ...(parseSnapshot ? { parseSnapshot } : {}) };
  if (internalErrors.length) result.internalErrors = internalErrors;
  return result;
}

/**
 * Lets the rules' working models of a lint (ownership, IRQL contexts) go while the caller keeps
 * the script and symbols — the language server's worker builds the document model from them
 * after the findings are out, and tens of MB of analysis need not stay alive meanwhile.
 */
export function releaseRuleModels(result: Pick<LintResult, 'script' | 'symbols'>): void {
  forgetOwnershipModel(result.script);
  forgetProgramModel(result.symbols);
}

/** The order of a lint result: by position, then rule name, then message. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return compareRanges(a.range, b.range) || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message);
}

/**
 * "Disable <rule> for this line": a `// poolscope-disable-next-line <rule>` line above the
 * diagnostic's line, indented like it — or the rule added to such a comment already there.
 */
export function disableForLineFix(d: Diagnostic, map: LineMap): QuickFix {
  const title = `Disable ${d.rule} for this line`;
  const line = d.range.start.line;
  const above = line > 1 ? map.lineText(line - 1) : undefined;
  const existing = above !== undefined ? /^([ \t]*\/\/\s*poolscope-disable-next-line)([^\n]*?)(\s*--.*)?\s*$/.exec(above) : null;
  if (existing) {
    // Extend the names list, before any `-- reason`.
    const names = existing[2];
    const at = map.lineStart(line - 1) + existing[1].length + names.length;
    const sep = names.trim().length > 0 ? ', ' : ' ';
    const pos = map.positionAt(at);
    return { title, kind: 'quickfix', edits: [{ range: { start: pos, end: pos }, newText: `${sep}${d.rule}` }] };
  }
  const start = map.positionAt(map.lineStart(line));
  const indent = indentationOf(map.lineText(line));
  return {
    title,
    kind: 'quickfix',
    edits: [{ range: { start, end: start }, newText: `${indent}// ${DISABLE_NEXT_LINE} ${d.rule}${lineBreakOf(map.text)}` }],
  };
}
