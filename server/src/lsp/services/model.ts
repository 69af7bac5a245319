/**
 * What the server keeps of an analysed document: plain data only (no AST, no closures), so it
 * can be made in the analysis worker thread and posted to the main thread, where every request
 * is served from it without parsing anything.
 *
 * Pure: built from one `Analysis`.
 */
import type { Range, RoutineKind } from '../../core/ast';
import type { Diagnostic } from '../../core/diagnostics';
import type { InternalError } from '../../core/linter';
import type { Analysis } from './analysis';
import { buildIndex, symbolKey } from './occurrences';

export interface RoutineInfo {
  name: string;
  kind: RoutineKind;
  major?: string;
  params: string[];
  range: Range;
  nameRange: Range;
  kindRange: Range;
  majorRange?: Range;
  /** Locals and parameters. */
  locals: string[];
}

export interface ScenarioModel {
  name: string;
  range: Range;
  nameRange: Range;
}

export interface OccurrenceModel {
  name: string;
  kind: 'routine' | 'global' | 'list' | 'local';
  range: Range;
  declaration: boolean;
  /** Symbol identity: top-level names share one namespace; locals are scoped to their routine. */
  key: string;
  /** A routine parameter (declaration or use). */
  parameter?: boolean;
}

export interface TagSiteModel {
  /** Padded display form. */
  value: string;
  raw: string;
  range: Range;
  api?: string;
  callee?: string;
  allocation: boolean;
  routine?: string;
  scenario?: string;
}

/** A token to colour: an API name, a pool constant, a routine kind keyword, an IRP_MJ code. */
export interface ExtraToken {
  range: Range;
  type: 'api' | 'constant' | 'kind' | 'major';
}

export interface FoldModel {
  startLine: number;
  endLine: number;
  comment?: boolean;
}

export interface DocumentModel {
  uri: string;
  version: number;
  durationMs: number;
  diagnostics: Diagnostic[];
  internalErrors?: InternalError[];
  driver?: { name: string; range: Range; nameRange: Range };
  routines: RoutineInfo[];
  globals: Array<{ name: string; range: Range; declRange: Range }>;
  lists: Array<{ name: string; range: Range; declRange: Range }>;
  /** IRP_MJ code → dispatch routine name. */
  dispatch: Record<string, string>;
  scenarios: ScenarioModel[];
  occurrences: OccurrenceModel[];
  tags: TagSiteModel[];
  extraTokens: ExtraToken[];
  folds: FoldModel[];
}

export function buildModel(uri: string, analysis: Analysis): DocumentModel {
  const { script, symbols } = analysis;
  const index = buildIndex(script, symbols);
  const routineKey = new Map<unknown, string>();
  const routines: RoutineInfo[] = [];
  for (const r of script.routines) {
    routineKey.set(r, r.name.name);
    routines.push({
      name: r.name.name,
      kind: r.kind,
      ...(r.major ? { major: r.major.name, majorRange: r.major.range } : {}),
      params: r.params.map((p) => p.name),
      range: r.range,
      nameRange: r.name.range,
      kindRange: r.kindRange,
      locals: [...(symbols.locals.get(r) ?? [])],
    });
  }
  const occurrences: OccurrenceModel[] = index.occurrences.map((o) => ({
    name: o.name,
    kind: o.kind,
    range: o.range,
    declaration: o.declaration,
    key: symbolKey(o),
    ...(o.kind === 'local' && o.scope?.params.some((p) => p.name === o.name) ? { parameter: true } : {}),
  }));
  const tags: TagSiteModel[] = index.tags.map((t) => ({
    value: t.value,
    raw: t.tag.raw,
    range: t.tag.range,
    ...(t.api ? { api: t.api } : {}),
    ...(t.call ? { callee: t.call.callee.name } : {}),
    allocation: t.allocation,
    ...(t.routine ? { routine: t.routine.name.name } : {}),
    ...(t.scenario ? { scenario: t.scenario.name } : {}),
  }));

  const extraTokens: ExtraToken[] = [];
  for (const r of script.routines) {
    extraTokens.push({ range: r.kindRange, type: 'kind' });
    if (r.major) extraTokens.push({ range: r.major.range, type: 'major' });
  }
  for (const c of index.apiCalls) {
    extraTokens.push({ range: c.callee, type: 'api' });
    for (const k of c.constants) extraTokens.push({ range: k, type: 'constant' });
  }
  for (const m of index.scenarioMajors) extraTokens.push({ range: m, type: 'major' });

  const dispatch: Record<string, string> = {};
  for (const [major, r] of symbols.dispatch) dispatch[major] = r.name.name;

  return {
    uri,
    version: analysis.version,
    durationMs: analysis.durationMs,
    diagnostics: analysis.diagnostics,
    ...(analysis.internalErrors ? { internalErrors: analysis.internalErrors } : {}),
    ...(script.driver ? { driver: { name: script.driver.name.value, range: script.driver.range, nameRange: script.driver.name.range } } : {}),
    routines,
    globals: script.globals.flatMap((g) => g.names.filter((n) => n.name).map((n) => ({ name: n.name, range: n.range, declRange: g.range }))),
    lists: script.lists.flatMap((g) => g.names.filter((n) => n.name).map((n) => ({ name: n.name, range: n.range, declRange: g.range }))),
    dispatch,
    scenarios: script.scenarios.map((s) => ({ name: s.name, range: s.range, nameRange: s.nameRange })),
    occurrences,
    tags,
    extraTokens,
    folds: foldsOf(analysis),
  };
}

