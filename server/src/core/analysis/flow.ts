/**
 * The per-routine walk of the ownership analysis (see ownership.ts for the model).
 *
 * Each routine is walked once, statements in order. The walk carries a *world*: for every
 * tracked object, the set of abstract states it can be in on the paths that reach this point.
 * Branches split the world (a NULL check refines the checked object's status; `chance` keeps
 * both sides), joins union the state sets, `repeat` runs its body twice (enough to see a
 * block overwritten by the next iteration), `foreach` runs its body zero, one and two times.
 * State sets are deduplicated and capped, so the walk is linear in the routine's size.
 *
 * Calls to helpers and hand-offs (IoQueueWorkItem, ExQueueWorkItem, IoCallDriver → the
 * completion routine set by IoSetCompletionRoutineEx) apply the callee's summary: for each
 * pointer argument, the set of fates the callee gives it on its non-NULL paths; the caller's
 * state forks once per fate. Summaries are memoised; recursion gets a conservative summary.
 *
 * Windows behaviour modelled (Microsoft Learn):
 * - A block must be released once, with the tag it was allocated with (ExFreePoolWithTag):
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exfreepoolwithtag
 * - IoFreeMdl does not unlock pages locked by MmProbeAndLockPages; MmUnlockPages must run first:
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iofreemdl
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockpages
 * - A work item is usually freed by its own work routine (IoFreeWorkItem):
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioqueueworkitem
 * - A driver that allocates an IRP with IoAllocateIrp frees it in its completion routine:
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-ioallocateirp
 * - Driver Verifier's Pool Tracking checks each of these (bug checks 0xC4, 0xC2, 0xCB):
 *   https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking
 */
import { lookupApi, type ApiInfo } from '../apis';
import type { Argument, Block, Call, Expression, Routine, Statement } from '../ast';
import type { AllocationSite, ExitPoint, Fate, FreeEvent, ObjState, Origin, RoutineSummary, Status } from './ownership';
import { forEachStatement } from './walk';

/** At most this many states per object at one point; beyond it states with the same status merge. */
const STATE_CAP = 16;
/** A loop body runs this many times in the walk (a second run exposes overwrite leaks)… */
const LOOP_RUNS = 2;
/** …except inside this many enclosing loops, where it runs once (nested loops would multiply). */
const MAX_DOUBLED_LOOPS = 3;
/** Worlds with more objects than this retire their settled ones (see RoutineWalk.inert). */
const RETIRE_ABOVE = 24;

interface Entry {
  readonly states: readonly ObjState[];
  /** True when the object exists on every path of the world (a NULL check may then prune it). */
  readonly total: boolean;
}
type World = ReadonlyMap<string, Entry>;

/** A finding the walk made, turned into a Diagnostic by program.ts. */
export type FlowFinding =
  | { kind: 'leak'; site: AllocationSite; exit: ExitPoint; variable: string | undefined; maybeNull: boolean; discarded?: boolean }
  | { kind: 'lockedPages'; lockCall: Call; exit: ExitPoint; variable: string | undefined; routine: Routine; from?: string }
  | { kind: 'doubleFree'; call: Call; first: Call | undefined; variable: string; via?: { callee: string; free: Call | undefined } }
  | { kind: 'release'; site: AllocationSite; event: FreeEvent };

/** What the walk needs from the program: routines by name, globals, lists, summaries of callees. */
export interface ProgramView {
  routines: ReadonlyMap<string, Routine>;
  globals: ReadonlySet<string>;
  lists: ReadonlySet<string>;
  /** Summary of a callee, or undefined while it is being computed (recursion). */
  summaryOf(routine: Routine): RoutineSummary | undefined;
  /** Records that `source` can flow into `target` (`global:g` / `list:L`). */
  storeEdge(target: string, source: Origin): void;
  report(finding: FlowFinding): void;
  /** The call node at an offset (for messages). */
  callAt(offset: number): Call | undefined;
  rememberCall(call: Call): void;
  /** Records that `target` can hold a block already freed by `free`. */
  danglingIn(target: string, free: Call): void;
  /** The MmProbeAndLockPages call whose locked MDL can be stored in `global:g` / `list:L`, if any. */
  lockedIn(target: string): Call | undefined;
}

export function tagArgument(arg: Argument | undefined): string | undefined {
  return arg && arg.type === 'tag' ? arg.value : undefined;
}

/** The allocation an API call makes, or undefined (`completion` blocks belong to the IRP). */
export function allocationOf(api: ApiInfo, call: Call, routine: Routine, variable: string | undefined): AllocationSite | undefined {
  const a = api.allocates;
  if (!a || !api.returnsBlock || a.block === 'completion') return undefined;
  const tag = a.tag.from === 'arg' ? tagArgument(call.args[a.tag.arg]) : a.tag.from === 'system' ? a.tag.tag : 'None';
  return { call, api, routine, block: a.block, tag, variable };
}

function withAlias(s: ObjState, v: string): ObjState {
  if (s.aliases.includes(v)) return s;
  return { ...s, aliases: [...s.aliases, v].sort() };
}

