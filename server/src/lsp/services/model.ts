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

// ---------------------------------------------------------------- wire form

/**
 * The model as the analysis worker posts it to the main thread. The three long lists — every
 * name occurrence, tag site and extra semantic token, tens of thousands of entries in a large
 * script — travel as one flat array of numbers each (string fields as indexes into one shared
 * string table, positions inline), and are decoded into one small object per entry whose
 * `range` is built when asked for. JSON of the plain model made ~4 objects per entry: for a
 * 50k-line script 13 MB of JSON and ~18 MB of objects parsed at once on the main thread, whose
 * young generation grew to its limit for them — the server's memory peak (docs/lsp.md).
 */
interface WireModel extends Omit<DocumentModel, 'diagnostics' | 'occurrences' | 'tags' | 'extraTokens'> {
  strings: string[];
  /** Per occurrence: name, kind, key (string indexes), flags (1 declaration, 2 parameter), 6 position numbers. */
  occurrences: number[];
  /** Per tag site: value, raw, api, callee, routine, scenario (string indexes, -1 absent), allocation (0/1), 6 position numbers. */
  tags: number[];
  /** Per extra token: type (string index), 6 position numbers. */
  extraTokens: number[];
}

const OCCURRENCE_WIDTH = 10;
const TAG_WIDTH = 13;
const EXTRA_WIDTH = 7;

function pushRange(out: number[], r: Range): void {
  out.push(r.start.line, r.start.column, r.start.offset, r.end.line, r.end.column, r.end.offset);
}

function rangeAt(a: readonly number[], i: number): Range {
  return { start: { line: a[i], column: a[i + 1], offset: a[i + 2] }, end: { line: a[i + 3], column: a[i + 4], offset: a[i + 5] } };
}

/** The model (without its diagnostics, which travel apart) as the JSON text the worker posts. */
export function encodeModel(model: Omit<DocumentModel, 'diagnostics'>): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const s = (v: string | undefined): number => {
    if (v === undefined) return -1;
    let i = index.get(v);
    if (i === undefined) {
      i = strings.length;
      strings.push(v);
      index.set(v, i);
    }
    return i;
  };
  const occurrences: number[] = [];
  for (const o of model.occurrences) {
    occurrences.push(s(o.name), s(o.kind), s(o.key), (o.declaration ? 1 : 0) | (o.parameter ? 2 : 0));
    pushRange(occurrences, o.range);
  }
  const tags: number[] = [];
  for (const t of model.tags) {
    tags.push(s(t.value), s(t.raw), s(t.api), s(t.callee), s(t.routine), s(t.scenario), t.allocation ? 1 : 0);
    pushRange(tags, t.range);
  }
  const extraTokens: number[] = [];
  for (const x of model.extraTokens) {
    extraTokens.push(s(x.type));
    pushRange(extraTokens, x.range);
  }
  const wire: WireModel = { ...model, strings, occurrences, tags, extraTokens };
  return JSON.stringify(wire);
}

/** A decoded entry whose range is read from the shared number array when asked for. */
abstract class PackedEntry {
  constructor(
    private readonly a: readonly number[],
    private readonly at: number,
  ) {}
  get range(): Range {
    return rangeAt(this.a, this.at);
  }
}

class PackedOccurrence extends PackedEntry implements OccurrenceModel {
  readonly parameter?: boolean;
  constructor(
    a: readonly number[],
    at: number,
    readonly name: string,
    readonly kind: OccurrenceModel['kind'],
    readonly key: string,
    readonly declaration: boolean,
    parameter: boolean,
  ) {
    super(a, at);
    if (parameter) this.parameter = true;
  }
  toJSON(): OccurrenceModel {
    return { name: this.name, kind: this.kind, range: this.range, declaration: this.declaration, key: this.key, ...(this.parameter ? { parameter: true } : {}) };
  }
}

class PackedTagSite extends PackedEntry implements TagSiteModel {
  constructor(
    a: readonly number[],
    at: number,
    readonly value: string,
    readonly raw: string,
    readonly api: string | undefined,
    readonly callee: string | undefined,
    readonly allocation: boolean,
    readonly routine: string | undefined,
    readonly scenario: string | undefined,
  ) {
    super(a, at);
  }
  toJSON(): TagSiteModel {
    return {
      value: this.value,
      raw: this.raw,
      range: this.range,
      ...(this.api !== undefined ? { api: this.api } : {}),
      ...(this.callee !== undefined ? { callee: this.callee } : {}),
      allocation: this.allocation,
      ...(this.routine !== undefined ? { routine: this.routine } : {}),
      ...(this.scenario !== undefined ? { scenario: this.scenario } : {}),
    };
  }
}

class PackedExtraToken extends PackedEntry implements ExtraToken {
  constructor(
    a: readonly number[],
    at: number,
    readonly type: ExtraToken['type'],
  ) {
    super(a, at);
  }
  toJSON(): ExtraToken {
    return { range: this.range, type: this.type };
  }
}

/** The model from the worker's JSON text (see encodeModel). */
export function decodeModel(json: string): Omit<DocumentModel, 'diagnostics'> {
  const wire = JSON.parse(json) as WireModel;
  const { strings, occurrences: occ, tags: tg, extraTokens: ex } = wire;
  const str = (i: number): string | undefined => (i < 0 ? undefined : strings[i]);
  const occurrences: OccurrenceModel[] = [];
  for (let i = 0; i < occ.length; i += OCCURRENCE_WIDTH) {
    occurrences.push(new PackedOccurrence(occ, i + 4, strings[occ[i]], strings[occ[i + 1]] as OccurrenceModel['kind'], strings[occ[i + 2]], (occ[i + 3] & 1) !== 0, (occ[i + 3] & 2) !== 0));
  }
  const tags: TagSiteModel[] = [];
  for (let i = 0; i < tg.length; i += TAG_WIDTH) {
    tags.push(new PackedTagSite(tg, i + 7, strings[tg[i]], strings[tg[i + 1]], str(tg[i + 2]), str(tg[i + 3]), tg[i + 6] === 1, str(tg[i + 4]), str(tg[i + 5])));
  }
  const extraTokens: ExtraToken[] = [];
  for (let i = 0; i < ex.length; i += EXTRA_WIDTH) extraTokens.push(new PackedExtraToken(ex, i + 1, strings[ex[i]] as ExtraToken['type']));
  // Fields in the order buildModel gives them.
  const model = wire as unknown as Omit<DocumentModel, 'diagnostics'> & { strings?: string[] };
  delete model.strings;
  model.occurrences = occurrences;
  model.tags = tags;
  model.extraTokens = extraTokens;
  return model;
}