function foldsOf(analysis: Analysis): FoldModel[] {
  const out: FoldModel[] = [];
  const fold = (r: Range, comment = false): void => {
    // 0-based lines; keep the closing `}` line visible.
    const end = comment ? r.end.line - 1 : r.end.line - 2;
    if (end > r.start.line - 1) out.push({ startLine: r.start.line - 1, endLine: end, ...(comment ? { comment } : {}) });
  };
  type Stmt = import('../../core/ast').Statement;
  type Step = import('../../core/ast').ScenarioStep;
  const statement = (s: Stmt): void => {
    switch (s.type) {
      case 'block':
        fold(s.range);
        s.statements.forEach(statement);
        break;
      case 'foreach':
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
  const step = (s: Step): void => {
    if (s.type === 'repeat' || s.type === 'process') {
      fold(s.range);
      s.steps.forEach(step);
    }
  };
  const script = analysis.script;
  for (const r of script.routines) {
    fold(r.range);
    r.body.statements.forEach(statement);
  }
  for (const s of script.scenarios) {
    fold(s.range);
    s.steps.forEach(step);
  }
  // Block comments, and runs of line comments (a file header, a routine's explanation).
  let runStart: Range | undefined;
  let runEnd: Range | undefined;
  const flush = (): void => {
    if (runStart && runEnd && runEnd.start.line > runStart.start.line) out.push({ startLine: runStart.start.line - 1, endLine: runEnd.start.line - 1, comment: true });
  };
  for (const c of script.comments) {
    if (c.block) {
      fold(c.range, true);
      continue;
    }
    if (runEnd && c.range.start.line === runEnd.start.line + 1) runEnd = c.range;
    else {
      flush();
      runStart = runEnd = c.range;
    }
  }
  flush();
  return out.sort((a, b) => a.startLine - b.startLine);
}

/** Every occurrence of the symbol `o` refers to; declarations first. */
export function occurrencesOfKey(model: DocumentModel, key: string): OccurrenceModel[] {
  return model.occurrences
    .filter((x) => x.key === key)
    .sort((a, b) => Number(b.declaration) - Number(a.declaration) || a.range.start.offset - b.range.start.offset);
}

export function occurrenceAtOffset(model: DocumentModel, offset: number): OccurrenceModel | undefined {
  return model.occurrences.find((o) => o.range.start.offset <= offset && offset <= o.range.end.offset);
}

export function tagSiteAtOffset(model: DocumentModel, offset: number): TagSiteModel | undefined {
  return model.tags.find((t) => t.range.start.offset <= offset && offset < t.range.end.offset);
}