function withoutAlias(s: ObjState, v: string): ObjState {
  return { ...s, aliases: s.aliases.filter((a) => a !== v) };
}

function stateKey(s: ObjState): string {
  return `${s.status}|${s.aliases.join(',')}|${s.to ?? ''}|${s.lockSite?.range.start.offset ?? ''}|${s.unlocked ? 1 : 0}|${s.completion ?? ''}|${s.freedAt?.range.start.offset ?? ''}`;
}

function dedupe(states: readonly ObjState[]): ObjState[] {
  if (states.length < 2) return states.slice();
  const seen = new Map<string, ObjState>();
  for (const s of states) seen.set(stateKey(s), s);
  let out = [...seen.values()];
  if (out.length > STATE_CAP) {
    // Merge states that differ only in their aliases / free site: keeps the walk bounded.
    const merged = new Map<string, ObjState>();
    for (const s of out) {
      const k = `${s.status}|${s.to ?? ''}|${s.lockSite?.range.start.offset ?? ''}|${s.completion ?? ''}`;
      const m = merged.get(k);
      merged.set(k, m ? { ...m, aliases: [...new Set([...m.aliases, ...s.aliases])].sort() } : s);
    }
    out = [...merged.values()].slice(0, STATE_CAP);
  }
  return out;
}

function join(a: World | null, b: World | null): World | null {
  if (!a) return b;
  if (!b || a === b) return a;
  const out = new Map<string, Entry>();
  for (const [id, ea] of a) {
    const eb = b.get(id);
    if (!eb) out.set(id, ea.total ? { states: ea.states, total: false } : ea);
    else if (ea === eb) out.set(id, ea);
    else out.set(id, { states: ea.states === eb.states ? ea.states : dedupe([...ea.states, ...eb.states]), total: ea.total && eb.total });
  }
  for (const [id, eb] of b) if (!a.has(id)) out.set(id, eb.total ? { states: eb.states, total: false } : eb);
  return out;
}

const isOwned = (s: Status): boolean => s === 'maybe' || s === 'live';

function fateBase(f: Fate): string {
  const bar = f.indexOf('|');
  return bar < 0 ? f : f.slice(0, bar);
}

/** Walks one routine and builds its summary. */
export class RoutineWalk {
  private readonly origins = new Map<string, Origin>();
  private readonly fates = new Map<string, Set<Fate>>();
  private readonly seenEvents = new Set<string>();
  private loopDepth = 0;
  private readonly allocationCalls = new Set<Call>();
  /**
   * Objects retired from large worlds: every state settled (NULL, freed, lost or passed on),
   * nothing locked, no global pointing at them. They can still be freed again through a
   * variable (double free), so they stay reachable by variable — but path-insensitively, which
   * keeps routines with thousands of allocations linear.
   */
  private readonly inert = new Map<string, ObjState[]>();
  private readonly inertByVar = new Map<string, Set<string>>();
  readonly summary: RoutineSummary;

  constructor(
    private readonly routine: Routine,
    private readonly program: ProgramView,
  ) {
    this.summary = {
      routine,
      params: routine.params.map((p) => ({ name: p.name, fates: new Set<Fate>(), frees: [] })),
      allocates: [],
      globals: new Map(),
      touchedGlobals: new Set(),
      drains: new Set(),
      stores: [],
      entryGlobalFrees: new Map(),
      danglingGlobals: new Map(),
      storedFrees: [],
    };
  }

  run(): RoutineSummary {
    const start = new Map<string, Entry>();
    const seenParams = new Set<string>();
    this.routine.params.forEach((p, index) => {
      if (seenParams.has(p.name)) return;
      seenParams.add(p.name);
      const id = `p${index}`;
      this.origins.set(id, { kind: 'param', index, name: p.name });
      start.set(id, { states: [{ status: 'maybe', aliases: [p.name] }], total: true });
    });
    this.collectGlobals(this.routine.body);
    // Globals of a driver start zeroed: in DriverEntry they are NULL until assigned.
    const entryStatus: Status = this.routine.kind === 'entry' ? 'null' : 'maybe';
    for (const g of this.summary.touchedGlobals) {
      if (seenParams.has(g)) continue; // a parameter shadows the global
      const id = `g:${g}`;
      this.origins.set(id, { kind: 'global', name: g });
      const lockSite = entryStatus === 'null' ? undefined : this.lockedHeldIn(`global:${g}`);
      start.set(id, { states: [{ status: entryStatus, aliases: [g], lockSite }], total: true });
    }
    const end = this.block(this.routine.body, start);
    if (end) {
      const close = this.routine.body.range.end;
      const closeRange = { start: { line: close.line, column: Math.max(1, close.column - 1), offset: Math.max(0, close.offset - 1) }, end: close };
      this.finalize(end, { kind: 'end', body: this.routine.body, range: closeRange, line: close.line });
    }
    this.summarize();
    return this.summary;
  }

  // ------------------------------------------------------------------ setup

