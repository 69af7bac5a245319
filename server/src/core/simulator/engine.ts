/**
 * The simulation engine: runs one scenario of a driver model script against a model of the
 * kernel with Driver Verifier's Pool Tracking (simulator.md, "Execution model").
 *
 * Routines are compiled once per run into closures: names are resolved to slots, API calls to
 * their allocation / release / effect behaviour, tags to their PoolMon counters and call sites
 * to their interned stack nodes. Executing a statement is then a few property reads, one
 * counter increment and one comparison against `nextCheck` (the earliest of: the step budget,
 * the next progress/cancel poll and the next timeline sample).
 */
import {
  APC_LEVEL,
  DISPATCH_LEVEL,
  IRP_MAJOR_SERVICE,
  IRQL_CONSTANTS,
  PASSIVE_LEVEL,
  tagToUlong,
  type ApiInfo,
} from '../apis';
import type * as Ast from '../ast';
import type { SymbolTable } from '../symbols';
import { addressValue, DRIVER_NAME_OFFSET, formatAddress, VERIFIER_DRIVER_DATA_OFFSET } from './address';
import * as BugChecks from './bugcheck';
import {
  DEFAULT_MAX_HITS,
  DEFAULT_MAX_STEPS,
  MAX_CALL_DEPTH,
  PROGRESS_INTERVAL,
  SimulationError,
  type SimulationOptions,
} from './contract';
import {
  NULL_HANDLE,
  PoolTracker,
  type BlockInfo,
  type CallSite,
  type ProcessQuota,
} from './poolTracker';
import { callSite, describeAllocation, describeRelease, PAGED_POOL_TYPE, type AllocationCall, type ReleaseCall } from './callSpecs';
import { PointerList } from './pointerList';
import { SeededRandom } from './prng';
import type { BugCheck, HitTagBreak, OutstandingBlock, SimulationResult } from './result';
import { createStackRoot, SiteFrame, StackNode, systemChain } from './stack';
import { TimelineRecorder } from './timeline';

/** A pointer: a block handle (poolTracker.ts), or NULL_HANDLE (0). */
type Value = number;
/** A compiled statement; returns 1 when it executed `return`. */
type Exec = (a: Activation) => number;
type Eval = (a: Activation) => Value;

/** Copies of the IRQL constants: module-local, so hot paths do not go through import getters. */
const APC = APC_LEVEL;
const MAX_DEPTH = MAX_CALL_DEPTH;
const PROGRESS_EVERY = PROGRESS_INTERVAL;
const DISPATCH = DISPATCH_LEVEL;
const PASSIVE = PASSIVE_LEVEL;

/** Bug checks kept with --continue-on-bugcheck (the rest are counted). */
const MAX_BUGCHECKS = 10_000;
/** At most this many saved IRQLs per run (KeRaiseIrql without KeLowerIrql in a loop). */
const MAX_IRQL_STACK = 4096;
/** Frames Pool Tracking's unload check runs under (outermost first: the check runs in MmUnloadSystemImage). */
const UNLOAD_CHECK_FRAMES = ['nt!IopUnloadDriver', 'nt!MmUnloadSystemImage'];

/** The locals of a routine that has none (never written). */
const NO_LOCALS: Value[] = [];

class CompiledRoutine {
  body: Exec = () => 0;
  slotCount = 0;
  constructor(
    readonly routine: Ast.Routine,
    /** `Leaky!ReadDispatch` */
    readonly frame: string,
    readonly slots: Map<string, number>,
    readonly paramSlots: number[],
  ) {}
}

class Activation {
  constructor(
    readonly locals: Value[],
    readonly routine: CompiledRoutine,
    /** The frames below this routine: its caller chain and the system frames. */
    readonly base: StackNode,
    readonly process: ProcessQuota,
    /** Running in a DPC routine or anything it calls (0xC4 / 0x10B). */
    readonly inDpc: boolean,
  ) {}
}

type QueuedKind = 'dpc' | 'ioWorkItem' | 'exWorkItem';

interface QueuedWork {
  kind: QueuedKind;
  routine: CompiledRoutine;
  arg: Value;
  process: ProcessQuota;
  /** What makes a second queueing of the same object a no-op: the block, or the routine. */
  key: unknown;
}

/** Pages locked by MmProbeAndLockPages; kept until MmUnlockPages, even after IoFreeMdl. */
interface LockedPages {
  address: number;
  pages: number;
  tag: string;
  site: CallSite;
  stack: StackNode;
}

/** Thrown to unwind the interpreter at the first bug check (the machine crashed). */
class BugCheckStop {
  constructor(readonly bugcheck: BugCheck) {}
}

function poolName(paged: boolean): 'PagedPool' | 'NonPagedPool' {
  return paged ? 'PagedPool' : 'NonPagedPool';
}

export class Simulation {
  // Hot fields first.
  steps = 0;
  nextCheck = 1;
  irql = PASSIVE;
  private irqlStack: number[] = [];
  private irqlTop = 0;
  private depth = 0;

  readonly tracker = new PoolTracker();
  readonly timeline = new TimelineRecorder(this.tracker);
  private readonly rng: SeededRandom;
  readonly stackRoot = createStackRoot();

  private readonly file: string;
  private readonly seed: number;
  private readonly maxSteps: number;
  private readonly maxHits: number;
  private readonly lowResources: number;
  private readonly failAllocation: number;
  /** Allocations so far that could have failed (the count `failAllocation` refers to). */
  allocationAttempts = 0;
  /** The allocation failed on purpose by `failAllocation`, once it happened. */
  failedAllocation: { site: CallSite; tag: string; stack: StackNode } | null = null;
  private readonly continueOnBugcheck: boolean;
  private nextProgress = PROGRESS_INTERVAL;

