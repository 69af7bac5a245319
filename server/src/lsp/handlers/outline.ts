/** Document symbols (outline), folding ranges, semantic tokens and the scenario code lenses. */
import {
  FoldingRangeKind,
  SemanticTokensBuilder,
  SymbolKind,
  type CodeLens,
  type DocumentSymbol,
  type FoldingRange,
  type SemanticTokens,
  type SemanticTokensLegend,
} from 'vscode-languageserver';
import type { Range, ScenarioStep, Statement } from '../../core/ast';
import type { Analysis } from '../services/analysis';
import type { ScriptIndex } from '../services/occurrences';
import { toLspRange } from './convert';

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const d of analysis.script.declarations) {
    switch (d.type) {
      case 'driver':
        out.push({ name: d.name.value || 'driver', detail: 'driver', kind: SymbolKind.Module, range: toLspRange(d.range), selectionRange: toLspRange(d.name.range) });
        break;
      case 'global':
      case 'list':
        for (const id of d.names) {
          if (!id.name) continue;
          out.push({ name: id.name, detail: d.type, kind: d.type === 'global' ? SymbolKind.Variable : SymbolKind.Array, range: toLspRange(d.range), selectionRange: toLspRange(id.range) });
        }
        break;
      case 'routine':
        if (!d.name.name) break;
        out.push({
          name: d.name.name,
          detail: d.kind === 'dispatch' && d.major ? `dispatch ${d.major.name}` : d.kind,
          kind: d.kind === 'routine' ? SymbolKind.Function : SymbolKind.Method,
          range: toLspRange(d.range),
          selectionRange: toLspRange(d.name.range),
        });
        break;
      case 'scenario':
        out.push({ name: d.name || 'scenario', detail: 'scenario', kind: SymbolKind.Event, range: toLspRange(d.range), selectionRange: toLspRange(d.nameRange) });
        break;
    }
  }
  return out;
}

export function foldingRanges(analysis: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const fold = (r: Range, kind?: FoldingRangeKind): void => {
    // Keep the closing line visible: fold up to the line before the `}`.
    const end = kind === FoldingRangeKind.Comment ? r.end.line - 1 : r.end.line - 2;
    if (end > r.start.line - 1) out.push({ startLine: r.start.line - 1, endLine: end, ...(kind ? { kind } : {}) });
  };
  const statement = (s: Statement): void => {
    switch (s.type) {
      case 'block':
        fold(s.range);
        s.statements.forEach(statement);
        break;
      case 'foreach':
        fold(s.range);
        s.body.statements.forEach(statement);
        break;
      case 'repeat':
        fold(s.range);
        s.body.statements.forEach(statement);
        break;
      case 'if':
        statement(s.then);
        if (s.else) statement(s.else);
        break;
      default:
        break;
    }
  };
  const step = (s: ScenarioStep): void => {
    if (s.type === 'repeat' || s.type === 'process') {
      fold(s.range);
      s.steps.forEach(step);
    }
  };
  for (const r of analysis.script.routines) {
    fold(r.range);
    r.body.statements.forEach(statement);
  }
  for (const s of analysis.script.scenarios) {
    fold(s.range);
    s.steps.forEach(step);
  }
  for (const c of analysis.script.comments) if (c.block) fold(c.range, FoldingRangeKind.Comment);
  // Runs of line comments (the header of a file, a routine's explanation).
  let runStart: Range | undefined;
  let runEnd: Range | undefined;
  for (const c of analysis.script.comments) {
    if (c.block) continue;
    if (runEnd && c.range.start.line === runEnd.start.line + 1) runEnd = c.range;
    else {
      if (runStart && runEnd && runEnd.start.line > runStart.start.line) out.push({ startLine: runStart.start.line - 1, endLine: runEnd.start.line - 1, kind: FoldingRangeKind.Comment });
      runStart = runEnd = c.range;
    }
  }
  if (runStart && runEnd && runEnd.start.line > runStart.start.line) out.push({ startLine: runStart.start.line - 1, endLine: runEnd.start.line - 1, kind: FoldingRangeKind.Comment });
  return out.sort((a, b) => a.startLine - b.startLine);
}

/**
 * Standard token types only, so every theme colours them without client contributions:
 * tags are strings with the `static` modifier (a tag is a constant ULONG), routine kinds are
 * keywords, routine names functions (`declaration` where declared), APIs functions with
 * `defaultLibrary`, pool types / flags / IRP_MJ codes enum members, globals and lists variables.
 */