  /** Globals used by the routine directly or through its helpers (their entry values are tracked). */
  private collectGlobals(block: Block): void {
    const globals = this.program.globals;
    const touched = this.summary.touchedGlobals;
    const visitIdent = (name: string): void => {
      if (globals.has(name)) touched.add(name);
    };
    const visitCall = (call: Call): void => {
      for (const a of call.args) if (a.type === 'identifier') visitIdent(a.name);
      const callee = this.program.routines.get(call.callee.name);
      if (callee) {
        const s = this.program.summaryOf(callee);
        if (s) for (const g of s.touchedGlobals) touched.add(g);
      }
    };
    const visitExpr = (e: Expression): void => {
      if (e.type === 'identifier') visitIdent(e.name);
      else if (e.type === 'call') visitCall(e);
    };
    forEachStatement(block, (st) => {
      switch (st.type) {
        case 'assign':
          visitIdent(st.target.name);
          visitExpr(st.value);
          break;
        case 'callStatement':
          visitCall(st.call);
          break;
        case 'push':
          visitIdent(st.value.name);
          break;
        case 'if':
          if (st.condition.type === 'nullCheck') visitIdent(st.condition.variable.name);
          break;
        case 'error':
          for (const name of st.names ?? []) visitIdent(name);
          break;
        default:
          break;
      }
    });
  }

  // ------------------------------------------------------------------ statements

  private block(block: Block, w: World | null): World | null {
    for (const st of block.statements) {
      if (!w) return null;
      w = this.statement(st, w, false);
      if (w && w.size > RETIRE_ABOVE) w = this.retire(w);
    }
    return w;
  }

  private isInert(id: string, s: ObjState): boolean {
    const origin = this.origins.get(id)!;
    const kind = origin.kind;
    return (
      (kind === 'alloc' || kind === 'listItem' || (origin.kind === 'global' && origin.after !== undefined)) &&
      !isOwned(s.status) &&
      s.lockSite === undefined &&
      !s.aliases.some((a) => this.program.globals.has(a))
    );
  }

  /** Moves settled objects out of a large world (see `inert`). */
  private retire(w: World): World {
    let out: Map<string, Entry> | undefined;
    for (const [id, e] of w) {
      if (!e.states.every((s) => this.isInert(id, s))) continue;
      out ??= new Map(w);
      out.delete(id);
      for (const s of e.states) this.recordFate(id, s, undefined);
      this.setInert(id, [...(this.inert.get(id) ?? []), ...e.states]);
    }
    return out ?? w;
  }

  private setInert(id: string, states: ObjState[]): void {
    for (const old of this.inert.get(id) ?? []) for (const a of old.aliases) this.inertByVar.get(a)?.delete(id);
    const kept = dedupe(states.filter((s) => s.aliases.length > 0));
    if (kept.length === 0) {
      this.inert.delete(id);
      return;
    }
    this.inert.set(id, kept);
    for (const s of kept)
      for (const a of s.aliases) {
        let set = this.inertByVar.get(a);
        if (!set) this.inertByVar.set(a, (set = new Set()));
        set.add(id);
      }
  }

  private statement(st: Statement, w: World, unbraced: boolean): World | null {
    switch (st.type) {
      case 'block':
        return this.block(st, w);
      case 'assign':
        return this.assign(st, w, unbraced);
      case 'callStatement':
        return this.callStatement(st, w, unbraced);
      case 'push':
        return this.push(st.list.name, st.value.name, w);
      case 'foreach':
        return this.foreach(st, w);
      case 'if': {
        let thenW: World | null = w;
        let elseW: World | null = w;
        if (st.condition.type === 'nullCheck') {
          const [isNull, notNull] = this.splitOnNull(w, st.condition.variable.name);
          [thenW, elseW] = st.condition.operator === '==' ? [isNull, notNull] : [notNull, isNull];
        }
        const a = thenW ? this.statement(st.then, thenW, st.then.type !== 'block') : null;
        const b = st.else ? (elseW ? this.statement(st.else, elseW, st.else.type !== 'block') : null) : elseW;
        return join(a, b);
      }
      case 'repeat': {
        const runs = Math.min(Math.max(0, Math.floor(st.count.value)), this.loopRuns());
        let cur: World | null = w;
        this.loopDepth++;
        for (let i = 0; i < runs && cur; i++) cur = this.block(st.body, cur);
        this.loopDepth--;
        return cur;
      }
      case 'return':
        this.finalize(w, { kind: 'return', statement: st, unbraced, range: st.range, line: st.range.start.line });
        return null;
      case 'error':
        return this.brokenStatement(st, w);
    }
  }