  private readonly driverName: string;
  private readonly module: string;
  private readonly routines = new Map<Ast.Routine, CompiledRoutine>();
  private readonly globals: Value[] = [];
  private readonly globalSlots = new Map<string, number>();
  private readonly lists = new Map<string, PointerList>();

  queue: QueuedWork[] = [];
  queueHead = 0;
  private readonly queuedKeys = new Set<unknown>();

  /** IRPs with a completion routine set (IoSetCompletionRoutineEx), by handle. */
  private readonly completions = new Map<number, { routine: CompiledRoutine; context: number }>();
  /** Pages each live MDL describes, by handle. */
  private readonly mdlPages = new Map<number, number>();
  /** MDLs whose pages are locked, oldest lock first (0xCB names the oldest), by handle. */
  private readonly lockedMdls = new Map<number, LockedPages>();
  private readonly hits: HitTagBreak[] = [];
  private hitsDropped = 0;
  private readonly bugchecks: BugCheck[] = [];
  private bugchecksDropped = 0;

  /** The process of the enclosing `process` block, if any. */
  scenarioProcess: ProcessQuota | null = null;
  readonly system: ProcessQuota;
  readonly idle: ProcessQuota;

  readonly loadBase: StackNode;
  readonly unloadBase: StackNode;
  readonly dpcBase: StackNode;
  readonly ioWorkItemBase: StackNode;
  readonly exWorkItemBase: StackNode;
  private readonly irpBases = new Map<string, StackNode>();

  constructor(
    private readonly script: Ast.Script,
    private readonly symbols: SymbolTable,
    options: SimulationOptions,
  ) {
    this.file = options.file ?? '<script>';
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.maxHits = options.maxHits ?? DEFAULT_MAX_HITS;
    this.lowResources = options.lowResources ?? 0;
    this.failAllocation = options.failAllocation ?? 0;
    this.continueOnBugcheck = options.continueOnBugcheck ?? false;
    this.seed = options.seed ?? 1;
    this.rng = new SeededRandom(this.seed);
    this.onProgress = options.onProgress;
    this.isCancelled = options.isCancelled;
    this.driverName = script.driver?.name.value ?? 'Driver.sys';
    this.module = this.driverName.replace(/\.sys$/i, '');
    this.system = this.tracker.process('System');
    this.idle = this.tracker.process('Idle');
    if (options.hitTag) {
      // Accept the forms a user types too: `'Abc '` (quoted) and `Abc` (padded).
      const quoted = /^'(.{1,4})'$/s.exec(options.hitTag);
      const raw = quoted ? quoted[1] : options.hitTag;
      this.tracker.setHitTag(raw.length < 4 ? (raw + '    ').slice(0, 4) : raw);
    }
    const root = this.stackRoot;
    this.loadBase = systemChain(root, ['nt!IopLoadDriver']);
    this.unloadBase = systemChain(root, ['nt!IopUnloadDriver']);
    this.dpcBase = systemChain(root, ['nt!KiRetireDpcList', 'nt!KiExecuteAllDpcs']);
    this.ioWorkItemBase = systemChain(root, ['nt!ExpWorkerThread', 'nt!IopProcessWorkItem']);
    this.exWorkItemBase = systemChain(root, ['nt!ExpWorkerThread']);
    this.compileProgram();
  }

  private readonly onProgress: ((steps: number) => void) | undefined;
  private readonly isCancelled: (() => boolean) | undefined;

  // ------------------------------------------------------------------ budget and sampling

  /** Slow path of every statement: budget, progress / cancellation, timeline. */
  checkpoint(line: number, column: number): void {
    const s = this.steps;
    if (s > this.maxSteps) {
      throw new SimulationError('budget', `step budget exceeded at ${this.file}:${line}`, line, column);
    }
    if (s >= this.nextProgress) {
      this.nextProgress += PROGRESS_EVERY;
      this.onProgress?.(s);
      if (this.isCancelled?.()) throw new SimulationError('cancelled', `simulation cancelled at ${this.file}:${line}`, line, column);
    }
    if (s >= this.timeline.nextSample) this.timeline.sample(s);
    let next = this.maxSteps + 1;
    if (this.nextProgress < next) next = this.nextProgress;
    if (this.timeline.nextSample < next) next = this.timeline.nextSample;
    this.nextCheck = next;
  }

  // ------------------------------------------------------------------ compilation

  private compileProgram(): void {
    for (const g of this.script.globals) {
      for (const id of g.names) {
        if (!this.globalSlots.has(id.name)) {
          this.globalSlots.set(id.name, this.globals.length);
          this.globals.push(NULL_HANDLE);
        }
      }
    }
    for (const l of this.script.lists) for (const id of l.names) if (!this.lists.has(id.name)) this.lists.set(id.name, new PointerList());

    for (const r of this.script.routines) {
      const slots = new Map<string, number>();
      const paramSlots: number[] = [];
      for (const p of r.params) {
        if (!slots.has(p.name)) slots.set(p.name, slots.size);
        paramSlots.push(slots.get(p.name)!);
      }
      const declare = (name: string): void => {
        if (!slots.has(name) && !this.globalSlots.has(name)) slots.set(name, slots.size);
      };
      const visit = (s: Ast.Statement): void => {
        switch (s.type) {
          case 'block':
            s.statements.forEach(visit);
            break;
          case 'assign':
            declare(s.target.name);
            break;
          case 'foreach':
            declare(s.variable.name);
            visit(s.body);
            break;
          case 'if':
            visit(s.then);
            if (s.else) visit(s.else);
            break;
          case 'repeat':
            visit(s.body);
            break;
          case 'error':
            if (s.assigns) declare(s.assigns.name);
            break;
          default:
            break;
        }
      };
      visit(r.body);
      const compiled = new CompiledRoutine(r, `${this.module}!${r.name.name}`, slots, paramSlots);
      compiled.slotCount = slots.size;
      this.routines.set(r, compiled);
    }
    for (const cr of this.routines.values()) cr.body = this.compileBlock(cr.routine.body, cr);
  }

