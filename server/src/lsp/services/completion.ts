/**
 * What can be typed at the cursor. The position is classified from the current text (so
 * completion works while a large file is still being analysed); the names offered — routines
 * of each kind, globals, lists, locals, tags — come from the last analysis.
 *
 * Pure: no LSP types; the handler maps `Candidate`s to CompletionItems.
 */
import { APIS, IRP_MAJOR_FUNCTIONS, IRQL_CONSTANTS, POOL_FLAGS, POOL_TYPES, ROUTINE_KINDS, lookupApi, type ApiInfo, type ApiParameter } from '../../core/apis';
import type { RoutineKind } from '../../core/ast';
import type { DocumentModel } from './model';
import { callContextAt, inComment, regionAt, statementPrefix, tagAt, type Region } from './textScan';

export type CandidateKind =
  | 'api'
  | 'routine'
  | 'global'
  | 'list'
  | 'local'
  | 'poolType'
  | 'poolFlag'
  | 'irpMajor'
  | 'irql'
  | 'tag'
  | 'keyword'
  | 'step'
  | 'declaration';

export interface Candidate {
  label: string;
  kind: CandidateKind;
  detail?: string;
  documentation?: string;
  /** Snippet syntax when `snippet` is true, else plain text. Defaults to the label. */
  insertText?: string;
  snippet?: boolean;
  sortText?: string;
  /** Replace this many characters before the cursor (a partially typed word or tag). */
  replaceFrom?: number;
  replaceTo?: number;
}

export interface CompletionContextInfo {
  region: Region;
  /** What the position expects, for tests and logging. */
  expects: string;
}

/** `ExAllocatePool2(${1:POOL_FLAG_NON_PAGED}, ${2:size}, '${3:Tag }')` */
export function apiSnippet(api: ApiInfo): string {
  const parts = api.params.map((p, i) => `${placeholder(p, i + 1)}`);
  return `${api.name}(${parts.join(', ')})`;
}

function placeholder(p: ApiParameter, n: number): string {
  switch (p.kind) {
    case 'poolType':
      return `\${${n}:NonPagedPoolNx}`;
    case 'poolFlags':
      return `\${${n}:POOL_FLAG_NON_PAGED}`;
    case 'size':
      return `\${${n}:size}`;
    case 'tag':
      return `'\${${n}:Tag }'`;
    case 'irql':
      return `\${${n}:DISPATCH_LEVEL}`;
    case 'routine':
      return `\${${n}:${p.routineKind === 'dpc' ? 'DpcRoutine' : p.routineKind === 'completion' ? 'CompletionRoutine' : 'WorkRoutine'}}`;
    default:
      return `\${${n}:${p.name.charAt(0).toLowerCase() + p.name.slice(1)}}`;
  }
}

function apiCandidates(filter?: (a: ApiInfo) => boolean): Candidate[] {
  return APIS.filter((a) => !filter || filter(a)).map((a) => ({
    label: a.name,
    kind: 'api' as const,
    detail: a.prototype,
    documentation: a.doc,
    insertText: apiSnippet(a),
    snippet: true,
    // Current allocators before deprecated ones.
    sortText: (a.deprecated ? '2' : '1') + a.name,
  }));
}

function routineCandidates(model: DocumentModel | undefined, kind?: RoutineKind | RoutineKind[]): Candidate[] {
  if (!model) return [];
  const kinds = kind === undefined ? undefined : Array.isArray(kind) ? kind : [kind];
  return model.routines
    .filter((r) => r.name && (!kinds || kinds.includes(r.kind)))
    .map((r) => ({
      label: r.name,
      kind: 'routine' as const,
      detail: r.kind === 'dispatch' && r.major ? `dispatch ${r.major}` : r.kind,
      documentation: `${ROUTINE_KINDS[r.kind]?.irqlText ?? ''} — ${ROUTINE_KINDS[r.kind]?.process ?? ''}`,
      sortText: '0' + r.name,
    }));
}