  /**
   * A statement that failed to parse contributes no allocation, free or call (language.md,
   * error recovery) — and no follow-on finding either: a block held by a name the broken text
   * mentions counts as handed off there (a half-typed `ExFreePool(buf` does not make `buf` leak,
   * a half-typed `ExFreePool(g_Ctx` in unload does not make `g_Ctx` leak at unload), a list it
   * mentions counts as drained, and the local it assigns no longer refers to what it held.
   */
  private brokenStatement(st: Extract<Statement, { type: 'error' }>, w: World): World {
    let out = w;
    for (const name of st.names ?? []) {
      if (this.program.lists.has(name)) this.summary.drains.add(name);
      out = this.mapStates(out, name, (_id, s) => (isOwned(s.status) ? [{ ...s, status: 'escaped', to: 'handoff:?' }] : [s]));
    }
    if (st.assigns) out = this.mapStates(out, st.assigns.name, (_id, s) => [withoutAlias(s, st.assigns!.name)]);
    return out;
  }

  private noteAllocation(site: AllocationSite): void {
    if (this.allocationCalls.has(site.call)) return;
    this.allocationCalls.add(site.call);
    this.summary.allocates.push(site);
  }

  private overwriteExit(st: Statement, unbraced: boolean): ExitPoint {
    return { kind: 'overwrite', statement: st, unbraced, range: st.range, line: st.range.start.line };
  }

  private assign(st: Extract<Statement, { type: 'assign' }>, w: World, unbraced: boolean): World | null {
    const target = st.target.name;
    const value = st.value;
    const exit = this.overwriteExit(st, unbraced);
    switch (value.type) {
      case 'null':
        return this.dropAlias(w, target, exit);
      case 'identifier': {
        if (value.name === target) return w;
        const src = value.name;
        let out = this.dropAlias(w, target, exit);
        out = this.mapStates(out, src, (id, s) => [withAlias(s, target)]);
        if (this.program.globals.has(target)) {
          for (const [id, e] of out) if (e.states.some((s) => s.aliases.includes(target) && isOwned(s.status))) this.program.storeEdge(`global:${target}`, this.origins.get(id)!);
        }
        return out;
      }
      case 'pop': {
        const out = this.dropAlias(w, target, exit);
        const id = `l${value.range.start.offset}`;
        const origin: Origin = { kind: 'listItem', list: value.list.name, via: 'pop', at: value.range };
        if (this.program.globals.has(target)) this.program.storeEdge(`global:${target}`, { kind: 'listItem', list: value.list.name, via: 'pop', at: value.range });
        return this.create(out, id, origin, { status: 'maybe', aliases: [target], lockSite: this.lockedHeldIn(`list:${value.list.name}`) });
      }
      case 'call': {
        const api = this.program.routines.has(value.callee.name) ? undefined : lookupApi(value.callee.name);
        const site = api ? allocationOf(api, value, this.routine, target) : undefined;
        if (site) {
          this.noteAllocation(site);
          const out = this.dropAlias(w, target, exit);
          const origin: Origin = { kind: 'alloc', site };
          if (this.program.globals.has(target)) this.program.storeEdge(`global:${target}`, origin);
          // POOL_FLAG_RAISE_ON_FAILURE allocations never return NULL (ExAllocatePool2).
          const raises = value.args.some((a) => (a.type === 'identifier' ? a.name === 'POOL_FLAG_RAISE_ON_FAILURE' : a.type === 'flags' && a.names.some((n) => n.name === 'POOL_FLAG_RAISE_ON_FAILURE')));
          return this.create(out, `a${value.range.start.offset}`, origin, { status: raises ? 'live' : 'maybe', aliases: [target] });
        }
        const after = this.call(value, w);
        return after ? this.dropAlias(after, target, exit) : null;
      }
    }
  }

  private callStatement(st: Extract<Statement, { type: 'callStatement' }>, w: World, unbraced: boolean): World | null {
    const call = st.call;
    const api = this.program.routines.has(call.callee.name) ? undefined : lookupApi(call.callee.name);
    const site = api ? allocationOf(api, call, this.routine, undefined) : undefined;
    if (site) {
      this.noteAllocation(site);
      // The result is thrown away: nothing can ever free the block.
      this.program.report({ kind: 'leak', site, exit: this.overwriteExit(st, unbraced), variable: undefined, maybeNull: false, discarded: true });
      return w;
    }
    return this.call(call, w);
  }

  private push(list: string, v: string, w: World): World {
    return this.mapStates(w, v, (id, s) => {
      // A freed pointer put into a list: whoever takes it out and frees it frees it twice.
      if (s.status === 'freed' && s.freedAt) this.program.danglingIn(`list:${list}`, s.freedAt);
      if (!isOwned(s.status)) return [s];
      this.program.storeEdge(`list:${list}`, this.origins.get(id)!);
      return [{ ...s, status: 'escaped', to: `list:${list}` }];
    });
  }

  private foreach(st: Extract<Statement, { type: 'foreach' }>, w: World): World | null {
    const x = st.variable.name;
    const id = `l${st.range.start.offset}`;
    const origin: Origin = { kind: 'listItem', list: st.list.name, via: 'foreach', at: st.variable.range };
    const exit = this.overwriteExit(st, false);
    let result: World | null = w;
    let cur: World | null = w;
    const runs = this.loopRuns();
    this.loopDepth++;
    for (let i = 0; i < runs && cur; i++) {
      const entered = this.create(this.dropAlias(cur, x, exit), id, origin, { status: 'live', aliases: [x], lockSite: this.lockedHeldIn(`list:${st.list.name}`) });
      cur = this.block(st.body, entered);
      result = join(result, cur);
    }
    this.loopDepth--;
    return result;
  }

