/**
 * The call graph of a script and, for every routine, the execution contexts it can run in:
 * whether IRQL can be DISPATCH_LEVEL and whether it runs in an arbitrary process (DPC or
 * completion routine), through which chain of helper calls, and which allocation sites each
 * pointer may hold at each call. The context rules (`quota-in-dpc`, `paged-at-dispatch`,
 * `paged-free-at-dispatch`) and the `shared-tag` fix read this model.
 *
 * Windows behaviour modelled (Microsoft Learn):
 * - A DPC routine runs at DISPATCH_LEVEL in an arbitrary thread context:
 *   https://learn.microsoft.com/windows-hardware/drivers/kernel/introduction-to-dpc-objects
 * - A completion routine can run at IRQL <= DISPATCH_LEVEL in an arbitrary thread context
 *   (the linter assumes DISPATCH_LEVEL, language.md):
 *   https://learn.microsoft.com/windows-hardware/drivers/kernel/completing-the-irp
 * - KeAcquireSpinLock raises to DISPATCH_LEVEL until KeReleaseSpinLock:
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keacquirespinlock
 * - KeRaiseIrql / KeLowerIrql: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-keraiseirql
 * - Paged pool may only be touched at IRQL <= APC_LEVEL (bug check 0xC4 / 0x01 and 0x11 under
 *   Driver Verifier): https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 *
 * The analysis is a may-analysis: one context in which a finding is possible is enough.
 * Within a routine it follows statements in order (branches joined, loops iterated to a fixed
 * point, statements after `return` unreachable); globals, lists and helper parameters are
 * flow-insensitive: whatever is stored anywhere may come out anywhere.
 */
import {
  DISPATCH_LEVEL,
  IRQL_CONSTANTS,
  POOL_FLAG_BY_NAME,
  POOL_TYPE_BY_NAME,
  type ApiInfo,
  type PoolKind,
} from '../apis';
import type { Argument, Call, Expression, Routine, Script, Statement, TagLiteral } from '../ast';
import type { ResolvedCall, SymbolTable } from '../symbols';
import { forEachCall, forEachStatement } from './walk';

// ---------------------------------------------------------------- allocation sites

/** One allocation call in the script: the block it makes, where and with which tag. */
export interface AllocationSite {
  call: Call;
  api: ApiInfo;
  routine: Routine;
  /** Paged or non-paged, when the pool type / flags argument says so. */
  pool: PoolKind | undefined;
  /** The display tag (`'Abc '`), the system tag, or `None` for untagged APIs. */
  tag: string | undefined;
  /** The tag literal argument, for APIs that take one. */
  tagLiteral: TagLiteral | undefined;
  /** True when the allocation charges the current process's quota. */
  chargesQuota: boolean;
}

/** Names in a pool-type or flags argument. */
export function argumentNames(arg: Argument | undefined): string[] {
  if (!arg) return [];
  if (arg.type === 'identifier') return [arg.name];
  if (arg.type === 'flags') return arg.names.map((n) => n.name);
  return [];
}

/** The pool kind an allocation call asks for, from its API row and arguments. */
export function poolKindOf(api: ApiInfo, call: Call): PoolKind | undefined {
  const pool = api.allocates?.pool;
  if (!pool) return undefined;
  if (pool.from === 'fixed') return pool.kind;
  const names = argumentNames(call.args[pool.arg]);
  if (pool.from === 'poolType') {
    for (const n of names) {
      const t = POOL_TYPE_BY_NAME.get(n);
      if (t) return t.pool;
    }
    return undefined;
  }
  for (const n of names) {
    const f = POOL_FLAG_BY_NAME.get(n);
    if (f?.pool) return f.pool;
  }
  return undefined;
}

/** Whether the call charges quota (ExAllocatePoolWithQuota*, or POOL_FLAG_USE_QUOTA). */
export function chargesQuota(api: ApiInfo, call: Call): boolean {
  const q = api.allocates?.quota;
  if (q === 'always') return true;
  if (q === 'flag') {
    const pool = api.allocates!.pool;
    const arg = pool.from === 'flags' ? pool.arg : 0;
    return argumentNames(call.args[arg]).includes('POOL_FLAG_USE_QUOTA');
  }
  return false;
}

function makeSite(call: Call, api: ApiInfo, routine: Routine): AllocationSite {
  const a = api.allocates!;
  let tag: string | undefined;
  let tagLiteral: TagLiteral | undefined;
  if (a.tag.from === 'arg') {
    const arg = call.args[a.tag.arg];
    if (arg?.type === 'tag') {
      tagLiteral = arg;
      tag = arg.value;
    }
  } else if (a.tag.from === 'system') tag = a.tag.tag;
  else tag = 'None';
  return { call, api, routine, pool: poolKindOf(api, call), tag, tagLiteral, chargesQuota: chargesQuota(api, call) };
}

// ---------------------------------------------------------------- contexts

/** Why IRQL can be DISPATCH_LEVEL at a point. */
export type DispatchCause =
  /** The routine runs at DISPATCH_LEVEL by its kind (dpc, completion) or by a hand-off. */
  | { kind: 'routine'; routine: Routine; routineKind: 'dpc' | 'completion' }
  /** A spin lock is held: KeAcquireSpinLock raised IRQL. */
  | { kind: 'spinLock'; routine: Routine; call: Call; lock: string }
  /** KeRaiseIrql raised IRQL and KeLowerIrql has not yet restored it. */
  | { kind: 'raiseIrql'; routine: Routine; call: Call };

/** One helper call on the way from a context's root to a routine. */
export interface CallLink {
  caller: Routine;
  call: Call;
  callee: Routine;
}

