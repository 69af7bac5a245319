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
import type { Range } from '../../core/ast';
import type { DocumentModel } from '../services/model';
import { toLspRange } from './convert';

export function documentSymbols(model: DocumentModel): DocumentSymbol[] {
  const out: Array<{ at: number; symbol: DocumentSymbol }> = [];
  if (model.driver) {
    out.push({
      at: model.driver.range.start.offset,
      symbol: { name: model.driver.name || 'driver', detail: 'driver', kind: SymbolKind.Module, range: toLspRange(model.driver.range), selectionRange: toLspRange(model.driver.nameRange) },
    });
  }
  for (const [list, detail, kind] of [
    [model.globals, 'global', SymbolKind.Variable],
    [model.lists, 'list', SymbolKind.Array],
  ] as const) {
    for (const g of list) {
      out.push({ at: g.range.start.offset, symbol: { name: g.name, detail, kind, range: toLspRange(g.declRange), selectionRange: toLspRange(g.range) } });
    }
  }
  for (const r of model.routines) {
    if (!r.name) continue;
    out.push({
      at: r.range.start.offset,
      symbol: {
        name: r.name,
        detail: r.kind === 'dispatch' && r.major ? `dispatch ${r.major}` : r.kind,
        kind: r.kind === 'routine' ? SymbolKind.Function : SymbolKind.Method,
        range: toLspRange(r.range),
        selectionRange: toLspRange(r.nameRange),
      },
    });
  }
  for (const s of model.scenarios) {
    out.push({
      at: s.range.start.offset,
      symbol: { name: s.name || 'scenario', detail: 'scenario', kind: SymbolKind.Event, range: toLspRange(s.range), selectionRange: toLspRange(s.nameRange) },
    });
  }
  return out.sort((a, b) => a.at - b.at).map((x) => x.symbol);
}

export function foldingRanges(model: DocumentModel): FoldingRange[] {
  return model.folds.map((f) => ({ startLine: f.startLine, endLine: f.endLine, ...(f.comment ? { kind: FoldingRangeKind.Comment } : {}) }));
}

/**
 * Standard token types only, so every theme colours them without client contributions:
 * tags are strings with the `static` modifier (a tag is a constant ULONG), routine kinds are
 * keywords, routine names functions (`declaration` where declared), APIs functions with
 * `defaultLibrary`, pool types / flags / IRP_MJ codes enum members, globals and lists variables
 * (`static`), locals variables, parameters parameters.
 */
export const SEMANTIC_LEGEND: SemanticTokensLegend = {
  tokenTypes: ['string', 'keyword', 'function', 'enumMember', 'variable', 'parameter'],
  tokenModifiers: ['declaration', 'defaultLibrary', 'static', 'readonly'],
};
const T = { string: 0, keyword: 1, function: 2, enumMember: 3, variable: 4, parameter: 5 };
const M = { declaration: 1, defaultLibrary: 2, static: 4, readonly: 8 };

export function semanticTokens(model: DocumentModel): SemanticTokens {
  const tokens: Array<[Range, number, number]> = [];
  for (const t of model.tags) tokens.push([t.range, T.string, M.static]);
  for (const o of model.occurrences) {
    const type = o.kind === 'routine' ? T.function : o.parameter ? T.parameter : T.variable;
    tokens.push([o.range, type, (o.declaration ? M.declaration : 0) | (o.kind === 'global' || o.kind === 'list' ? M.static : 0)]);
  }
  for (const x of model.extraTokens) {
    if (x.type === 'kind') tokens.push([x.range, T.keyword, 0]);
    else if (x.type === 'api') tokens.push([x.range, T.function, M.defaultLibrary]);
    else if (x.type === 'major') tokens.push([x.range, T.enumMember, M.readonly]);
    else tokens.push([x.range, T.enumMember, M.readonly | M.defaultLibrary]);
  }
  tokens.sort((a, b) => a[0].start.offset - b[0].start.offset);
  const builder = new SemanticTokensBuilder();
  let lastEnd = -1;
  for (const [range, type, mods] of tokens) {
    // Tokens are single-line and must not overlap.
    if (range.start.line !== range.end.line || range.start.offset < lastEnd) continue;
    const length = range.end.column - range.start.column;
    if (length <= 0) continue;
    builder.push(range.start.line - 1, range.start.column - 1, length, type, mods);
    lastEnd = range.end.offset;
  }
  return builder.build();
}

export const RUN_SCENARIO_COMMAND = 'poolscope.runScenario';
export const RUN_SCENARIO_WITH_HIT_TAG_COMMAND = 'poolscope.runScenarioWithHitTag';

/** Two lenses on the line of each `scenario` keyword; the client implements both commands. */
export function scenarioLenses(uri: string, model: DocumentModel): CodeLens[] {
  const out: CodeLens[] = [];
  for (const s of model.scenarios) {
    if (!s.name) continue;
    const start = toLspRange(s.range).start;
    const range = { start, end: start };
    out.push({ range, command: { title: 'Run scenario', command: RUN_SCENARIO_COMMAND, arguments: [uri, s.name] } });
    out.push({ range, command: { title: 'Run with PoolHitTag…', command: RUN_SCENARIO_WITH_HIT_TAG_COMMAND, arguments: [uri, s.name] } });
  }
  return out;
}