function listCandidates(model: DocumentModel | undefined): Candidate[] {
  if (!model) return [];
  return model.lists.map((l) => ({ label: l.name, kind: 'list' as const, detail: 'list', sortText: '0' + l.name }));
}

function variableCandidates(model: DocumentModel | undefined, routineName: string | undefined): Candidate[] {
  if (!model) return [];
  const out: Candidate[] = [];
  const routine = routineName ? model.routines.find((r) => r.name === routineName) : undefined;
  const globals = new Set(model.globals.map((g) => g.name));
  for (const n of routine?.locals ?? []) {
    if (!globals.has(n)) out.push({ label: n, kind: 'local', detail: routine?.params.includes(n) ? 'parameter' : 'local', sortText: '0' + n });
  }
  for (const n of globals) out.push({ label: n, kind: 'global', detail: 'global', sortText: '1' + n });
  return out;
}

/** Every distinct tag of the script, most used first. */
function tagCandidates(model: DocumentModel | undefined, quoted: boolean): Candidate[] {
  if (!model) return [];
  const counts = new Map<string, number>();
  for (const t of model.tags) if (t.value && t.value.length === 4) counts.set(t.value, (counts.get(t.value) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([tag, n], i) => ({
      label: `'${tag}'`,
      kind: 'tag' as const,
      detail: `pool tag, ${n} site${n === 1 ? '' : 's'}`,
      insertText: quoted ? tag : `'${tag}'`,
      sortText: String(i).padStart(4, '0'),
    }));
}

function irpCandidates(model: DocumentModel | undefined, onlyHandled: boolean): Candidate[] {
  const handled = model?.dispatch ?? {};
  const any = Object.keys(handled).length > 0;
  return IRP_MAJOR_FUNCTIONS.filter((m) => !onlyHandled || !any || m in handled).map((m, i) => ({
    label: m,
    kind: 'irpMajor' as const,
    detail: handled[m] ? `dispatched to ${handled[m]}` : 'IRP major function',
    sortText: (handled[m] ? '0' : '1') + String(i).padStart(2, '0'),
  }));
}

const STATEMENT_KEYWORDS: Candidate[] = [
  { label: 'if', kind: 'keyword', insertText: 'if (${1:p} == NULL) ${0:return;}', snippet: true },
  { label: 'if chance', kind: 'keyword', insertText: 'if (chance(${1:5}%)) {\n\t$0\n}', snippet: true, detail: 'a branch taken with the given probability' },
  { label: 'repeat', kind: 'keyword', insertText: 'repeat ${1:10} {\n\t$0\n}', snippet: true },
  { label: 'foreach', kind: 'keyword', insertText: 'foreach ${1:p} in ${2:list} {\n\t$0\n}', snippet: true },
  { label: 'push', kind: 'keyword', insertText: 'push ${1:list}, ${2:p};', snippet: true },
  { label: 'pop', kind: 'keyword', insertText: '${1:p} = pop ${2:list};', snippet: true },
  { label: 'return', kind: 'keyword', insertText: 'return;' },
].map((c) => ({ ...c, kind: 'keyword' as const, sortText: '3' + c.label }));

const SCENARIO_STEPS: Candidate[] = [
  { label: 'load', insertText: 'load;', detail: 'run DriverEntry (the entry routine)' },
  { label: 'unload', insertText: 'unload;', detail: 'run the unload routine, then the Pool Tracking unload check' },
  { label: 'irp', insertText: 'irp ${1:IRP_MJ_READ};', snippet: true, detail: 'send an IRP to its dispatch routine' },
  { label: 'dpc', insertText: 'dpc ${1:DpcRoutine};', snippet: true, detail: 'run a dpc routine at DISPATCH_LEVEL' },
  { label: 'workitem', insertText: 'workitem ${1:WorkRoutine};', snippet: true, detail: 'run a workitem routine at PASSIVE_LEVEL' },
  { label: 'call', insertText: 'call ${1:Routine};', snippet: true, detail: 'run a routine once, as a callback with no IRP' },
  { label: 'repeat', insertText: 'repeat ${1:1000} {\n\t$0\n}', snippet: true, detail: 'repeat steps' },
  { label: 'process', insertText: 'process "${1:app.exe}" {\n\t$0\n}', snippet: true, detail: 'steps requested from this process' },
  { label: 'snapshot', insertText: 'snapshot "${1:label}";', snippet: true, detail: 'a labelled point on the usage timeline' },
  { label: 'hittag', insertText: "hittag '${1:Tag }';", snippet: true, detail: 'set PoolHitTag (ed nt!poolhittag)' },
  { label: 'hittag off', insertText: 'hittag off;', detail: 'clear PoolHitTag' },
].map((c, i) => ({ ...c, kind: 'step' as const, sortText: String(i).padStart(2, '0') }));

const DECLARATIONS: Candidate[] = [
  { label: 'driver', insertText: 'driver "${1:Driver.sys}";', detail: 'the driver image name' },
  { label: 'global', insertText: 'global ${1:g_Name};', detail: 'pointer slots that outlive a routine' },
  { label: 'list', insertText: 'list ${1:g_List};', detail: 'an unordered bag of pointers' },
  { label: 'entry', insertText: 'entry ${1:DriverEntry} {\n\t$0\n}', detail: 'DriverEntry: PASSIVE_LEVEL, System' },
  { label: 'unload', insertText: 'unload ${1:DriverUnload} {\n\t$0\n}', detail: 'DriverUnload: PASSIVE_LEVEL, System' },
  { label: 'dispatch', insertText: 'dispatch ${1:IRP_MJ_READ} ${2:ReadDispatch} {\n\t$0\n}', detail: 'PASSIVE_LEVEL, the requesting process' },
  { label: 'dpc', insertText: 'dpc ${1:TimerDpc} {\n\t$0\n}', detail: 'DISPATCH_LEVEL, arbitrary process' },
  { label: 'completion', insertText: 'completion ${1:IoCompletion}(${2:irp}) {\n\t$0\n}', detail: 'DISPATCH_LEVEL, arbitrary process' },
  { label: 'workitem', insertText: 'workitem ${1:WorkRoutine}(${2:w}) {\n\t$0\n}', detail: 'PASSIVE_LEVEL, System' },
  { label: 'routine', insertText: 'routine ${1:Helper}(${2:p}) {\n\t$0\n}', detail: "helper: the caller's IRQL and process" },
  { label: 'scenario', insertText: 'scenario ${1:name} {\n\tload;\n\t$0\n\tunload;\n}', detail: 'a workload for the simulator' },
].map((c, i) => ({ ...c, kind: 'declaration' as const, snippet: c.insertText.includes('$'), sortText: String(i).padStart(2, '0') }));

function poolTypeCandidates(): Candidate[] {
  return POOL_TYPES.map((t) => ({ label: t.name, kind: 'poolType' as const, detail: `POOL_TYPE ${t.value}`, documentation: t.doc }));
}

function poolFlagCandidates(): Candidate[] {
  return POOL_FLAGS.map((f) => ({ label: f.name, kind: 'poolFlag' as const, detail: `0x${f.value.toString(16)}`, documentation: f.doc }));
}

export interface CompletionResult {
  expects: string;
  candidates: Candidate[];
}

/**
 * Candidates at `offset` of `text`. `model` may be older than `text`: it only supplies names.
 */
export function complete(text: string, offset: number, model: DocumentModel | undefined): CompletionResult {
  if (inComment(text, offset)) return { expects: 'comment', candidates: [] };

  const tag = tagAt(text, offset);
  if (tag && offset > tag.start) {
    const c = tagCandidates(model, true).map((x) => ({ ...x, replaceFrom: tag.start + 1, replaceTo: tag.closed ? tag.end - 1 : offset }));
    return { expects: 'tag', candidates: c };
  }

  const region = regionAt(text, offset);
  const prefix = statementPrefix(text, offset);
  const wordMatch = /[A-Za-z_]\w*$/.exec(prefix);
  const before = wordMatch ? prefix.slice(0, -wordMatch[0].length) : prefix;

  if (region.kind === 'topLevel') {
    if (/^\s*dispatch\s+$/.test(before)) return { expects: 'irpMajor', candidates: irpCandidates(model, false) };
    if (/^\s*$/.test(before)) return { expects: 'declaration', candidates: DECLARATIONS };
    return { expects: 'none', candidates: [] };
  }

  if (region.kind === 'scenario') {
    const m = /^\s*(irp|dpc|workitem|call|hittag)\s+$/.exec(before);
    if (m) {
      switch (m[1]) {
        case 'irp':
          return { expects: 'irpMajor', candidates: irpCandidates(model, true) };
        case 'dpc':
          return { expects: 'routine:dpc', candidates: routineCandidates(model, 'dpc') };
        case 'workitem':
          return { expects: 'routine:workitem', candidates: routineCandidates(model, 'workitem') };
        case 'call':
          return { expects: 'routine', candidates: routineCandidates(model) };
        case 'hittag':
          return { expects: 'tag', candidates: [...tagCandidates(model, false), { label: 'off', kind: 'keyword', insertText: 'off' }] };
      }
    }
    if (/^\s*$/.test(before)) return { expects: 'step', candidates: SCENARIO_STEPS };
    return { expects: 'none', candidates: [] };
  }

  // Inside a routine.
  const call = callContextAt(text, offset);
  if (call && call.callee !== 'if' && call.callee !== 'chance') {
    const api = lookupApi(call.callee);
    if (api) {
      const param = api.params[call.argIndex];
      switch (param?.kind) {
        case 'poolType':
          return { expects: 'poolType', candidates: poolTypeCandidates() };
        case 'poolFlags':
          return { expects: 'poolFlags', candidates: poolFlagCandidates() };
        case 'tag':
          return { expects: 'tag', candidates: tagCandidates(model, false) };
        case 'routine':
          return { expects: `routine:${param.routineKind}`, candidates: routineCandidates(model, param.routineKind) };
        case 'irql':
          return { expects: 'irql', candidates: [...IRQL_CONSTANTS.keys()].map((n) => ({ label: n, kind: 'irql' as const })) };
        case 'size':
        case 'number':
          return { expects: 'number', candidates: [] };
        case 'spinLock':
          return { expects: 'spinLock', candidates: [] };
        case undefined:
          return { expects: 'none', candidates: [] };
        default:
          return { expects: 'variable', candidates: variableCandidates(model, region.name) };
      }
    }
    return { expects: 'variable', candidates: variableCandidates(model, region.name) };
  }
  if (call && call.callee === 'if') {
    return {
      expects: 'condition',
      candidates: [
        ...variableCandidates(model, region.name),
        { label: 'chance', kind: 'keyword', insertText: 'chance(${1:5}%)', snippet: true, detail: 'a branch taken with this probability' },
      ],
    };
  }
  if (/(?:^|[\s=])pop\s+$/.test(before) || /^\s*push\s+$/.test(before) || /\bforeach\s+\w+\s+in\s+$/.test(before)) {
    return { expects: 'list', candidates: listCandidates(model) };
  }
  if (/^\s*push\s+\w+\s*,\s*$/.test(before)) return { expects: 'variable', candidates: variableCandidates(model, region.name) };
  if (/^\s*[A-Za-z_]\w*\s*=\s*$/.test(before)) {
    return {
      expects: 'expression',
      candidates: [
        ...apiCandidates((a) => a.returnsBlock),
        ...routineCandidates(model, 'routine'),
        ...variableCandidates(model, region.name),
        { label: 'pop', kind: 'keyword', insertText: 'pop ${1:list}', snippet: true },
        { label: 'NULL', kind: 'keyword' },
      ],
    };
  }
  // A statement start: also after `if (...)` / `else`.
  if (/^\s*$/.test(before) || /(?:\)|\belse)\s*$/.test(before)) {
    return {
      expects: 'statement',
      candidates: [...apiCandidates(), ...routineCandidates(model, 'routine'), ...STATEMENT_KEYWORDS, ...variableCandidates(model, region.name)],
    };
  }
  return { expects: 'none', candidates: [] };
}