/** One way a routine can run. */
export interface RoutineContext {
  routine: Routine;
  /** The routine that the system starts (a dpc, dispatch, entry, … or an uncalled helper). */
  root: Routine;
  /** The helper calls from `root` to `routine` (empty for the root itself). */
  chain: CallLink[];
  /** Why IRQL is DISPATCH_LEVEL when the routine starts, if it can be. */
  entryDispatch: DispatchCause | undefined;
  /**
   * The spin locks held and IRQL raises in effect at the call that started this context (for
   * helpers), so a helper that releases its caller's lock is at PASSIVE_LEVEL after the release.
   */
  entryIrql?: readonly IrqlState[];
  /**
   * Set when the routine runs in an arbitrary process (inside a DPC or a completion routine):
   * quota charged there lands on whatever process happens to be current.
   */
  arbitraryProcess: { root: Routine; kind: 'dpc' | 'completion' } | undefined;
}

/** A call as it executes in one context. */
export interface CallInContext {
  call: Call;
  resolved: ResolvedCall;
  context: RoutineContext;
  /** Why IRQL can be DISPATCH_LEVEL at this call, if it can. */
  dispatch: DispatchCause | undefined;
  /** For each argument: the allocation sites whose block it may hold (empty for non-pointers). */
  argSites: ReadonlySet<AllocationSite>[];
}

export interface ProgramModel {
  script: Script;
  symbols: SymbolTable;
  /** Every allocation call of the script, in source order. */
  sites: AllocationSite[];
  siteOf(call: Call): AllocationSite | undefined;
  /** Each routine's contexts, roots first, shortest chains first. */
  contexts: ReadonlyMap<Routine, RoutineContext[]>;
  /** Every reachable call in every context, in discovery order. */
  calls: CallInContext[];
  /** What each global / list / helper parameter may hold. */
  globalSites: ReadonlyMap<string, ReadonlySet<AllocationSite>>;
  listSites: ReadonlyMap<string, ReadonlySet<AllocationSite>>;
  /** `KeInsertQueueDpc(R)` / `IoSetCompletionRoutineEx(i, R)` calls that start R. */
  starters: ReadonlyMap<Routine, Call[]>;
}

const EMPTY: ReadonlySet<AllocationSite> = new Set();

/** The model is built once per (script, symbols) and shared by every rule of one lint run. */
const cache = new WeakMap<SymbolTable, ProgramModel>();

export function analyzeProgram(script: Script, symbols: SymbolTable): ProgramModel {
  let model = cache.get(symbols);
  if (!model || model.script !== script) {
    model = new ProgramAnalysis(script, symbols).run();
    cache.set(symbols, model);
  }
  return model;
}

/** Drops the memoised model of a symbol table (a caller that keeps it but is done linting). */
export function forgetProgramModel(symbols: SymbolTable): void {
  cache.delete(symbols);
}

/** `TimerDpc → UpdateStats`: the routine names from a context's root to its routine. */
export function chainText(context: RoutineContext): string {
  return [context.root.name.name, ...context.chain.map((l) => l.callee.name.name)].join(' → ');
}

/** Every call expression in a statement, in source order (kept here for the rules that import it from irql). */
export { forEachCall };

// ---------------------------------------------------------------- the walk

const loopScoped = new WeakMap<Routine, ReadonlySet<string>>();

/**
 * The `foreach` variables of a routine that are read only inside a `foreach` over that same
 * variable: never assigned, never a parameter, never mentioned by a broken statement, and no
 * `foreach` over one nested inside another over the same name. Whatever such a variable holds
 * outside its loops is never read.
 */
export function loopScopedVariables(r: Routine): ReadonlySet<string> {
  let found = loopScoped.get(r);
  if (found) return found;
  const excluded = new Set<string>(r.params.map((p) => p.name));
  const loops: Extract<Statement, { type: 'foreach' }>[] = [];
  /** Per name: its reads in the routine, and those inside a `foreach` over that name. */
  const reads = new Map<string, number>();
  const readsInItsLoops = new Map<string, number>();
  const count = (map: Map<string, number>, name: string): void => {
    map.set(name, (map.get(name) ?? 0) + 1);
  };
  forEachStatement(r.body, (st) => {
    if (st.type === 'foreach') loops.push(st);
    else if (st.type === 'assign') excluded.add(st.target.name);
    else if (st.type === 'error') {
      if (st.assigns) excluded.add(st.assigns.name);
      for (const n of st.names ?? []) excluded.add(n);
    }
    for (const name of namesReadBy(st)) count(reads, name);
  });
  for (const loop of loops) {
    const v = loop.variable.name;
    forEachStatement(loop.body, (st) => {
      if (st.type === 'foreach' && st.variable.name === v) excluded.add(v);
      for (const name of namesReadBy(st)) if (name === v) count(readsInItsLoops, v);
    });
  }
  found = new Set(loops.map((l) => l.variable.name).filter((v) => !excluded.has(v) && reads.get(v) === readsInItsLoops.get(v)));
  loopScoped.set(r, found);
  return found;
}

/** The locals a statement itself reads (not those of the statements nested in it). */
function namesReadBy(st: Statement): string[] {
  const args = (call: Call): string[] => call.args.flatMap((a) => (a.type === 'identifier' ? [a.name] : []));
  switch (st.type) {
    case 'assign':
      return st.value.type === 'identifier' ? [st.value.name] : st.value.type === 'call' ? args(st.value) : [];
    case 'callStatement':
      return args(st.call);
    case 'push':
      return [st.value.name];
    default:
      return [];
  }
}

