/**
 * Where every name and every pool tag of a script occurs: the index behind go to definition,
 * find references, rename, document highlights and the "call sites" list of a tag hover.
 *
 * Pure: reads the AST and the symbol table of one analysis.
 */
import { lookupApi } from '../../core/apis';
import { parsePoolTag } from '../../core/poolTag';
import type {
  Call,
  Identifier,
  Range,
  Routine,
  Scenario,
  ScenarioStep,
  Script,
  Statement,
  TagLiteral,
} from '../../core/ast';
import type { SymbolTable } from '../../core/symbols';

export type SymbolKind = 'routine' | 'global' | 'list' | 'local';

export interface Occurrence {
  name: string;
  kind: SymbolKind;
  range: Range;
  declaration: boolean;
  /** For locals and parameters: the routine that scopes them. */
  scope?: Routine;
}

export interface TagSite {
  tag: TagLiteral;
  /** The padded display form (`'Abc '` → `Abc `). */
  value: string;
  /** The API or helper call the tag is an argument of. */
  call?: Call;
  /** `ExAllocatePoolWithTag`, `ExFreePoolWithTag`, … */
  api?: string;
  /** True for an allocation call (the tag names the block). */
  allocation: boolean;
  routine?: Routine;
  scenario?: Scenario;
}

export interface ScriptIndex {
  occurrences: Occurrence[];
  tags: TagSite[];
  /** API calls: the callee and the pool-type / flag / IRQL constants among the arguments. */
  apiCalls: Array<{ callee: Range; constants: Range[] }>;
  /** IRP_MJ codes of `irp` scenario steps. */
  scenarioMajors: Range[];
  /** Occurrences grouped by symbol key (see `symbolKey`). */
  byKey: Map<string, Occurrence[]>;
}

/** One key per symbol: top-level names share one namespace; locals are scoped to a routine. */
export function symbolKey(o: Pick<Occurrence, 'name' | 'kind' | 'scope'>): string {
  return o.kind === 'local' && o.scope ? `local@${o.scope.range.start.offset}:${o.name}` : `top:${o.name}`;
}

const CONSTANT_PARAMS = new Set(['poolType', 'poolFlags', 'irql', 'spinLock', 'number', 'size']);