export const SEMANTIC_LEGEND: SemanticTokensLegend = {
  tokenTypes: ['string', 'keyword', 'function', 'enumMember', 'variable', 'parameter'],
  tokenModifiers: ['declaration', 'defaultLibrary', 'static', 'readonly'],
};
const T = { string: 0, keyword: 1, function: 2, enumMember: 3, variable: 4, parameter: 5 };
const M = { declaration: 1, defaultLibrary: 2, static: 4, readonly: 8 };

export function semanticTokens(analysis: Analysis, index: ScriptIndex): SemanticTokens {
  const tokens: Array<[Range, number, number]> = [];
  const script = analysis.script;
  for (const r of script.routines) {
    tokens.push([r.kindRange, T.keyword, 0]);
    if (r.major) tokens.push([r.major.range, T.enumMember, M.readonly]);
  }
  for (const t of index.tags) tokens.push([t.tag.range, T.string, M.static]);
  for (const o of index.occurrences) {
    const type = o.kind === 'routine' ? T.function : o.kind === 'local' && o.scope?.params.some((p) => p.range === o.range) ? T.parameter : T.variable;
    tokens.push([o.range, type, (o.declaration ? M.declaration : 0) | (o.kind === 'global' || o.kind === 'list' ? M.static : 0)]);
  }
  // API names and constants: found by walking calls.
  const statement = (s: Statement): void => {
    switch (s.type) {
      case 'block':
        s.statements.forEach(statement);
        break;
      case 'assign':
        if (s.value.type === 'call') call(s.value);
        break;
      case 'callStatement':
        call(s.call);
        break;
      case 'foreach':
      case 'repeat':
        statement(s.body);
        break;
      case 'if':
        statement(s.then);
        if (s.else) statement(s.else);
        break;
      default:
        break;
    }
  };
  const call = (c: import('../../core/ast').Call): void => {
    const resolved = analysis.symbols.resolveCall(c);
    if (resolved.kind !== 'api') return;
    tokens.push([c.callee.range, T.function, M.defaultLibrary]);
    c.args.forEach((a, i) => {
      const kind = resolved.api.params[i]?.kind;
      if (kind === 'poolType' || kind === 'poolFlags' || kind === 'irql') {
        const ids = a.type === 'identifier' ? [a] : a.type === 'flags' ? a.names : [];
        for (const id of ids) tokens.push([id.range, T.enumMember, M.readonly | M.defaultLibrary]);
      }
    });
  };
  for (const r of script.routines) statement(r.body);
  const step = (s: ScenarioStep): void => {
    if (s.type === 'irp') tokens.push([s.major.range, T.enumMember, M.readonly]);
    if (s.type === 'repeat' || s.type === 'process') s.steps.forEach(step);
  };
  for (const s of script.scenarios) s.steps.forEach(step);

  tokens.sort((a, b) => a[0].start.offset - b[0].start.offset);
  const builder = new SemanticTokensBuilder();
  let lastOffset = -1;
  for (const [range, type, mods] of tokens) {
    // Tokens are single-line and must not overlap.
    if (range.start.line !== range.end.line || range.start.offset < lastOffset) continue;
    const length = range.end.column - range.start.column;
    if (length <= 0) continue;
    builder.push(range.start.line - 1, range.start.column - 1, length, type, mods);
    lastOffset = range.end.offset;
  }
  return builder.build();
}

export const RUN_SCENARIO_COMMAND = 'poolscope.runScenario';
export const RUN_SCENARIO_WITH_HIT_TAG_COMMAND = 'poolscope.runScenarioWithHitTag';

export function scenarioLenses(uri: string, analysis: Analysis): CodeLens[] {
  const out: CodeLens[] = [];
  for (const s of analysis.script.scenarios) {
    if (!s.name) continue;
    const range = toLspRange(s.nameRange.start.line === s.range.start.line ? s.range : s.nameRange);
    const line = { start: range.start, end: range.start };
    out.push({ range: line, command: { title: 'Run scenario', command: RUN_SCENARIO_COMMAND, arguments: [uri, s.name] } });
    out.push({ range: line, command: { title: 'Run with PoolHitTag…', command: RUN_SCENARIO_WITH_HIT_TAG_COMMAND, arguments: [uri, s.name] } });
  }
  return out;
}