/** A spin lock held at a point: its name and the KeAcquireSpinLock call (in `routine`). */
export interface HeldLock {
  name: string;
  call: Call;
  routine: Routine;
}
/** A KeRaiseIrql in effect at a point. */
export interface Raise {
  level: number;
  call: Call;
  routine: Routine;
}
/** One possible IRQL situation at a point, beyond what the routine kind implies. */
export interface IrqlState {
  locks: HeldLock[];
  raises: Raise[];
}

const irqlKeys = new WeakMap<IrqlState, string>();

function irqlKey(s: IrqlState): string {
  let key = irqlKeys.get(s);
  if (key === undefined) {
    key = computeIrqlKey(s);
    irqlKeys.set(s, key);
  }
  return key;
}

function computeIrqlKey(s: IrqlState): string {
  return s.locks.map((l) => `L${l.name}@${l.call.range.start.offset}`).join(',') + '|' + s.raises.map((r) => `R${r.level}@${r.call.range.start.offset}`).join(',');
}

/** Which locks are held and how high IRQL is raised, whoever took them (for context identity). */
function situationKey(s: IrqlState): string {
  return s.locks.map((l) => l.name).sort().join(',') + '|' + s.raises.map((r) => r.level).join(',');
}

/**
 * Puts states into a map by key; past MAX_IRQL_STATES the rest are merged into one state that
 * holds every lock any of them holds (a sound over-approximation for a may-analysis).
 */
function collectIrqlStates(states: Iterable<IrqlState>): Map<string, IrqlState> {
  const out = new Map<string, IrqlState>();
  let overflow: IrqlState | undefined;
  for (const t of states) {
    const key = irqlKey(t);
    if (out.has(key)) continue;
    if (out.size < MAX_IRQL_STATES - 1) {
      out.set(key, t);
      continue;
    }
    if (!overflow) overflow = { locks: [...t.locks], raises: [...t.raises] };
    else {
      for (const l of t.locks) if (!overflow.locks.some((o) => o.name === l.name)) overflow.locks.push(l);
      if (t.raises.length > overflow.raises.length) overflow.raises = [...t.raises];
    }
  }
  if (overflow) out.set(irqlKey(overflow), overflow);
  return out;
}

type Sites = ReadonlySet<AllocationSite>;

/**
 * What each local may hold: an immutable chain of maps, so that copying a state is free and
 * joining the two branches of an `if` costs only what the branches changed. Each map is less
 * than half the size of the one below it (pushing merges the top ones, like a binary counter),
 * so a chain has O(log n) maps and a routine of 10,000 statements stays near-linear.
 */
class Env {
  private constructor(
    private readonly parent: Env | undefined,
    private readonly own: Map<string, Sites>,
  ) {}

  /** The shared root of every chain, never merged away, so two chains always meet. */
  static readonly EMPTY = new Env(undefined, new Map());