  private loopRuns(): number {
    return this.loopDepth < MAX_DOUBLED_LOOPS ? LOOP_RUNS : 1;
  }

  // ------------------------------------------------------------------ calls

  private call(call: Call, w: World): World | null {
    const callee = this.program.routines.get(call.callee.name);
    if (callee) return this.helperCall(call, callee, w);
    const api = lookupApi(call.callee.name);
    if (!api) return w;
    const argName = (i: number): string | undefined => {
      const a = call.args[i];
      return a && a.type === 'identifier' ? a.name : undefined;
    };
    if (api.releases) {
      const v = argName(api.releases.pointerArg);
      if (!v) return w;
      const tag = api.releases.tagArg !== undefined ? tagArgument(call.args[api.releases.tagArg]) : undefined;
      return this.release(w, v, { call, api, tag, chain: [] });
    }
    switch (api.effect) {
      case 'lockPages': {
        const v = argName(0);
        if (!v) return w;
        return this.mapStates(w, v, (id, s) => (s.status !== 'null' ? [{ ...s, lockSite: call, unlocked: false }] : [s]));
      }
      case 'unlockPages': {
        const v = argName(0);
        if (!v) return w;
        return this.mapStates(w, v, (id, s) => [{ ...s, lockSite: undefined, unlocked: true }]);
      }
      case 'setCompletionRoutine': {
        const v = argName(0);
        const r = argName(1);
        if (!v || !r) return w;
        return this.mapStates(w, v, (id, s) => [{ ...s, completion: r }]);
      }
      case 'callDriver': {
        const v = argName(0);
        if (!v) return w;
        return this.mapStates(w, v, (id, s) => {
          if (!isOwned(s.status)) return [s];
          // Without a completion routine nothing takes the IRP over: an IRP from IoAllocateIrp
          // stays the driver's to free with IoFreeIrp (as the simulator models it).
          if (!s.completion) return [s];
          const r = this.program.routines.get(s.completion);
          if (!r) return [{ ...s, status: 'escaped', to: 'lower' }];
          return this.handOff(id, s, r, call);
        });
      }
      case 'queueWorkItem':
      case 'exQueueWorkItem': {
        const v = argName(0);
        const rName = argName(1);
        if (!v) return w;
        const r = rName ? this.program.routines.get(rName) : undefined;
        return this.mapStates(w, v, (id, s) => {
          if (!isOwned(s.status)) return [s];
          if (!r) return [{ ...s, status: 'escaped', to: `handoff:${rName ?? '?'}` }];
          return this.handOff(id, s, r, call);
        });
      }
      default:
        return w;
    }
  }

  /** The block goes to the first parameter of a work / completion routine, as a helper argument would. */
  private handOff(id: string, s: ObjState, r: Routine, call: Call): ObjState[] {
    const summary = this.program.summaryOf(r);
    if (!summary) return [{ ...s, status: 'escaped', to: `handoff:${r.name.name}` }];
    const param = summary.params[0];
    const fates = param && param.fates.size > 0 ? param.fates : new Set<Fate>(['kept']);
    return this.applyFates(id, s, fates, call, r.name.name, param ? param.frees : [], undefined);
  }

  private helperCall(call: Call, callee: Routine, w: World): World | null {
    const summary = this.program.summaryOf(callee);
    let out: World = w;
    if (!summary) {
      // Recursion: assume the helper keeps what it is given (no finding either way).
      for (const a of call.args) {
        if (a.type !== 'identifier') continue;
        const v = a.name;
        out = this.mapStates(out, v, (id, s) => (isOwned(s.status) ? [{ ...s, status: 'escaped', to: `handoff:${callee.name.name}` }] : [s]));
      }
      return out;
    }
    call.args.forEach((a, i) => {
      if (a.type !== 'identifier' || i >= summary.params.length) return;
      const v = a.name;
      const p = summary.params[i];
      const fates = p.fates.size > 0 ? p.fates : new Set<Fate>(['kept']);
      out = this.mapStates(out, v, (id, s) => (s.status !== 'null' ? this.applyFates(id, s, fates, call, callee.name.name, p.frees, undefined) : [s]));
    });
    for (const [g, fates] of summary.globals) {
      const nonNull = new Set([...fates].filter((f) => f !== 'null'));
      if (nonNull.size === 0 || (nonNull.size === 1 && nonNull.has('kept'))) continue;
      const entryFree = summary.entryGlobalFrees.get(g);
      const frees = summary.storedFrees.filter((f) => f.origin === 'global' && f.name === g).map((f) => f.event);
      out = this.mapStates(out, g, (id, s) =>
        s.status !== 'null' ? this.applyFates(id, s, nonNull, call, callee.name.name, frees, { global: g, entryFree }) : [s],
      );
    }
    for (const [g, fates] of summary.globals) {
      // The helper may have stored a new value in the global: follow it from here, as a value of
      // the global whose possible blocks phase 2 knows (contents of `global:g`).
      if ([...fates].every((f) => f === 'kept' || f === 'null')) continue;
      out = this.create(out, `g:${g}@${call.range.start.offset}`, { kind: 'global', name: g, after: call }, { status: 'maybe', aliases: [g] });
    }
    for (const l of summary.drains) this.summary.drains.add(l);
    for (const [g, c] of summary.danglingGlobals) if (!this.summary.danglingGlobals.has(g)) this.summary.danglingGlobals.set(g, c);
    return out;
  }

