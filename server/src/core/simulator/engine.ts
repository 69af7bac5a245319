/**
 * The simulation engine: runs one scenario of a driver model script against a model of the
 * kernel with Driver Verifier's Pool Tracking (simulator.md, "Execution model").
 *
 * This file is the machine itself — the step budget and its checkpoints, the IRQL, nested
 * routine calls (helpers, completion routines) and the queue of DPCs and work items — and the
 * result of a run. The rest is split by domain:
 * - compile.ts: routines compiled into closures (statements, expressions, helper calls);
 * - apiCalls.ts: what each API call does when it runs;
 * - poolOps.ts: allocations, releases, MDL locks, HitTag breaks, bug checks, unload checks;
 * - scenario.ts: scenario steps; frames.ts: the system frames below each kind of routine;
 * - poolTracker.ts: per-tag counters, live blocks and quota.
 *
 * Executing a statement is a few property reads, one counter increment and one comparison
 * against `nextCheck` (the earliest of: the step budget, the next progress/cancel poll and the
 * next timeline sample).
 */
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../apis';
import { parsePoolTag } from '../poolTag';
import type * as Ast from '../ast';
import type { SymbolTable } from '../symbols';
import { RoutineCompiler } from './compile';
import {
  DEFAULT_MAX_HITS,
  DEFAULT_MAX_STEPS,
  MAX_CALL_DEPTH,
  PROGRESS_INTERVAL,
  SimulationError,
  type SimulationOptions,
} from './contract';
import { SystemFrames } from './frames';
import type { Machine, QueuedKind } from './machine';
import { BugCheckStop, PoolOperations } from './poolOps';
import { NULL_HANDLE as NULL_POINTER, PoolTracker, type CallSite, type ProcessQuota } from './poolTracker';
import { SeededRandom } from './prng';
import type { BugCheck, SimulationResult } from './result';
import { Activation, type CompiledRoutine, type Value } from './routine';
import { ScenarioCompiler } from './scenario';
import { createStackRoot, type StackNode } from './stack';
import { TimelineRecorder } from './timeline';

/** Module-local copies of constants: hot paths do not go through import getters. */
const MAX_DEPTH = MAX_CALL_DEPTH;
const PROGRESS_EVERY = PROGRESS_INTERVAL;
const DISPATCH = DISPATCH_LEVEL;
const PASSIVE = PASSIVE_LEVEL;
const NULL_HANDLE = NULL_POINTER;

/** At most this many saved IRQLs per run (KeRaiseIrql without KeLowerIrql in a loop). */
const MAX_IRQL_STACK = 4096;

/** The locals of a routine that has none (never written). */
const NO_LOCALS: Value[] = [];

interface QueuedWork {
  kind: QueuedKind;
  routine: CompiledRoutine;
  arg: Value;
  process: ProcessQuota;
  /** What makes a second queueing of the same object a no-op: the block, or the routine. */
  key: unknown;
}

export class Simulation implements Machine {
  // Hot fields first.
  steps = 0;
  nextCheck = 1;
  irql = PASSIVE;
  private irqlStack: number[] = [];
  private irqlTop = 0;
  /** Saved IRQLs below this index belong to the routines that called the running one. */
  private irqlFloor = 0;
  private depth = 0;

  readonly tracker = new PoolTracker();
  readonly timeline = new TimelineRecorder(this.tracker);
  readonly stackRoot = createStackRoot();
  readonly frames = new SystemFrames(this.stackRoot);
  readonly pool: PoolOperations;
  private readonly rng: SeededRandom;
  private readonly compiler: RoutineCompiler;
  private readonly scenarios: ScenarioCompiler;

  readonly file: string;
  private readonly seed: number;
  private readonly maxSteps: number;
  private readonly continueOnBugcheck: boolean;
  private nextProgress = PROGRESS_INTERVAL;
  private readonly onProgress: ((steps: number) => void) | undefined;
  private readonly isCancelled: (() => boolean) | undefined;
  private readonly driverName: string;

  queue: QueuedWork[] = [];
  queueHead = 0;
  private readonly queuedKeys = new Set<unknown>();

  /** The process of the enclosing `process` block, if any. */
  scenarioProcess: ProcessQuota | null = null;
  readonly system: ProcessQuota;
  readonly idle: ProcessQuota;

  constructor(script: Ast.Script, symbols: SymbolTable, options: SimulationOptions) {
    this.file = options.file ?? '<script>';
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.continueOnBugcheck = options.continueOnBugcheck ?? false;
    this.seed = options.seed ?? 1;
    this.rng = new SeededRandom(this.seed);
    this.onProgress = options.onProgress;
    this.isCancelled = options.isCancelled;
    this.driverName = script.driver?.name.value ?? 'Driver.sys';
    this.system = this.tracker.process('System');
    this.idle = this.tracker.process('Idle');
    if (options.hitTag) {
      // Accept the forms a user types too: `'Abc '` (quoted) and `Abc` (padded). Text that is
      // no tag is kept as it is: it matches no allocation.
      const parsed = parsePoolTag(options.hitTag);
      this.tracker.setHitTag('error' in parsed ? options.hitTag : parsed.display);
    }
    this.pool = new PoolOperations(this, this.tracker, this.rng, this.stackRoot.registry, this.idle, {
      driverName: this.driverName,
      maxHits: options.maxHits ?? DEFAULT_MAX_HITS,
      lowResources: options.lowResources ?? 0,
      failAllocation: options.failAllocation ?? 0,
      continueOnBugcheck: this.continueOnBugcheck,
    });
    const module = this.driverName.replace(/\.sys$/i, '');
    this.compiler = new RoutineCompiler(this, this.pool, this.rng, script, symbols, module);
    this.compiler.compileProgram();
    this.scenarios = new ScenarioCompiler(this, this.compiler, symbols);
  }