  get(name: string): Sites | undefined {
    for (let e: Env | undefined = this; e; e = e.parent) {
      const v = e.own.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  with(name: string, value: Sites): Env {
    if (this.get(name) === value) return this;
    return Env.over(this, new Map([[name, value]]));
  }

  /** Adds several bindings at once on top of `base`. */
  static over(base: Env, entries: Map<string, Sites>): Env {
    if (entries.size === 0) return base;
    let parent: Env = base;
    let own = entries;
    while (parent !== Env.EMPTY && parent.own.size <= 2 * own.size) {
      const merged = new Map(parent.own);
      for (const [k, v] of own) merged.set(k, v);
      own = merged;
      parent = parent.parent!;
    }
    return new Env(parent, own);
  }

  /** The nearest environment both chains extend, and the names either changed above it. */
  static divergence(a: Env, b: Env): { base: Env; changed: Set<string> } {
    const ancestors = new Set<Env>();
    for (let e: Env | undefined = a; e; e = e.parent) ancestors.add(e);
    let base: Env = b;
    while (!ancestors.has(base)) base = base.parent!; // both chains end at EMPTY
    const changed = new Set<string>();
    for (const start of [a, b]) for (let e: Env = start; e !== base; e = e.parent!) for (const k of e.own.keys()) changed.add(k);
    return { base, changed };
  }
}

function joinEnv(a: Env, b: Env): Env {
  if (a === b) return a;
  const { base, changed } = Env.divergence(a, b);
  const merged = new Map<string, Sites>();
  for (const k of changed) merged.set(k, union(a.get(k) ?? EMPTY, b.get(k) ?? EMPTY));
  return Env.over(base, merged);
}

function sameSites(v: Sites | undefined, w: Sites | undefined): boolean {
  const x = v ?? EMPTY;
  const y = w ?? EMPTY;
  if (x === y) return true;
  if (x.size !== y.size) return false;
  for (const s of x) if (!y.has(s)) return false;
  return true;
}

function sameEnv(a: Env, b: Env): boolean {
  if (a === b) return true;
  for (const k of Env.divergence(a, b).changed) if (!sameSites(a.get(k), b.get(k))) return false;
  return true;
}

/**
 * Abstract state at a program point; `irql` empty = unreachable. The `irql` map is never changed
 * once built (a new state gets a new map), so states can share it.
 */
interface FlowState {
  irql: ReadonlyMap<string, IrqlState>;
  env: Env;
}

function emptyState(): FlowState {
  return { irql: new Map(), env: Env.EMPTY };
}

function cloneState(s: FlowState): FlowState {
  return { irql: s.irql, env: s.env };
}

function union<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): ReadonlySet<T> {
  if (b.size === 0 || a === b) return a;
  if (a.size === 0) return b;
  // Joins mostly meet sets where one already holds the other: answer without allocating.
  if (b.size <= a.size && isSubset(b, a)) return a;
  if (a.size < b.size && isSubset(a, b)) return b;
  const out = new Set(a);
  for (const x of b) out.add(x);
  return out;
}

/** Whether every element of `small` is in `big` (a set, or a map by its keys). */
function isSubset<T>(small: Iterable<T>, big: { has(x: T): boolean }): boolean {
  for (const x of small) if (!big.has(x)) return false;
  return true;
}

function join(a: FlowState, b: FlowState): FlowState {
  if (a.irql.size === 0) return b;
  if (b.irql.size === 0) return a;
  return { irql: joinIrql(a.irql, b.irql), env: joinEnv(a.env, b.env) };
}

/**
 * The IRQL situations of either map, `a`'s first (the order decides which cause a message
 * names); `a` itself when it already holds every situation of `b`.
 */
function joinIrql(a: ReadonlyMap<string, IrqlState>, b: ReadonlyMap<string, IrqlState>): ReadonlyMap<string, IrqlState> {
  if (a === b || (b.size <= a.size && isSubset(b.keys(), a))) return a;
  return collectIrqlStates([...a.values(), ...b.values()]);
}

function sameState(a: FlowState, b: FlowState): boolean {
  if (a.irql.size !== b.irql.size) return false;
  for (const k of a.irql.keys()) if (!b.irql.has(k)) return false;
  return sameEnv(a.env, b.env);
}

/** Above this many distinct IRQL states at one point, the rest are merged (keeps the walk linear). */
const MAX_IRQL_STATES = 16;
/** Nested KeRaiseIrql calls tracked; deeper ones change nothing the rules ask about. */
const MAX_RAISE_DEPTH = 4;
/** Loop bodies are re-walked until nothing changes, at most this often. */
const MAX_LOOP_ITERATIONS = 8;
/**
 * Loops nested deeper than this get one pass instead of a fixed point: re-walking nested loops
 * multiplies (2^depth), and a third level of nesting rarely changes what a pointer may hold.
 */
const MAX_FIXPOINT_LOOP_DEPTH = 2;
/** Statements one routine walk may visit before every further loop gets a single pass. */
const WALK_BUDGET = 200_000;
/** Distinct entry situations analysed per routine before only new kinds of context are added. */
const MAX_CONTEXTS_PER_ROUTINE = 8;
/** Whole-program passes for the flow-insensitive globals, lists and parameters. */
const MAX_PROGRAM_PASSES = 12;

class ProgramAnalysis {
  private readonly sites: AllocationSite[] = [];
  private readonly siteByCall = new Map<Call, AllocationSite>();
  private readonly globals = new Map<string, ReadonlySet<AllocationSite>>();
  private readonly lists = new Map<string, ReadonlySet<AllocationSite>>();
  /** Routine → parameter index → sites. */
  private readonly params = new Map<Routine, ReadonlySet<AllocationSite>[]>();
  private readonly starters = new Map<Routine, Call[]>();
  /** Phase 1: routines whose inputs grew since their last walk. */
  private readonly dirty = new Set<Routine>();
  /** Phase 1: for the globals map and the lists map, name → the routines that read it. */
  private readonly readers = new Map<Map<string, ReadonlySet<AllocationSite>>, Map<string, Set<Routine>>>();

  // Per-walk (phase 2) recording.
  private recording: Map<Call, CallInContext> | undefined;
  private currentContext: RoutineContext | undefined;
  private currentRoutine!: Routine;
  private completionTargets = new Map<string, Routine[]>();
  private pendingContexts: RoutineContext[] = [];
  private loopDepth = 0;
  private budget = WALK_BUDGET;

  constructor(
    private readonly script: Script,
    private readonly symbols: SymbolTable,
  ) {}

  run(): ProgramModel {
    for (const r of this.script.routines) {
      forEachCall(r.body, (call) => {
        const res = this.resolve(call);
        if (res.kind !== 'api') return;
        if (res.api.allocates) {
          const site = makeSite(call, res.api, r);
          this.sites.push(site);
          this.siteByCall.set(call, site);
        }
        const target = this.routineArg(call, res.api);
        if (target && (res.api.effect === 'queueDpc' || res.api.effect === 'setCompletionRoutine')) {
          const list = this.starters.get(target) ?? [];
          list.push(call);
          this.starters.set(target, list);
        }
      });
    }

    // Phase 1: what globals, lists and parameters may hold, to a fixed point. Each pass walks,
    // in script order, only the routines whose inputs grew since their last walk (a parameter,
    // or a global or list they read); the first pass walks them all. A routine that becomes
    // dirty later in the order than the one being walked is walked in the same pass, so this
    // visits routines in the same order as re-walking everything and reaches the same result,
    // without re-walking a 10,000-routine script once per level of a helper chain.
    for (const r of this.script.routines) this.dirty.add(r);
    for (let pass = 0; pass < MAX_PROGRAM_PASSES && this.dirty.size > 0; pass++) {
      for (const r of this.script.routines) {
        if (!this.dirty.delete(r)) continue;
        this.walkRoutine(r, undefined);
      }
    }
    this.dirty.clear();

    // Phase 2: contexts, breadth first so each routine's first context has the shortest chain.
    const contexts = new Map<Routine, RoutineContext[]>();
    const seen = new Set<string>();
    const seenCoarse = new Set<string>();
    const calls: CallInContext[] = [];
    const queue: RoutineContext[] = [];
    const enqueue = (c: RoutineContext) => {
      // One context per (routine, IRQL situation at entry, process): the first found has the
      // shortest chain. Past MAX_CONTEXTS_PER_ROUTINE only a new (DISPATCH?, arbitrary?) class
      // is added, so no finding is lost and the number of walks stays bounded.
      const coarse = `${c.routine.range.start.offset}:${c.entryDispatch ? 1 : 0}:${c.arbitraryProcess ? 1 : 0}`;
      const fine = `${coarse}:${c.entryDispatch?.kind === 'routine' ? 'R' : ''}:${(c.entryIrql ?? []).map(situationKey).sort().join(';')}`;
      if (seen.has(fine)) return;
      if ((contexts.get(c.routine)?.length ?? 0) >= MAX_CONTEXTS_PER_ROUTINE && seenCoarse.has(coarse)) return;
      seen.add(fine);
      seenCoarse.add(coarse);
      queue.push(c);
      const list = contexts.get(c.routine) ?? [];
      list.push(c);
      contexts.set(c.routine, list);
    };
    const called = this.calledRoutines();
    for (const r of this.script.routines) {
      const root = this.rootContext(r, called);
      if (root) enqueue(root);
    }
    const drain = () => {
      while (queue.length) {
        const c = queue.shift()!;
        this.pendingContexts = [];
        this.recording = new Map();
        this.currentContext = c;
        this.walkRoutine(c.routine, c);
        calls.push(...this.recording.values());
        this.recording = undefined;
        this.currentContext = undefined;
        for (const p of this.pendingContexts) enqueue(p);
      }
    };
    drain();
    // Helpers called only from unreachable code still get analysed, as if called at PASSIVE_LEVEL.
    for (const r of this.script.routines) {
      if (!contexts.has(r)) {
        enqueue(this.passiveRoot(r));
        drain();
      }
    }

    const siteByCall = this.siteByCall;
    return {
      script: this.script,
      symbols: this.symbols,
      sites: this.sites,
      siteOf: (call) => siteByCall.get(call),
      contexts,
      calls,
      globalSites: this.globals,
      listSites: this.lists,
      starters: this.starters,
    };
  }