  private routineByName(name: string): CompiledRoutine | undefined {
    const r = this.symbols.routines.get(name);
    return r ? this.routines.get(r) : undefined;
  }

  private reader(name: string, cr: CompiledRoutine): Eval {
    if (name === 'NULL') return () => NULL_HANDLE;
    const slot = cr.slots.get(name);
    if (slot !== undefined) return (a) => a.locals[slot];
    const g = this.globalSlots.get(name);
    if (g !== undefined) {
      const globals = this.globals;
      return () => globals[g];
    }
    return () => NULL_HANDLE;
  }

  private writer(name: string, cr: CompiledRoutine): (a: Activation, v: Value) => void {
    const slot = cr.slots.get(name);
    if (slot !== undefined) return (a, v) => void (a.locals[slot] = v);
    const g = this.globalSlots.get(name);
    if (g !== undefined) {
      const globals = this.globals;
      return (_a, v) => void (globals[g] = v);
    }
    return () => undefined;
  }

  private argReader(arg: Ast.Argument | undefined, cr: CompiledRoutine): Eval {
    if (arg && arg.type === 'identifier') return this.reader(arg.name, cr);
    return () => NULL_HANDLE;
  }

  private compileBlock(block: Ast.Block, cr: CompiledRoutine): Exec {
    const body = block.statements.map((s) => this.compileStatement(s, cr)).filter((e): e is Exec => e !== null);
    switch (body.length) {
      case 0:
        return () => 0;
      case 1:
        return body[0];
      case 2: {
        const [s0, s1] = body;
        return (a) => s0(a) || s1(a);
      }
      default:
        return (a) => {
          for (let i = 0; i < body.length; i++) if (body[i](a)) return 1;
          return 0;
        };
    }
  }