  /** Forks a caller's state once per fate the callee gives the pointer. */
  private applyFates(
    id: string,
    s: ObjState,
    fates: ReadonlySet<Fate>,
    call: Call,
    calleeName: string,
    frees: readonly FreeEvent[],
    viaGlobal: { global: string; entryFree: { call: Call; chain: Call[] } | undefined } | undefined,
  ): ObjState[] {
    const out: ObjState[] = [];
    for (const fate of fates) {
      const base = fateBase(fate);
      let n: ObjState = s;
      if (base === 'null') continue;
      if (base === 'freed' || base === 'freed!dangling') {
        const firstFree = frees[0]?.call ?? viaGlobal?.entryFree?.call;
        if (s.status === 'freed') {
          const variable = viaGlobal ? viaGlobal.global : s.aliases[0] ?? '?';
          this.program.report({ kind: 'doubleFree', call, first: s.freedAt, variable, via: { callee: calleeName, free: firstFree } });
        } else {
          this.onRelease(id, frees.map((e) => ({ ...e, chain: [call, ...e.chain] })), viaGlobal?.entryFree ? { call: viaGlobal.entryFree.call, chain: [call, ...viaGlobal.entryFree.chain] } : undefined);
        }
        n = { ...s, status: 'freed', freedAt: firstFree ?? call, to: undefined };
        if (viaGlobal && base === 'freed') n = withoutAlias(n, viaGlobal.global);
      } else if (base.startsWith('stored:global:')) {
        const g = base.slice('stored:global:'.length);
        if (isOwned(s.status)) {
          n = withAlias(s, g);
          this.program.storeEdge(`global:${g}`, this.origins.get(id)!);
        }
      } else if (base.startsWith('stored:')) {
        if (isOwned(s.status)) {
          const to = base.slice('stored:'.length);
          n = { ...s, status: 'escaped', to };
          if (to.startsWith('list:') || to.startsWith('global:')) this.program.storeEdge(to, this.origins.get(id)!);
        }
      } else if (base === 'lost' && viaGlobal) {
        n = withoutAlias(s, viaGlobal.global);
        if (n.aliases.length === 0) n = this.unreferenced(id, n, { kind: 'call', range: call.range, line: call.range.start.line });
      }
      const lock = fate.slice(base.length);
      if (lock === '|u') n = { ...n, lockSite: undefined, unlocked: true };
      else if (lock.startsWith('|l')) n = { ...n, lockSite: this.program.callAt(Number(lock.slice(2))), unlocked: false };
      out.push(n);
    }
    return out.length > 0 ? out : [s];
  }

  private release(w: World, v: string, event: FreeEvent): World {
    return this.mapStates(w, v, (id, s) => {
      if (s.status === 'null') return [s];
      if (s.status === 'freed') {
        this.program.report({ kind: 'doubleFree', call: event.call, first: s.freedAt, variable: v });
        return [s];
      }
      const origin = this.origins.get(id)!;
      this.onRelease(id, [event], origin.kind === 'global' && !origin.after ? { call: event.call, chain: [] } : undefined);
      return [{ ...s, status: 'freed', freedAt: event.call, to: undefined }];
    });
  }

  /** A release reached the object: check it against the allocation, or record it for the callers / phase 2. */
  private onRelease(id: string, events: readonly FreeEvent[], entryGlobalFree: { call: Call; chain: Call[] } | undefined): void {
    const origin = this.origins.get(id)!;
    for (const event of events) {
      const key = `${id}@${event.call.range.start.offset}:${event.chain.map((c) => c.range.start.offset).join(',')}`;
      if (this.seenEvents.has(key)) continue;
      this.seenEvents.add(key);
      switch (origin.kind) {
        case 'alloc':
          this.program.report({ kind: 'release', site: origin.site, event });
          break;
        case 'param':
          this.summary.params[origin.index].frees.push(event);
          break;
        case 'global':
          this.summary.storedFrees.push({ origin: 'global', name: origin.name, event });
          break;
        case 'listItem':
          this.summary.storedFrees.push({ origin: 'list', name: origin.list, event });
          break;
      }
    }
    if (origin.kind === 'global' && !origin.after && entryGlobalFree && !this.summary.entryGlobalFrees.has(origin.name)) {
      this.summary.entryGlobalFrees.set(origin.name, entryGlobalFree);
    }
  }