  /** Calls resolve the same way on every walk: once each. */
  private readonly resolved = new Map<Call, ResolvedCall>();

  private resolve(call: Call): ResolvedCall {
    let res = this.resolved.get(call);
    if (res === undefined) {
      try {
        res = this.symbols.resolveCall(call);
      } catch {
        res = { kind: 'unknown' };
      }
      this.resolved.set(call, res);
    }
    return res;
  }

  /** Per routine: IRP name → the completion routines `IoSetCompletionRoutineEx` sets on it. */
  private readonly completionTargetsOf = new Map<Routine, Map<string, Routine[]>>();

  private completionTargetsIn(r: Routine): Map<string, Routine[]> {
    let targets = this.completionTargetsOf.get(r);
    if (targets) return targets;
    targets = new Map();
    forEachCall(r.body, (call) => {
      const res = this.resolve(call);
      if (res.kind === 'api' && res.api.effect === 'setCompletionRoutine') {
        const irp = call.args[0];
        const target = this.routineArg(call, res.api);
        if (irp?.type === 'identifier' && target) {
          const list = targets!.get(irp.name) ?? [];
          list.push(target);
          targets!.set(irp.name, list);
        }
      }
    });
    this.completionTargetsOf.set(r, targets);
    return targets;
  }

  /** The routine named by an API's `routine` parameter, if any. */
  private routineArg(call: Call, api: ApiInfo): Routine | undefined {
    const i = api.params.findIndex((p) => p.kind === 'routine');
    if (i < 0) return undefined;
    const arg = call.args[i];
    return arg?.type === 'identifier' ? this.symbols.routines.get(arg.name) : undefined;
  }

  private calledRoutines(): Set<Routine> {
    const called = new Set<Routine>();
    for (const r of this.script.routines) {
      forEachCall(r.body, (call) => {
        const res = this.resolve(call);
        if (res.kind === 'helper' && res.routine !== r) called.add(res.routine);
        if (res.kind === 'api') {
          const t = this.routineArg(call, res.api);
          if (t) called.add(t);
        }
      });
    }
    return called;
  }

  private passiveRoot(r: Routine): RoutineContext {
    return { routine: r, root: r, chain: [], entryDispatch: undefined, arbitraryProcess: undefined };
  }

  private dispatchRoot(r: Routine, kind: 'dpc' | 'completion'): RoutineContext {
    return {
      routine: r,
      root: r,
      chain: [],
      entryDispatch: { kind: 'routine', routine: r, routineKind: kind },
      arbitraryProcess: { root: r, kind },
    };
  }

  private rootContext(r: Routine, called: Set<Routine>): RoutineContext | undefined {
    switch (r.kind) {
      case 'dpc':
      case 'completion':
        return this.dispatchRoot(r, r.kind);
      case 'routine': {
        // A helper handed to KeInsertQueueDpc / IoSetCompletionRoutineEx runs as that kind
        // (wrong-kind reports the mistake; the context is still what the system would do).
        for (const c of this.starters.get(r) ?? []) {
          const api = this.resolve(c);
          if (api.kind === 'api') return this.dispatchRoot(r, api.api.effect === 'queueDpc' ? 'dpc' : 'completion');
        }
        return called.has(r) ? undefined : this.passiveRoot(r);
      }
      default:
        return this.passiveRoot(r);
    }
  }

  // ------------------------------------------------------------ statements

  private walkRoutine(r: Routine, context: RoutineContext | undefined): void {
    this.currentRoutine = r;
    this.completionTargets = this.completionTargetsIn(r);
    const start = emptyState();
    start.irql = collectIrqlStates(context?.entryIrql?.length ? context.entryIrql : [{ locks: [], raises: [] }]);
    const params = this.params.get(r);
    r.params.forEach((p, i) => (start.env = start.env.with(p.name, params?.[i] ?? EMPTY)));
    this.loopDepth = 0;
    this.budget = WALK_BUDGET;
    this.walkStatement(r.body, start);
  }