  /** Compiles one statement; `null` for statements that contribute nothing (parse errors). */
  private compileStatement(s: Ast.Statement, cr: CompiledRoutine): Exec | null {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const m = this;
    const line = s.range.start.line;
    const col = s.range.start.column;
    switch (s.type) {
      case 'block':
        // A block only groups statements; it is not counted itself.
        return this.compileBlock(s, cr);
      case 'assign': {
        const set = this.writer(s.target.name, cr);
        const value = this.compileExpression(s.value, cr);
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          set(a, value(a));
          return 0;
        };
      }
      case 'callStatement': {
        const call = this.compileCall(s.call, cr);
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          call(a);
          return 0;
        };
      }
      case 'push': {
        const list = this.lists.get(s.list.name);
        const value = this.reader(s.value.name, cr);
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          list?.push(value(a));
          return 0;
        };
      }
      case 'foreach': {
        const list = this.lists.get(s.list.name);
        const set = this.writer(s.variable.name, cr);
        const body = this.compileBlock(s.body, cr);
        const bodyLine = s.body.range.start.line;
        const bodyCol = s.body.range.start.column;
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          if (!list) return 0;
          // The list is emptied first: pointers pushed by the body stay for later.
          const items = list.take();
          for (let i = 0; i < items.length; i++) {
            if (++m.steps >= m.nextCheck) m.checkpoint(bodyLine, bodyCol);
            set(a, items[i]);
            if (body(a)) return 1;
          }
          return 0;
        };
      }
      case 'if': {
        const test = this.compileCondition(s.condition, cr);
        const then = this.compileStatement(s.then, cr) ?? (() => 0);
        const otherwise = s.else ? (this.compileStatement(s.else, cr) ?? (() => 0)) : null;
        if (otherwise) {
          return (a) => {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
            return test(a) ? then(a) : otherwise(a);
          };
        }
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          return test(a) ? then(a) : 0;
        };
      }
      case 'repeat': {
        const count = Number.isFinite(s.count.value) && s.count.value > 0 ? Math.floor(s.count.value) : 0;
        const body = this.compileBlock(s.body, cr);
        const bodyLine = s.body.range.start.line;
        const bodyCol = s.body.range.start.column;
        if (s.body.statements.every((st) => st.type === 'error')) {
          return () => {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
            m.skipEmptyIterations(count, bodyLine, bodyCol);
            return 0;
          };
        }
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          // Every iteration counts, even of an empty body: `repeat 1e18 {}` meets the budget.
          for (let i = 0; i < count; i++) {
            if (++m.steps >= m.nextCheck) m.checkpoint(bodyLine, bodyCol);
            if (body(a)) return 1;
          }
          return 0;
        };
      }
      case 'return':
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          return 1;
        };
      case 'error':
        return null;
    }
  }

  private compileCondition(c: Ast.Condition, cr: CompiledRoutine): (a: Activation) => boolean {
    if (c.type === 'chance') {
      const pct = c.percent.value;
      const rng = this.rng;
      return () => rng.chance(pct);
    }
    const read = this.reader(c.variable.name, cr);
    return c.operator === '==' ? (a) => read(a) === NULL_HANDLE : (a) => read(a) !== NULL_HANDLE;
  }

  private compileExpression(e: Ast.Expression, cr: CompiledRoutine): Eval {
    switch (e.type) {
      case 'null':
        return () => NULL_HANDLE;
      case 'identifier':
        return this.reader(e.name, cr);
      case 'pop': {
        const list = this.lists.get(e.list.name);
        return list ? () => list.pop() : () => NULL_HANDLE;
      }
      case 'call':
        return this.compileCall(e, cr);
    }
  }

  private compileCall(call: Ast.Call, cr: CompiledRoutine): Eval {
    const resolved = this.symbols.resolveCall(call);
    if (resolved.kind === 'helper') return this.compileHelperCall(call, cr, resolved.routine);
    if (resolved.kind === 'api') return this.compileApiCall(call, cr, resolved.api);
    return () => NULL_HANDLE;
  }

  private compileHelperCall(call: Ast.Call, cr: CompiledRoutine, routine: Ast.Routine): Eval {
    const target = this.routines.get(routine);
    if (!target) return () => NULL_HANDLE;
    const args = call.args.map((arg) => this.argReader(arg, cr));
    const frame = new SiteFrame(cr.frame, call.range.start.line);
    const line = call.range.start.line;
    const col = call.range.start.column;
    return (a) => {
      const values = args.length === 0 ? null : args.map((r) => r(a));
      this.invoke(target, frame.at(a.base), a.process, a.inDpc, values, line, col);
      // Routines return no value: `x = Helper();` stores NULL.
      return NULL_HANDLE;
    };
  }

  private routineArg(arg: Ast.Argument | undefined): CompiledRoutine | undefined {
    return arg && arg.type === 'identifier' ? this.routineByName(arg.name) : undefined;
  }

  private compileApiCall(call: Ast.Call, cr: CompiledRoutine, api: ApiInfo): Eval {
    const line = call.range.start.line;
    const frame = new SiteFrame(cr.frame, line);
    const args = call.args;
    const site = callSite(call);
    const t = this.tracker;

    if (api.releases) {
      const spec = describeRelease(call, api);
      const ptr = this.argReader(args[api.releases.pointerArg], cr);
      return (a) => {
        this.release(spec, ptr(a), frame.at(a.base));
        return NULL_HANDLE;
      };
    }

    if (api.allocates && api.effect !== 'setCompletionRoutine') {
      const spec = describeAllocation(call, api, t);
      return (a) => this.allocate(spec, a, frame.at(a.base));
    }

    switch (api.effect) {
      case 'setCompletionRoutine': {
        const spec = describeAllocation(call, api, t);
        const irp = this.argReader(args[0], cr);
        const routine = this.routineArg(args[1]);
        return (a) => {
          const target = irp(a);
          // Nothing to attach the context to when the IRP pointer is NULL or stale.
          if (!t.isLive(target) || !routine) return NULL_HANDLE;
          const context = this.allocate(spec, a, frame.at(a.base));
          if (context !== NULL_HANDLE) this.completions.set(target, { routine, context });
          return NULL_HANDLE;
        };
      }
      case 'callDriver': {
        const irp = this.argReader(args[0], cr);
        return (a) => {
          this.callDriver(irp(a), a, frame.at(a.base), line, call.range.start.column);
          return NULL_HANDLE;
        };
      }
      case 'queueDpc': {
        const routine = this.routineArg(args[0]);
        return () => {
          // A KDPC is queued at most once: inserting it again while queued does nothing.
          if (routine) this.enqueue('dpc', routine, NULL_HANDLE, this.scenarioProcess ?? this.idle, routine);
          return NULL_HANDLE;
        };
      }
      case 'queueWorkItem':
      case 'exQueueWorkItem': {
        const kind: QueuedKind = api.effect === 'queueWorkItem' ? 'ioWorkItem' : 'exWorkItem';
        const item = this.argReader(args[0], cr);
        const routine = this.routineArg(args[1]);
        return (a) => {
          const w = item(a);
          // Queuing a work item that is already queued does nothing (it is one list entry).
          if (routine) this.enqueue(kind, routine, w, this.system, w === NULL_HANDLE ? routine : w);
          return NULL_HANDLE;
        };
      }
      case 'acquireSpinLock':
        return () => {
          this.pushIrql(this.irql > DISPATCH ? this.irql : DISPATCH);
          return NULL_HANDLE;
        };
      case 'raiseIrql': {
        const a0 = args[0];
        const level =
          a0 && a0.type === 'identifier'
            ? (IRQL_CONSTANTS.get(a0.name) ?? DISPATCH)
            : a0 && a0.type === 'number'
              ? a0.value
              : DISPATCH;
        return () => {
          this.pushIrql(level);
          return NULL_HANDLE;
        };
      }
      case 'releaseSpinLock':
      case 'lowerIrql':
        return () => {
          this.popIrql();
          return NULL_HANDLE;
        };
      case 'lockPages': {
        const mdl = this.argReader(args[0], cr);
        return (a) => {
          const m = mdl(a);
          if (t.isLive(m) && t.siteOfLive(m).kind === 'mdl' && !this.lockedMdls.has(m)) {
            const info = t.info(m)!;
            this.lockedMdls.set(m, {
              address: info.address,
              pages: this.mdlPages.get(m) ?? 0,
              tag: info.site.tag.tag,
              site,
              stack: frame.at(a.base),
            });
          }
          return NULL_HANDLE;
        };
      }
      case 'unlockPages': {
        const mdl = this.argReader(args[0], cr);
        return (a) => {
          this.lockedMdls.delete(mdl(a));
          return NULL_HANDLE;
        };
      }
      default:
        return () => NULL_HANDLE;
    }
  }

  // ------------------------------------------------------------------ IRQL

  private irqlFloor = 0;

  private pushIrql(level: number): void {
    if (this.irqlTop < MAX_IRQL_STACK) this.irqlStack[this.irqlTop++] = this.irql;
    this.irql = level;
  }

  /** KeReleaseSpinLock / KeLowerIrql: back to the IRQL saved by the matching raise. */
  private popIrql(): void {
    if (this.irqlTop > this.irqlFloor) this.irql = this.irqlStack[--this.irqlTop];
  }

  // ------------------------------------------------------------------ routines

  /**
   * Runs a routine. `irql` undefined: a helper, at its caller's IRQL. The IRQL (and any raise
   * left unmatched) is restored when the routine returns.
   */
  private invoke(
    target: CompiledRoutine,
    base: StackNode,
    process: ProcessQuota,
    inDpc: boolean,
    args: Value[] | null,
    line: number,
    column: number,
    irql?: number,
  ): void {
    if (++this.depth > MAX_DEPTH) {
      throw new SimulationError('recursion', `helper recursion deeper than ${MAX_CALL_DEPTH} calls at ${this.file}:${line}`, line, column);
    }
    const n = target.slotCount;
    let locals: Value[] = NO_LOCALS;
    if (n > 0) {
      locals = new Array(n);
      for (let i = 0; i < n; i++) locals[i] = NULL_HANDLE;
    }
    if (args) {
      const ps = target.paramSlots;
      for (let i = 0; i < ps.length && i < args.length; i++) locals[ps[i]] = args[i];
    }
    const savedIrql = this.irql;
    const savedTop = this.irqlTop;
    const savedFloor = this.irqlFloor;
    this.irqlFloor = savedTop;
    if (irql !== undefined) this.irql = irql;
    target.body(new Activation(locals, target, base, process, inDpc));
    this.irql = savedIrql;
    this.irqlTop = savedTop;
    this.irqlFloor = savedFloor;
    this.depth--;
  }

  /** A routine started by the system (a scenario step or queued work). */
  runTop(
    target: CompiledRoutine,
    base: StackNode,
    process: ProcessQuota,
    inDpc: boolean,
    irql: number,
    args: Value[] | null,
    line: number,
    column: number,
  ): void {
    this.depth = -1;
    this.irqlTop = 0;
    this.irqlFloor = 0;
    this.irql = PASSIVE;
    this.invoke(target, base, process, inDpc, args, line, column, irql);
  }

  private enqueue(kind: QueuedKind, routine: CompiledRoutine, arg: Value, process: ProcessQuota, key: unknown): void {
    if (this.queuedKeys.has(key)) return;
    this.queuedKeys.add(key);
    this.queue.push({ kind, routine, arg, process, key });
  }

  /** Runs queued DPCs and work items in queue order (work they queue runs after them). */
  drainQueue(line: number, column: number): void {
    while (this.queueHead < this.queue.length) {
      const w = this.queue[this.queueHead++];
      this.queuedKeys.delete(w.key);
      const arg = w.routine.paramSlots.length > 0 ? [w.arg] : null;
      if (w.kind === 'dpc') this.runTop(w.routine, this.dpcBase, w.process, true, DISPATCH, null, line, column);
      else
        this.runTop(
          w.routine,
          w.kind === 'ioWorkItem' ? this.ioWorkItemBase : this.exWorkItemBase,
          this.system,
          false,
          PASSIVE,
          arg,
          line,
          column,
        );
    }
    this.queue.length = 0;
    this.queueHead = 0;
  }

  /**
   * IoCallDriver: the lower driver completes the IRP at once. Its completion routine runs
   * inside this call, at DISPATCH_LEVEL, in the caller's process (inside a DPC only if the
   * caller is), and receives the IRP; the 'IoCc' context is freed when the routine returns.
   */
  private callDriver(irp: Value, a: Activation, callerNode: StackNode, line: number, column: number): void {
    const pending = this.completions.get(irp);
    if (!pending || !this.tracker.isLive(irp)) return;
    this.completions.delete(irp);
    const base = callerNode.child('nt!IofCompleteRequest', undefined);
    this.invoke(pending.routine, base, a.process, a.inDpc, [irp], line, column, DISPATCH);
    if (this.tracker.isLive(pending.context)) {
      const hit = this.tracker.siteOfLive(pending.context).tag.hit;
      const info = hit ? this.tracker.info(pending.context) : undefined;
      this.freeBlock(pending.context);
      if (info) this.recordHit('free', info, base);
    }
  }

  // ------------------------------------------------------------------ pool operations

  private allocate(spec: AllocationCall, a: Activation, driverNode: StackNode): Value {
    const where = spec.where;
    if (where.paged && this.irql > APC) {
      // Paged pool at DISPATCH_LEVEL or above: 0xC4 / 0x01.
      const bc = BugChecks.pagedAllocationAtHighIrql(
        this.driverName,
        spec.api.name,
        this.irql,
        spec.poolType,
        spec.size,
        this.steps,
        driverNode.child(spec.apiFrame, undefined).toFrames(),
        { site: spec.site, stack: driverNode.toFrames(), tag: where.tag.tag },
      );
      this.raise(bc);
      return NULL_HANDLE;
    }
    let charged: ProcessQuota | null = null;
    if (spec.quota) {
      const culprit = { site: spec.site, stack: driverNode.toFrames(), tag: where.tag.tag };
      if (a.inDpc) {
        this.raise(BugChecks.quotaFromDpc(this.driverName, spec.api.name, this.steps, driverNode.child(spec.apiFrame, undefined).toFrames(), culprit));
        return NULL_HANDLE;
      }
      if (a.process === this.idle) {
        this.raise(BugChecks.quotaToIdle(this.driverName, spec.api.name, this.steps, driverNode.child(spec.apiFrame, undefined).toFrames(), culprit));
        return NULL_HANDLE;
      }
      charged = a.process;
    }
    // Low Resources Simulation: fail the allocation, as Driver Verifier would.
    if (!spec.neverFails) {
      if (++this.allocationAttempts === this.failAllocation) {
        this.failedAllocation = { site: spec.site, tag: where.tag.tag, stack: driverNode };
        return NULL_HANDLE;
      }
      if (this.lowResources > 0 && this.rng.chance(this.lowResources)) return NULL_HANDLE;
    }
    const h = this.tracker.allocate(where, spec.size, driverNode.id, charged, this.steps);
    if (spec.pages) this.mdlPages.set(h, spec.pages);
    if (where.tag.hit) this.recordHit('alloc', this.tracker.info(h)!, driverNode.child(spec.apiFrame, undefined));
    return h;
  }

  /** Frees a live block and forgets what was attached to it. */
  private freeBlock(h: number): void {
    this.tracker.free(h);
    if (this.mdlPages.size > 0) this.mdlPages.delete(h);
    // A completion routine set on an IRP that is freed never runs; its 'IoCc' context stays
    // allocated (a leak, as on a real machine).
    if (this.completions.size > 0) this.completions.delete(h);
  }

  private blockEntry(b: BlockInfo): OutstandingBlock {
    const where = b.site;
    // One object literal per shape (with or without `process`): millions of entries at the
    // end of a leaking run must not go through hidden-class transitions.
    const stack = this.stackRoot.registry[b.stackId].toFrames();
    if (b.quota) {
      return {
        address: formatAddress(b.address),
        tag: where.tag.tag,
        pool: poolName(where.paged),
        size: b.size,
        kind: where.kind,
        site: where.site,
        stack,
        process: b.quota.name,
        step: b.step,
      };
    }
    return {
      address: formatAddress(b.address),
      tag: where.tag.tag,
      pool: poolName(where.paged),
      size: b.size,
      kind: where.kind,
      site: where.site,
      stack,
      step: b.step,
    };
  }

  private release(spec: ReleaseCall, ptr: Value, driverNode: StackNode): void {
    // The common case first, with no allocation: a live block of the right kind, freed at a
    // legal IRQL with the right tag.
    const t = this.tracker;
    const where = t.liveSite(ptr);
    if (where !== undefined) {
      if (
        (spec.poolFree ? where.kind === 'pool' : spec.blocks.includes(where.kind)) &&
        (!where.paged || this.irql <= APC) &&
        (spec.tag === null || spec.tag === where.tag.tag)
      ) {
        if (where.tag.hit) {
          const info = t.info(ptr)!;
          this.freeBlock(ptr);
          this.recordHit('free', info, driverNode.child(spec.apiFrame, undefined));
        } else this.freeBlock(ptr);
        return;
      }
    }
    this.badRelease(spec, ptr, driverNode);
  }

  /** The bug check a release that is not the common case raises (simulator.md table). */
  private badRelease(spec: ReleaseCall, ptr: Value, driverNode: StackNode): void {
    const api = spec.api.name;
    const stack = driverNode.child(spec.apiFrame, undefined).toFrames();
    const driverFrames = driverNode.toFrames();
    const info = this.tracker.info(ptr);
    if (ptr === NULL_HANDLE) {
      this.raise(BugChecks.invalidAddressFree(this.driverName, api, 0n, 'a NULL pointer', this.steps, stack, [{ site: spec.site, stack: driverFrames }]));
      return;
    }
    if (!info) {
      // A block freed long ago whose slot was reused since: still a double free, but its
      // header and address are no longer known (docs/simulator.md, "Quarantine").
      this.raise(BugChecks.doubleFree(this.driverName, api, 0n, 0n, this.steps, stack, [{ site: spec.site, stack: driverFrames }]));
      return;
    }
    const address = addressValue(info.address);
    const tag = info.site.tag.tag;
    const kind = info.site.kind;
    const culprits = [{ site: spec.site, stack: driverFrames, address: formatAddress(info.address), tag }, this.blockEntry(info)];
    if (!info.live) {
      // 0xC2 / 0x07: freed twice. P3 is the pool header left by the first free (docs/simulator.md).
      this.raise(BugChecks.doubleFree(this.driverName, api, poolHeader(info, false), address, this.steps, stack, culprits));
      return;
    }
    if (spec.poolFree && kind === 'irp') {
      this.raise(BugChecks.freePoolOnIrp(this.driverName, api, this.steps, stack, culprits));
      return;
    }
    if (!spec.blocks.includes(kind)) {
      const why = `a block that ${api} does not release (${kind} '${tag}' at ${formatAddress(info.address)})`;
      this.raise(BugChecks.invalidAddressFree(this.driverName, api, address, why, this.steps, stack, culprits));
      return;
    }
    if (info.site.paged && this.irql > APC) {
      this.raise(BugChecks.pagedFreeAtHighIrql(this.driverName, api, this.irql, PAGED_POOL_TYPE, address, this.steps, stack, culprits[0]));
      return;
    }
    const used = spec.tag ?? tag;
    this.raise(BugChecks.freeTagMismatch(this.driverName, api, address, tag, tagToUlong(tag), used, tagToUlong(used), this.steps, stack, culprits));
  }

  private recordHit(event: 'alloc' | 'free', b: BlockInfo, stack: StackNode): void {
    if (this.hits.length >= this.maxHits) {
      this.hitsDropped++;
      return;
    }
    this.hits.push({
      event,
      tag: b.site.tag.tag,
      address: formatAddress(b.address),
      size: b.size,
      pool: poolName(b.site.paged),
      stack: stack.toFrames(),
      step: this.steps,
    });
  }

  private raise(bc: BugCheck): void {
    if (!this.continueOnBugcheck) throw new BugCheckStop(bc);
    // Kept up to a cap, like HitTag breaks: a violation inside a long loop must not make
    // memory grow with the number of events.
    if (this.bugchecks.length < MAX_BUGCHECKS) this.bugchecks.push(bc);
    else this.bugchecksDropped++;
  }

  /** Pool Tracking's unload checks: locked pages (0xCB) first, then leaked blocks (0xC4 / 0x62). */
  unloadChecks(): void {
    const stack = systemChain(this.stackRoot, UNLOAD_CHECK_FRAMES).toFrames();
    const locked = [...this.lockedMdls.values()];
    if (locked.length > 0) {
      const oldest = locked[0];
      const culprits = locked.map((m) => ({
        site: m.site,
        stack: m.stack.toFrames(),
        address: formatAddress(m.address),
        tag: m.tag,
      }));
      this.raise(BugChecks.lockedPagesAtUnload(this.driverName, addressValue(oldest.address), oldest.pages, locked.length, this.steps, stack, culprits));
    }
    if (this.tracker.liveCount > 0) {
      const outstanding = this.outstanding();
      this.raise(
        BugChecks.leakedAllocationsAtUnload(
          this.driverName,
          addressValue(DRIVER_NAME_OFFSET),
          addressValue(VERIFIER_DRIVER_DATA_OFFSET),
          outstanding,
          this.steps,
          stack,
        ),
      );
    }
  }

  /** The outstanding list last built, and the allocation/free counts it was built at. */
  private outstandingCache: { allocations: number; frees: number; list: OutstandingBlock[] } | null = null;

  private outstanding(): OutstandingBlock[] {
    const t = this.tracker;
    const cached = this.outstandingCache;
    if (cached && cached.allocations === t.allocations && cached.frees === t.frees) return cached.list;
    const out: OutstandingBlock[] = [];
    for (const h of t.liveHandles()) out.push(this.blockEntry(t.info(h)!));
    this.outstandingCache = { allocations: t.allocations, frees: t.frees, list: out };
    return out;
  }

  // ------------------------------------------------------------------ scenario

  /**
   * Counts `count` iterations of a loop whose body does nothing: the same steps, checkpoints
   * and budget stop as running them one by one, without the one-by-one.
   */
  private skipEmptyIterations(count: number, line: number, column: number): void {
    let remaining = count;
    while (remaining > 0) {
      const room = this.nextCheck - this.steps - 1;
      if (room <= 0) {
        if (++this.steps >= this.nextCheck) this.checkpoint(line, column);
        remaining--;
        continue;
      }
      const take = room < remaining ? room : remaining;
      this.steps += take;
      remaining -= take;
    }
  }

  private compileSteps(steps: readonly Ast.ScenarioStep[]): (() => void) | null {
    const compiled = steps.map((s) => this.compileStep(s)).filter((e): e is () => void => e !== null);
    if (compiled.length === 0) return null;
    if (compiled.length === 1) return compiled[0];
    return () => {
      for (let i = 0; i < compiled.length; i++) compiled[i]();
    };
  }

  /** Compiles one scenario step; every step counts one step of the budget. */
  private compileStep(step: Ast.ScenarioStep): (() => void) | null {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const m = this;
    const line = step.range.start.line;
    const column = step.range.start.column;
    /** A step that starts a routine: runs it, then the DPCs and work items it queued. */
    const routineStep = (target: CompiledRoutine | undefined, start: () => void): (() => void) => {
      if (!target) {
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
        };
      }
      return () => {
        if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
        start();
        if (m.queueHead < m.queue.length) m.drainQueue(line, column);
      };
    };
    switch (step.type) {
      case 'load': {
        const entry = this.symbols.entry && this.routines.get(this.symbols.entry);
        if (!entry) {
          return () => {
            throw new SimulationError('cannot-run', `no entry routine for 'load' at ${this.file}:${line}`, line, column);
          };
        }
        return routineStep(entry, () => m.runTop(entry, m.loadBase, m.system, false, PASSIVE, null, line, column));
      }
      case 'unload': {
        const unload = this.symbols.unload && this.routines.get(this.symbols.unload);
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          if (unload) m.runTop(unload, m.unloadBase, m.system, false, PASSIVE, null, line, column);
          // Work the unload routine queued runs before Pool Tracking's unload checks.
          if (m.queueHead < m.queue.length) m.drainQueue(line, column);
          m.unloadChecks();
        };
      }
      case 'irp': {
        const major = step.major.name;
        const routine = this.symbols.dispatch.get(major);
        const target = routine && this.routines.get(routine);
        let base = this.irpBases.get(major);
        if (!base) {
          base = systemChain(this.stackRoot, [IRP_MAJOR_SERVICE[major] ?? 'nt!IopSynchronousServiceTail', 'nt!IofCallDriver']);
          this.irpBases.set(major, base);
        }
        const b = base;
        return routineStep(target, () => m.runTop(target!, b, m.scenarioProcess ?? m.system, false, PASSIVE, null, line, column));
      }
      case 'dpc': {
        const target = this.routineByName(step.routine.name);
        return routineStep(target, () => m.runTop(target!, m.dpcBase, m.scenarioProcess ?? m.idle, true, DISPATCH, null, line, column));
      }
      case 'workitem': {
        const target = this.routineByName(step.routine.name);
        return routineStep(target, () => m.runTop(target!, m.ioWorkItemBase, m.system, false, PASSIVE, null, line, column));
      }
      case 'call': {
        const target = this.routineByName(step.routine.name);
        // A callback with no IRP of its own: PASSIVE_LEVEL, the current process, NULL
        // parameters, and no system frames below it.
        return routineStep(target, () =>
          m.runTop(target!, m.stackRoot, m.scenarioProcess ?? m.system, false, PASSIVE, null, line, column),
        );
      }
      case 'repeat': {
        const n = Number.isFinite(step.count.value) && step.count.value > 0 ? Math.floor(step.count.value) : 0;
        const body = this.compileSteps(step.steps);
        if (!body) {
          return () => {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
            m.skipEmptyIterations(n, line, column);
          };
        }
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          // Every iteration counts one step, on top of the steps it runs.
          for (let i = 0; i < n; i++) {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
            body();
          }
        };
      }
      case 'process': {
        const p = this.tracker.process(step.name.value);
        const body = this.compileSteps(step.steps);
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          const saved = m.scenarioProcess;
          p.shown = true;
          m.scenarioProcess = p;
          body?.();
          m.scenarioProcess = saved;
        };
      }
      case 'snapshot': {
        const label = step.label ? step.label.value : null;
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          m.timeline.snapshot(m.steps, label);
        };
      }
      case 'hittag': {
        const tag = step.tag ? (step.tag.value ?? (step.tag.raw + '    ').slice(0, 4)) : null;
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          m.tracker.setHitTag(tag);
        };
      }
      case 'error':
        return null;
    }
  }

  /** Runs the scenario to its end or to the first bug check. */
  run(scenario: Ast.Scenario): SimulationResult {
    let stop: BugCheck | null = null;
    const body = this.compileSteps(scenario.steps);
    try {
      body?.();
    } catch (e) {
      if (e instanceof BugCheckStop) stop = e.bugcheck;
      else throw e;
    }
    return this.result(scenario, stop);
  }

  private result(scenario: Ast.Scenario, stop: BugCheck | null): SimulationResult {
    const t = this.tracker;
    const poolused = t
      .allTags()
      .filter((a) => a.everAllocated)
      .map((a) => ({
        tag: a.tag,
        nonPaged: { allocs: a.nonPagedAllocs, frees: a.nonPagedFrees, diff: a.nonPagedAllocs - a.nonPagedFrees, used: a.nonPagedUsed },
        paged: { allocs: a.pagedAllocs, frees: a.pagedFrees, diff: a.pagedAllocs - a.pagedFrees, used: a.pagedUsed },
      }));
    const result: SimulationResult = {
      driver: this.driverName,
      scenario: scenario.name,
      seed: this.seed,
      steps: this.steps,
      allocations: t.allocations,
      frees: t.frees,
      bugcheck: stop ?? (this.continueOnBugcheck ? (this.bugchecks[0] ?? null) : null),
      poolused,
      outstanding: this.outstanding(),
      quota: t.shownProcesses().map((p) => ({ process: p.name, nonPaged: p.nonPaged, paged: p.paged })),
      hits: this.hits,
      hitsDropped: this.hitsDropped,
      timeline: this.timeline.finish(this.steps),
    };
    if (this.continueOnBugcheck) {
      // Keep the field order of cli.md: `bugchecks` right after `bugcheck`.
      const { driver, scenario: name, seed, steps, allocations, frees, bugcheck, ...rest } = result;
      const dropped = this.bugchecksDropped > 0 ? { bugchecksDropped: this.bugchecksDropped } : {};
      return { driver, scenario: name, seed, steps, allocations, frees, bugcheck, bugchecks: this.bugchecks, ...dropped, ...rest, ...this.hitTagField() };
    }
    return { ...result, ...this.hitTagField() };
  }

  private hitTagField(): { hitTag: string | null } {
    return { hitTag: this.tracker.getHitTag() };
  }
}

/**
 * A synthetic x64 POOL_HEADER (docs/simulator.md): PoolTag in the high 32 bits, then
 * PoolType (0 once freed, else the POOL_TYPE + 1), BlockSize in 16-byte units (capped at 0xFF),
 * PoolIndex 0 and PreviousSize 0.
 */
export function poolHeader(b: BlockInfo, live: boolean): bigint {
  const blockSize = Math.min(0xff, Math.ceil((b.size + 16) / 16));
  const poolType = live ? (b.site.paged ? PAGED_POOL_TYPE : 0) + 1 : 0;
  return (BigInt(tagToUlong(b.site.tag.tag)) << 32n) | (BigInt(poolType) << 24n) | (BigInt(blockSize) << 16n);
}