  // ------------------------------------------------------------------ world helpers

  /** Rewrites the states in which `v` points at the object; the others are left as they are. */
  private mapStates(w: World, v: string, f: (id: string, s: ObjState) => ObjState[]): World {
    let out: Map<string, Entry> | undefined;
    for (const [id, e] of w) {
      let hit = false;
      for (const s of e.states) if (s.aliases.includes(v)) hit = true;
      if (!hit) continue;
      let changed = false;
      const next: ObjState[] = [];
      for (const s of e.states) {
        if (!s.aliases.includes(v)) {
          next.push(s);
          continue;
        }
        const r = f(id, s);
        if (r.length !== 1 || r[0] !== s) changed = true;
        for (const x of r) next.push(x);
      }
      if (changed) {
        out ??= new Map(w);
        if (next.every((x) => x.aliases.length === 0)) {
          // Nothing refers to the object any more: its fate is final. Dropping it keeps the
          // world as small as the set of live pointers, so long routines stay linear.
          for (const x of next) this.recordFate(id, x, undefined);
          out.delete(id);
        } else out.set(id, { states: next.length === 1 ? next : dedupe(next), total: e.total });
      }
    }
    const retired = this.inertByVar.get(v);
    if (retired && retired.size > 0) {
      for (const id of [...retired]) {
        const states = this.inert.get(id);
        if (!states) continue;
        let changed = false;
        const next: ObjState[] = [];
        for (const s of states) {
          if (!s.aliases.includes(v)) {
            next.push(s);
            continue;
          }
          const r = f(id, s);
          if (r.length !== 1 || r[0] !== s) changed = true;
          for (const x of r) {
            next.push(x);
            if (x !== s) this.recordFate(id, x, undefined);
          }
        }
        if (changed) this.setInert(id, next);
      }
    }
    return out ?? w;
  }

  private create(w: World, id: string, origin: Origin, state: ObjState): World {
    const out = new Map(w);
    const old = out.get(id);
    if (old) {
      if (old.states.some((s) => s.aliases.length > 0)) {
        // An earlier instance from a previous loop run is still referenced: keep following it.
        out.set(`${id}~`, old);
        this.origins.set(`${id}~`, this.origins.get(id)!);
      } else {
        for (const s of old.states) this.recordFate(id, s, undefined);
      }
    }
    this.origins.set(id, origin);
    out.set(id, { states: [state], total: true });
    return out;
  }

  /** Removes `v` from every object; an owned block that nothing refers to any more is lost there. */
  private dropAlias(w: World, v: string, exit: ExitPoint): World {
    return this.mapStates(w, v, (id, s) => {
      const n = withoutAlias(s, v);
      return [n.aliases.length === 0 ? this.unreferenced(id, n, exit, v) : n];
    });
  }

  private unreferenced(id: string, s: ObjState, exit: ExitPoint, lastVariable?: string): ObjState {
    const origin = this.origins.get(id)!;
    let n = s;
    if (origin.kind !== 'param') {
      // A global overwritten while it holds a locked MDL is not reported here (as for blocks,
      // the rules follow what a routine takes out of a global, not what it overwrites).
      if (n.lockSite !== undefined && n.status !== 'escaped' && n.status !== 'null' && (origin.kind !== 'global' || n.status === 'freed')) {
        const lockCall = n.lockSite;
        this.program.report({ kind: 'lockedPages', lockCall, exit, variable: lastVariable, routine: this.routine, from: this.heldIn(origin) });
        n = { ...n, lockSite: undefined };
      }
      if (isOwned(n.status)) {
        if (origin.kind === 'alloc') {
          this.program.report({ kind: 'leak', site: origin.site, exit, variable: lastVariable ?? origin.site.variable, maybeNull: n.status === 'maybe' });
        }
        n = { ...n, status: 'lost' };
      }
    }
    return n;
  }

  /** For a value taken out of a global or list: where it came from (for messages). */
  private heldIn(origin: Origin): string | undefined {
    if (origin.kind === 'listItem') return `list '${origin.list}'`;
    if (origin.kind === 'global') return `global '${origin.name}'`;
    return undefined;
  }

  /** MDLs stored locked in a global or list keep their pages locked when taken out again. */
  private lockedHeldIn(target: string): Call | undefined {
    return this.program.lockedIn(target);
  }