  private walkStatement(s: Statement, state: FlowState): FlowState {
    if (state.irql.size === 0) return state; // unreachable
    this.budget--;
    switch (s.type) {
      case 'block': {
        let st = state;
        for (const x of s.statements) st = this.walkStatement(x, st);
        return st;
      }
      case 'assign': {
        const st = cloneState(state);
        const value = this.evalExpression(s.value, st);
        this.assign(s.target.name, value, st);
        return st;
      }
      case 'callStatement': {
        const st = cloneState(state);
        this.visitCall(s.call, st);
        return st;
      }
      case 'push': {
        this.addTo(this.lists, s.list.name, this.lookup(s.value.name, state));
        return state;
      }
      case 'foreach': {
        const loopVar = s.variable.name;
        const before = state.env.get(loopVar) ?? EMPTY;
        const scoped = loopScopedVariables(this.currentRoutine).has(loopVar);
        return this.loop(state, (st) => {
          const inner = cloneState(st);
          inner.env = inner.env.with(loopVar, this.read(this.lists, s.list.name));
          const out = this.walkStatement(s.body, inner);
          // Nothing reads a loop-scoped variable outside its loop: keep its value from before,
          // rather than joining every list it ever walked (an unload routine with a hundred
          // `foreach p in …` loops would otherwise build ever larger sets for `p`).
          if (scoped && out.irql.size > 0) out.env = out.env.with(loopVar, before);
          return out;
        });
      }
      case 'repeat':
        return this.loop(state, (st) => this.walkStatement(s.body, st));
      case 'if': {
        let thenIn = state;
        let elseIn = state;
        const c = s.condition;
        if (c.type === 'nullCheck' && !this.isGlobal(c.variable.name)) {
          // On the branch where the pointer is NULL it holds no block.
          const nullBranch = cloneState(state);
          nullBranch.env = nullBranch.env.with(c.variable.name, EMPTY);
          if (c.operator === '==') thenIn = nullBranch;
          else elseIn = nullBranch;
        }
        const thenOut = this.walkStatement(s.then, thenIn);
        const elseOut = s.else ? this.walkStatement(s.else, elseIn) : elseIn;
        return join(thenOut, elseOut);
      }
      case 'return':
        return emptyState();
      case 'error': {
        const names = s.names ?? [];
        const restores = names.includes('KeReleaseSpinLock') || names.includes('KeLowerIrql');
        if (!s.assigns && !restores) return state;
        const st = cloneState(state);
        if (s.assigns) this.assign(s.assigns.name, EMPTY, st);
        // A half-typed KeReleaseSpinLock / KeLowerIrql still ends its region: otherwise every
        // paged allocation after it would be a follow-on finding of the typo.
        if (names.includes('KeReleaseSpinLock')) {
          this.mapIrql(st, (x) => {
            const kept = x.locks.filter((l) => !names.includes(l.name));
            return { locks: kept.length < x.locks.length ? kept : x.locks.slice(0, -1), raises: x.raises };
          });
        }
        if (names.includes('KeLowerIrql')) this.mapIrql(st, (x) => ({ locks: x.locks, raises: x.raises.slice(0, -1) }));
        return st;
      }
      default:
        return state;
    }
  }

  /** A loop body runs zero or more times: iterate until the state at its head stops growing. */
  private loop(state: FlowState, body: (s: FlowState) => FlowState): FlowState {
    let head = state;
    this.loopDepth++;
    try {
      const iterations = this.loopDepth <= MAX_FIXPOINT_LOOP_DEPTH ? MAX_LOOP_ITERATIONS : 1;
      for (let i = 0; i < iterations; i++) {
        const out = body(head);
        const next = join(head, out);
        if (sameState(next, head)) break;
        head = next;
        if (this.budget <= 0) break;
      }
    } finally {
      this.loopDepth--;
    }
    return head;
  }

  private isParam(name: string): boolean {
    return this.currentRoutine.params.some((p) => p.name === name);
  }

  private isGlobal(name: string): boolean {
    return !this.isParam(name) && this.symbols.globals.has(name);
  }

  private lookup(name: string, state: FlowState): ReadonlySet<AllocationSite> {
    if (this.isGlobal(name)) return this.read(this.globals, name);
    return state.env.get(name) ?? EMPTY;
  }

  private assign(name: string, value: ReadonlySet<AllocationSite>, state: FlowState): void {
    if (this.isGlobal(name)) this.addTo(this.globals, name, value);
    else state.env = state.env.with(name, value);
  }

  /**
   * Globals and lists are tracked flow-insensitively: their sites only grow, and the whole
   * program is re-walked while anything grows (`changed`). So their sets are grown in place —
   * copying them on every store made a list receiving N pushes cost O(N²) (a 5 MB script took
   * minutes). A local that read the set earlier sees the growth too, which the re-walk would
   * have given it anyway.
   */
  private addTo(map: Map<string, ReadonlySet<AllocationSite>>, key: string, value: ReadonlySet<AllocationSite>): void {
    if (value.size === 0) return;
    let owned = this.ownedSets.get(map)?.get(key);
    if (!owned) {
      owned = new Set(map.get(key) ?? EMPTY);
      let byKey = this.ownedSets.get(map);
      if (!byKey) this.ownedSets.set(map, (byKey = new Map()));
      byKey.set(key, owned);
      map.set(key, owned);
    }
    const size = owned.size;
    for (const site of value) owned.add(site);
    if (owned.size !== size) for (const r of this.readers.get(map)?.get(key) ?? []) this.dirty.add(r);
  }