export function buildIndex(script: Script, symbols: SymbolTable): ScriptIndex {
  const occurrences: Occurrence[] = [];
  const tags: TagSite[] = [];
  const apiCalls: ScriptIndex['apiCalls'] = [];
  const scenarioMajors: Range[] = [];
  const add = (id: Identifier | undefined, kind: SymbolKind, declaration: boolean, scope?: Routine): void => {
    if (!id || !id.name) return;
    occurrences.push({ name: id.name, kind, range: id.range, declaration, scope });
  };

  for (const g of script.globals) for (const id of g.names) add(id, 'global', true);
  for (const l of script.lists) for (const id of l.names) add(id, 'list', true);

  for (const routine of script.routines) {
    add(routine.name, 'routine', true);
    const locals = symbols.locals.get(routine);
    const params = new Set(routine.params.map((p) => p.name));
    for (const p of routine.params) add(p, 'local', true, routine);
    const declaredLocals = new Set<string>();

    const variable = (id: Identifier | undefined, assigning: boolean): void => {
      if (!id) return;
      const n = id.name;
      if (params.has(n)) return add(id, 'local', false, routine);
      if (symbols.globals.has(n)) return add(id, 'global', false);
      if (symbols.lists.has(n)) return add(id, 'list', false);
      if (locals?.has(n) || assigning) {
        // The first assignment of a local is its declaration (locals need none in the language).
        const first = assigning && !declaredLocals.has(n);
        if (first) declaredLocals.add(n);
        return add(id, 'local', first, routine);
      }
      if (symbols.routines.has(n)) return add(id, 'routine', false);
    };

    const call = (c: Call): void => {
      const resolved = symbols.resolveCall(c);
      if (resolved.kind === 'helper') add(c.callee, 'routine', false);
      const api = resolved.kind === 'api' ? resolved.api : lookupApi(c.callee.name);
      if (resolved.kind === 'api') {
        const constants: Range[] = [];
        c.args.forEach((a, i) => {
          const kind = resolved.api.params[i]?.kind;
          if (kind !== 'poolType' && kind !== 'poolFlags' && kind !== 'irql') return;
          if (a.type === 'identifier') constants.push(a.range);
          else if (a.type === 'flags') for (const n of a.names) constants.push(n.range);
        });
        apiCalls.push({ callee: c.callee.range, constants });
      }
      c.args.forEach((arg, i) => {
        const param = api?.params[i];
        if (arg.type === 'tag') {
          tags.push({
            tag: arg,
            value: arg.value ?? arg.raw,
            call: c,
            api: api?.name,
            allocation: !!api?.allocates && api.allocates.tag.from === 'arg' && api.allocates.tag.arg === i,
            routine,
          });
          return;
        }
        if (arg.type !== 'identifier') return;
        if (param?.kind === 'routine') {
          if (symbols.routines.has(arg.name)) add(arg, 'routine', false);
          return;
        }
        if (param && CONSTANT_PARAMS.has(param.kind)) return;
        variable(arg, false);
      });
    };

    const statement = (s: Statement): void => {
      switch (s.type) {
        case 'block':
          s.statements.forEach(statement);
          break;
        case 'assign':
          // Visit the value first: `p = pop L` reads L before p is assigned.
          if (s.value.type === 'call') call(s.value);
          else if (s.value.type === 'pop') variable(s.value.list, false);
          else if (s.value.type === 'identifier') variable(s.value, false);
          variable(s.target, true);
          break;
        case 'callStatement':
          call(s.call);
          break;
        case 'push':
          variable(s.list, false);
          variable(s.value, false);
          break;
        case 'foreach':
          variable(s.list, false);
          variable(s.variable, true);
          statement(s.body);
          break;
        case 'if':
          if (s.condition.type === 'nullCheck') variable(s.condition.variable, false);
          statement(s.then);
          if (s.else) statement(s.else);
          break;
        case 'repeat':
          statement(s.body);
          break;
        case 'error':
          if (s.assigns) variable(s.assigns, true);
          break;
        case 'return':
          break;
      }
    };
    statement(routine.body);
  }

  for (const scenario of script.scenarios) {
    const step = (st: ScenarioStep): void => {
      switch (st.type) {
        case 'dpc':
        case 'workitem':
        case 'call':
          if (symbols.routines.has(st.routine.name)) add(st.routine, 'routine', false);
          break;
        case 'repeat':
        case 'process':
          st.steps.forEach(step);
          break;
        case 'irp':
          scenarioMajors.push(st.major.range);
          break;
        case 'hittag':
          if (st.tag) tags.push({ tag: st.tag, value: st.tag.value ?? st.tag.raw, allocation: false, scenario });
          break;
        default:
          break;
      }
    };
    scenario.steps.forEach(step);
  }

  const byKey = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    const k = symbolKey(o);
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(o);
  }
  return { occurrences, tags, byKey, apiCalls, scenarioMajors };
}

/**
 * The padded display form of a tag typed into a request (rename, PoolHitTag, `!poolfind`):
 * `Abc`, `'Abc '`, `Tron`, read by the core's parsePoolTag; only the too-long reply is worded
 * for the server (a tag is one ULONG).
 */
export function normalizeTagInput(input: string): { tag: string } | { error: string } {
  const parsed = parsePoolTag(input);
  if (!('error' in parsed)) return { tag: parsed.display };
  if (parsed.problem === 'too-long') return { error: `'${parsed.text}' is longer than 4 characters: a pool tag is one ULONG (4 bytes).` };
  return { error: parsed.error };
}

/**
 * Why a tag cannot be written as a script literal, or undefined: a tag literal has no escapes,
 * so it cannot hold its own quote, and a backslash is refused too, since in a driver developer's
 * eyes (C) it starts an escape.
 */
export function scriptTagProblem(display: string): string | undefined {
  for (const ch of display) if (ch === "'" || ch === '\\') return `A pool tag written in a script cannot contain ${ch}.`;
  return undefined;
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'driver', 'global', 'list', 'entry', 'unload', 'dispatch', 'dpc', 'completion', 'workitem', 'routine',
  'scenario', 'push', 'pop', 'foreach', 'in', 'if', 'else', 'repeat', 'return', 'NULL', 'chance',
  'load', 'irp', 'call', 'process', 'snapshot', 'hittag', 'off',
]);

export function isValidIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name);
}