  private splitOnNull(w: World, v: string): [World | null, World | null] {
    let mentioned = false;
    for (const e of w.values()) {
      for (const s of e.states) if (s.aliases.includes(v)) mentioned = true;
      if (mentioned) break;
    }
    // A check of a pointer the walk does not follow tells nothing: both sides see the same world.
    if (!mentioned) return [w, w];
    const isNull = new Map<string, Entry>();
    const notNull = new Map<string, Entry>();
    let nullDead = false;
    let notNullDead = false;
    for (const [id, e] of w) {
      if (!e.states.some((s) => s.aliases.includes(v))) {
        isNull.set(id, e);
        notNull.set(id, e);
        continue;
      }
      const a: ObjState[] = [];
      const b: ObjState[] = [];
      for (const s of e.states) {
        if (!s.aliases.includes(v)) {
          a.push(s);
          b.push(s);
        } else if (s.status === 'maybe') {
          a.push({ ...s, status: 'null' });
          b.push({ ...s, status: 'live' });
        } else if (s.status === 'null') a.push(s);
        else b.push(s);
      }
      if (a.length === 0 && e.total) nullDead = true;
      if (b.length === 0 && e.total) notNullDead = true;
      if (a.length > 0) isNull.set(id, { states: dedupe(a), total: e.total });
      if (b.length > 0) notNull.set(id, { states: dedupe(b), total: e.total });
    }
    return [nullDead ? null : isNull, notNullDead ? null : notNull];
  }

  // ------------------------------------------------------------------ exits and summary

  private finalize(w: World, exit: ExitPoint): void {
    for (const [id, e] of w) for (const s of e.states) this.recordFate(id, s, exit);
  }

  private recordFate(id: string, s: ObjState, exit: ExitPoint | undefined): void {
    const origin = this.origins.get(id)!;
    const globals = s.aliases.filter((a) => this.program.globals.has(a));
    let fate: Fate;
    switch (s.status) {
      case 'null':
        fate = 'null';
        break;
      case 'lost':
        fate = 'lost';
        break;
      case 'freed': {
        const freeCall = s.freedAt;
        for (const g of globals) if (freeCall && !this.summary.danglingGlobals.has(g)) this.summary.danglingGlobals.set(g, freeCall);
        fate = origin.kind === 'global' && s.aliases.includes(origin.name) ? 'freed!dangling' : 'freed';
        break;
      }
      case 'escaped':
        fate = `stored:${s.to ?? 'handoff'}`;
        if (origin.kind === 'alloc' && s.to && (s.to.startsWith('list:') || s.to.startsWith('global:'))) this.summary.stores.push({ site: origin.site, target: s.to });
        break;
      default: {
        if (origin.kind === 'global' && s.aliases.includes(origin.name)) fate = 'kept';
        else if (globals.length > 0) {
          fate = `stored:global:${globals[0]}`;
          if (origin.kind === 'alloc') for (const g of globals) this.summary.stores.push({ site: origin.site, target: `global:${g}` });
        } else if (origin.kind === 'param') fate = 'kept';
        else {
          fate = 'lost';
          if (origin.kind === 'alloc' && exit) {
            const local = s.aliases.includes(origin.site.variable ?? '') ? origin.site.variable : s.aliases[0] ?? origin.site.variable;
            this.program.report({ kind: 'leak', site: origin.site, exit, variable: local, maybeNull: s.status === 'maybe' });
          }
        }
      }
    }
    if (origin.kind === 'param') {
      if (s.lockSite !== undefined) {
        this.program.rememberCall(s.lockSite);
        fate += `|l${s.lockSite.range.start.offset}`;
      }
      else if (s.unlocked) fate += '|u';
    } else if (s.lockSite !== undefined && exit && !fate.startsWith('stored:') && fate !== 'kept' && fate !== 'null' && (origin.kind !== 'global' || s.status === 'freed')) {
      const lockCall = s.lockSite;
      this.program.report({ kind: 'lockedPages', lockCall, exit, variable: s.aliases[0], routine: this.routine, from: this.heldIn(origin) });
    }
    let set = this.fates.get(id);
    if (!set) this.fates.set(id, (set = new Set()));
    set.add(fate);
  }

  private summarize(): void {
    const listItems: [string, string[]][] = [];
    for (const [id, origin] of this.origins) {
      const fates = this.fates.get(id) ?? new Set<Fate>();
      if (id.endsWith('~')) continue;
      switch (origin.kind) {
        case 'param':
          for (const f of fates) if (f !== 'null') this.summary.params[origin.index].fates.add(f);
          break;
        case 'global':
          if (!origin.after) this.summary.globals.set(origin.name, fates);
          break;
        case 'listItem':
          listItems.push([origin.list, [...fates].filter((f) => f !== 'null').map(fateBase)]);
          break;
        default:
          break;
      }
    }
    // A list is drained when every item taken out of it is freed or handed off for good
    // (IoCallDriver, a work / completion routine) — or moved to another list that this routine
    // drains as well. Moving items to a global or an undrained list only moves the leak.
    const handedOff = (b: string): boolean => b.startsWith('freed') || b.startsWith('stored:handoff') || b === 'stored:lower';
    for (let pass = 0; pass < 2; pass++) {
      for (const [list, bases] of listItems) {
        if (this.summary.drains.has(list) || bases.length === 0) continue;
        if (bases.every((b) => handedOff(b) || (b.startsWith('stored:list:') && b !== `stored:list:${list}` && this.summary.drains.has(b.slice(12))))) {
          this.summary.drains.add(list);
        }
      }
    }
  }
}