  /**
   * What a global or list may hold; in phase 1 (no recording), also notes that the routine being
   * walked reads it, so it is walked again when that grows.
   */
  private read(map: Map<string, ReadonlySet<AllocationSite>>, name: string): ReadonlySet<AllocationSite> {
    if (!this.recording) {
      let byName = this.readers.get(map);
      if (!byName) this.readers.set(map, (byName = new Map()));
      let routines = byName.get(name);
      if (!routines) byName.set(name, (routines = new Set()));
      routines.add(this.currentRoutine);
    }
    return map.get(name) ?? EMPTY;
  }

  /** The sets of globals and lists that addTo created and may grow in place. */
  private readonly ownedSets = new Map<Map<string, ReadonlySet<AllocationSite>>, Map<string, Set<AllocationSite>>>();

  private addToParam(r: Routine, index: number, value: ReadonlySet<AllocationSite>): void {
    if (index >= r.params.length || value.size === 0) return;
    const list = this.params.get(r) ?? r.params.map(() => EMPTY);
    let after = union(list[index], value);
    if (after !== list[index]) {
      // Never share the caller's set: a global's or list's set grows in place, and a parameter
      // must only grow through here, where its routine is marked for another walk.
      if (after === value) after = new Set(value);
      list[index] = after;
      this.params.set(r, list);
      this.dirty.add(r);
    }
  }

  private evalExpression(e: Expression, state: FlowState): ReadonlySet<AllocationSite> {
    switch (e.type) {
      case 'call': {
        this.visitCall(e, state);
        const site = this.siteByCall.get(e);
        return site ? this.only(site) : EMPTY;
      }
      case 'pop':
        return this.read(this.lists, e.list.name);
      case 'identifier':
        return this.lookup(e.name, state);
      default:
        return EMPTY;
    }
  }

  /** `{site}`, one set per site (sets handed around are never changed: see addTo, addToParam). */
  private readonly singletons = new Map<AllocationSite, ReadonlySet<AllocationSite>>();

  private only(site: AllocationSite): ReadonlySet<AllocationSite> {
    let set = this.singletons.get(site);
    if (!set) this.singletons.set(site, (set = new Set([site])));
    return set;
  }

  private argSites(call: Call, state: FlowState): ReadonlySet<AllocationSite>[] {
    return call.args.map((a) => (a.type === 'identifier' ? this.lookup(a.name, state) : EMPTY));
  }

  /** Applies a call's effect on IRQL and on what pointers hold; records it in phase 2. */
  private visitCall(call: Call, state: FlowState): void {
    const res = this.resolve(call);
    const args = this.argSites(call, state);
    if (this.recording && this.currentContext) this.record(call, res, args, state);

    if (res.kind === 'helper') {
      res.routine.params.forEach((_, i) => this.addToParam(res.routine, i, args[i] ?? EMPTY));
      if (this.recording && this.currentContext) {
        const ctx = this.currentContext;
        const cause = this.dispatchCause(state);
        this.pendingContexts.push({
          routine: res.routine,
          root: ctx.root,
          chain: [...ctx.chain, { caller: ctx.routine, call, callee: res.routine }],
          entryDispatch: cause,
          entryIrql: [...state.irql.values()],
          arbitraryProcess: ctx.arbitraryProcess,
        });
      }
      return;
    }
    if (res.kind !== 'api') return;
    const api = res.api;
    switch (api.effect) {
      case 'acquireSpinLock': {
        const arg = call.args[0];
        const name = arg?.type === 'identifier' ? arg.name : '?';
        // Acquiring a lock already held would deadlock; the model keeps one entry per name.
        this.mapIrql(state, (s) => (s.locks.some((l) => l.name === name) ? s : { locks: [...s.locks, { name, call, routine: this.currentRoutine }], raises: s.raises }));
        return;
      }
      case 'releaseSpinLock': {
        const arg = call.args[0];
        const name = arg?.type === 'identifier' ? arg.name : '?';
        this.mapIrql(state, (s) => {
          const i = s.locks.map((l) => l.name).lastIndexOf(name);
          // Releasing an unnamed or unknown lock: assume the innermost one.
          const at = i >= 0 ? i : name === '?' ? s.locks.length - 1 : -1;
          if (at < 0) return s;
          return { locks: s.locks.filter((_, j) => j !== at), raises: s.raises };
        });
        return;
      }
      case 'raiseIrql': {
        const arg = call.args[0];
        const level = arg?.type === 'identifier' ? (IRQL_CONSTANTS.get(arg.name) ?? DISPATCH_LEVEL) : DISPATCH_LEVEL;
        this.mapIrql(state, (s) => (s.raises.length >= MAX_RAISE_DEPTH ? s : { locks: s.locks, raises: [...s.raises, { level, call, routine: this.currentRoutine }] }));
        return;
      }
      case 'lowerIrql':
        this.mapIrql(state, (s) => ({ locks: s.locks, raises: s.raises.slice(0, -1) }));
        return;
      case 'queueWorkItem':
      case 'exQueueWorkItem': {
        const target = this.routineArg(call, api);
        if (target) this.addToParam(target, 0, args[0] ?? EMPTY);
        return;
      }
      case 'callDriver': {
        const irp = call.args[0];
        if (irp?.type === 'identifier') {
          for (const target of this.completionTargets.get(irp.name) ?? []) this.addToParam(target, 0, args[0] ?? EMPTY);
        }
        return;
      }
      default:
        return;
    }
  }

  private mapIrql(state: FlowState, f: (s: IrqlState) => IrqlState): void {
    let changed = false;
    const mapped: IrqlState[] = [];
    for (const s of state.irql.values()) {
      const t = f(s);
      if (t !== s) changed = true;
      mapped.push(t);
    }
    if (changed) state.irql = collectIrqlStates(mapped);
  }