  /** Allocations so far that could have failed (see SimulationOptions.failAllocation). */
  get allocationAttempts(): number {
    return this.pool.allocationAttempts;
  }

  /** The allocation failed on purpose by `failAllocation`, once it happened. */
  get failedAllocation(): { site: CallSite; tag: string; stack: StackNode } | null {
    return this.pool.failedAllocation;
  }

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

  /**
   * Counts `count` iterations of a loop whose body does nothing: the same steps, checkpoints
   * and budget stop as running them one by one, without the one-by-one.
   */
  skipEmptyIterations(count: number, line: number, column: number): void {
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

  // ------------------------------------------------------------------ IRQL

  /** KeAcquireSpinLock / KeRaiseIrql: save the current IRQL and raise to `level`. */
  pushIrql(level: number): void {
    if (this.irqlTop < MAX_IRQL_STACK) this.irqlStack[this.irqlTop++] = this.irql;
    this.irql = level;
  }

  /** KeReleaseSpinLock / KeLowerIrql: back to the IRQL saved by the matching raise. */
  popIrql(): void {
    if (this.irqlTop > this.irqlFloor) this.irql = this.irqlStack[--this.irqlTop];
  }

  // ------------------------------------------------------------------ routines

  /**
   * Runs a routine. `irql` undefined: a helper, at its caller's IRQL. The IRQL (and any raise
   * left unmatched) is restored when the routine returns.
   */
  invoke(
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

  /**
   * IoCallDriver: the lower driver completes the IRP at once. Its completion routine runs
   * inside this call, at DISPATCH_LEVEL, in the caller's process (inside a DPC only if the
   * caller is), and receives the IRP; the 'IoCc' context is freed when the routine returns.
   * (IoCallDriver: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iocalldriver;
   * completion routines run at IRQL <= DISPATCH_LEVEL in an arbitrary thread context:
   * https://learn.microsoft.com/windows-hardware/drivers/kernel/implementing-an-iocompletion-routine)
   */
  callDriver(irp: Value, a: Activation, callerNode: StackNode, line: number, column: number): void {
    const pending = this.pool.takeCompletion(irp);
    if (!pending) return;
    const base = SystemFrames.completion(callerNode);
    this.invoke(pending.routine, base, a.process, a.inDpc, [irp], line, column, DISPATCH);
    this.pool.freeCompletionContext(pending.context, base);
  }

  // ------------------------------------------------------------------ queued work

  enqueue(kind: QueuedKind, routine: CompiledRoutine, arg: Value, process: ProcessQuota, key: unknown): void {
    if (this.queuedKeys.has(key)) return;
    this.queuedKeys.add(key);
    this.queue.push({ kind, routine, arg, process, key });
  }

  /** Runs queued DPCs and work items in queue order (work they queue runs after them). */
  drainQueue(line: number, column: number): void {
    const frames = this.frames;
    while (this.queueHead < this.queue.length) {
      const w = this.queue[this.queueHead++];
      this.queuedKeys.delete(w.key);
      const arg = w.routine.paramSlots.length > 0 ? [w.arg] : null;
      if (w.kind === 'dpc') this.runTop(w.routine, frames.dpc, w.process, true, DISPATCH, null, line, column);
      else {
        const base = w.kind === 'ioWorkItem' ? frames.ioWorkItem : frames.exWorkItem;
        this.runTop(w.routine, base, this.system, false, PASSIVE, arg, line, column);
      }
    }
    this.queue.length = 0;
    this.queueHead = 0;
  }

  // ------------------------------------------------------------------ the run

  /** Runs the scenario to its end or to the first bug check. */
  run(scenario: Ast.Scenario): SimulationResult {
    let stop: BugCheck | null = null;
    const body = this.scenarios.compileSteps(scenario.steps);
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
    const pool = this.pool;
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
      bugcheck: stop ?? (this.continueOnBugcheck ? (pool.bugchecks[0] ?? null) : null),
      poolused,
      outstanding: pool.outstanding(),
      quota: t.shownProcesses().map((p) => ({ process: p.name, nonPaged: p.nonPaged, paged: p.paged })),
      hits: pool.hits,
      hitsDropped: pool.hitsDropped,
      timeline: this.timeline.finish(this.steps),
    };
    const hitTag = { hitTag: t.getHitTag() };
    if (this.continueOnBugcheck) {
      // Keep the field order of cli.md: `bugchecks` right after `bugcheck`.
      const { driver, scenario: name, seed, steps, allocations, frees, bugcheck, ...rest } = result;
      const dropped = pool.bugchecksDropped > 0 ? { bugchecksDropped: pool.bugchecksDropped } : {};
      return { driver, scenario: name, seed, steps, allocations, frees, bugcheck, bugchecks: pool.bugchecks, ...dropped, ...rest, ...hitTag };
    }
    return { ...result, ...hitTag };
  }
}