  /**
   * Why IRQL can be DISPATCH_LEVEL in this state, if it can: the routine kind (a DPC or
   * completion routine, or a helper of one), else a held spin lock or a raise — which may have
   * been taken by a caller and not yet released.
   */
  private dispatchCause(state: FlowState): DispatchCause | undefined {
    if (this.currentContext?.entryDispatch?.kind === 'routine') return this.currentContext.entryDispatch;
    for (const s of state.irql.values()) {
      if (s.locks.length) return { kind: 'spinLock', routine: s.locks[0].routine, call: s.locks[0].call, lock: s.locks[0].name };
      const raise = s.raises.find((r) => r.level >= DISPATCH_LEVEL);
      if (raise) return { kind: 'raiseIrql', routine: raise.routine, call: raise.call };
    }
    return undefined;
  }

  private record(call: Call, resolved: ResolvedCall, args: ReadonlySet<AllocationSite>[], state: FlowState): void {
    const prev = this.recording!.get(call);
    const dispatch = this.dispatchCause(state);
    if (!prev) {
      this.recording!.set(call, { call, resolved, context: this.currentContext!, dispatch, argSites: args });
      return;
    }
    // The same call met again in a loop iteration: widen.
    prev.dispatch ??= dispatch;
    prev.argSites = prev.argSites.map((s, i) => union(s, args[i] ?? EMPTY));
  }
}

// ---------------------------------------------------------------- wording shared by the context rules

/** One place worth pointing at from a finding (becomes LSP relatedInformation). */
export interface ContextNote {
  node: { range: Call['range'] };
  message: string;
}

function kindWord(kind: 'dpc' | 'completion'): string {
  return kind === 'dpc' ? 'DPC routine' : 'completion routine';
}

/**
 * Where and why IRQL is DISPATCH_LEVEL at a call, as a clause for a message:
 * "in DPC routine TimerDpc", "in UpdateStats, reached from DPC routine TimerDpc (TimerDpc → UpdateStats)",
 * "while spin lock 'Lock' is held (KeAcquireSpinLock, line 12)".
 */
export function describeDispatch(at: CallInContext): string {
  const cause = at.dispatch;
  const ctx = at.context;
  const here = ctx.routine.name.name;
  if (!cause) return `in ${here}`;
  const chained = ctx.chain.length > 0 ? ` (${chainText(ctx)})` : '';
  switch (cause.kind) {
    case 'routine':
      if (cause.routine === ctx.routine) return `in ${kindWord(cause.routineKind)} ${here}`;
      return `in ${here}, reached from ${kindWord(cause.routineKind)} ${cause.routine.name.name}${chained}`;
    case 'spinLock': {
      const what = `spin lock '${cause.lock}' is held (KeAcquireSpinLock, line ${cause.call.range.start.line})`;
      if (cause.routine === ctx.routine) return `in ${here} while ${what}`;
      return `in ${here}, called from ${cause.routine.name.name} while ${what}${chained}`;
    }
    case 'raiseIrql': {
      const what = `IRQL is raised (KeRaiseIrql, line ${cause.call.range.start.line})`;
      if (cause.routine === ctx.routine) return `in ${here} after ${what.replace('IRQL is raised', 'IRQL was raised')}`;
      return `in ${here}, called from ${cause.routine.name.name} while ${what}${chained}`;
    }
  }
}

/** The helper calls from a context's root to its routine, as related locations. */
export function chainNotes(ctx: RoutineContext): ContextNote[] {
  return ctx.chain.map((l) => ({
    node: l.call,
    message: `${l.caller.name.name} calls ${l.callee.name.name} here`,
  }));
}

/** The places that make IRQL DISPATCH_LEVEL at a call: chain, lock or raise, and who queues a DPC. */
export function dispatchNotes(model: ProgramModel, at: CallInContext): ContextNote[] {
  const notes = chainNotes(at.context);
  const cause = at.dispatch;
  if (!cause) return notes;
  if (cause.kind === 'spinLock') {
    notes.push({ node: cause.call, message: `spin lock '${cause.lock}' acquired here: IRQL is DISPATCH_LEVEL until KeReleaseSpinLock` });
  } else if (cause.kind === 'raiseIrql') {
    notes.push({ node: cause.call, message: 'IRQL raised here: it stays raised until KeLowerIrql' });
  } else {
    notes.push(...starterNotes(model, cause.routine));
  }
  return notes;
}

/** `KeInsertQueueDpc(TimerDpc)` / `IoSetCompletionRoutineEx(i, R)` calls that start a routine. */
export function starterNotes(model: ProgramModel, routine: Routine): ContextNote[] {
  return (model.starters.get(routine) ?? []).map((call) => ({
    node: call,
    message:
      call.callee.name === 'KeInsertQueueDpc'
        ? `${routine.name.name} is queued here and runs at DISPATCH_LEVEL in an arbitrary process`
        : `${routine.name.name} is set as completion routine here; IoCallDriver runs it at up to DISPATCH_LEVEL`,
  }));
}

/**
 * For each call, the one context (shortest chain first, then discovery order) that satisfies
 * `when` — one finding per call site however many ways lead to it.
 */
export function findingsPerCall(model: ProgramModel, when: (c: CallInContext) => boolean): CallInContext[] {
  const best = new Map<Call, CallInContext>();
  for (const c of model.calls) {
    if (!when(c)) continue;
    const prev = best.get(c.call);
    if (!prev || c.context.chain.length < prev.context.chain.length) best.set(c.call, c);
  }
  return [...best.values()].sort((a, b) => a.call.range.start.offset - b.call.range.start.offset);
}
