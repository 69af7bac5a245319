/**
 * The interfaces between the parts of the interpreter, so that none of them imports another
 * one's implementation: compiled code (compile.ts, apiCalls.ts) and scenario steps
 * (scenario.ts) run on a `Machine`, which engine.ts's `Simulation` implements; API calls and
 * scenario steps are compiled against `RoutineCompilation`, which compile.ts's
 * `RoutineCompiler` implements. Dependencies then point one way: engine → scenario → compile →
 * apiCalls, each down to this file, routine.ts and poolOps.ts.
 */
import type * as Ast from '../ast';
import type { SystemFrames } from './frames';
import type { PoolOperations } from './poolOps';
import type { PoolTracker, ProcessQuota } from './poolTracker';
import type { Activation, CompiledRoutine, Eval, Value } from './routine';
import type { StackNode } from './stack';
import type { TimelineRecorder } from './timeline';

/** Work a routine queues to run after the current event (simulator.md, "Execution model"). */
export type QueuedKind = 'dpc' | 'ioWorkItem' | 'exWorkItem';

/** The running simulation as compiled code and scenario steps see it. */
export interface Machine {
  /** Statements executed so far (the step budget counts them). */
  steps: number;
  /** The step count at which the next `checkpoint` is due. */
  nextCheck: number;
  readonly irql: number;
  readonly file: string;
  readonly tracker: PoolTracker;
  readonly timeline: TimelineRecorder;
  readonly frames: SystemFrames;
  readonly pool: PoolOperations;
  /** The process of the enclosing `process` block, if any. */
  scenarioProcess: ProcessQuota | null;
  readonly system: ProcessQuota;
  readonly idle: ProcessQuota;
  /** Queued DPCs and work items, and the index of the next one to run. */
  readonly queue: readonly unknown[];
  readonly queueHead: number;

  /** Slow path of every statement: budget, progress / cancellation, timeline. */
  checkpoint(line: number, column: number): void;
  /** Counts `count` iterations of a loop whose body does nothing. */
  skipEmptyIterations(count: number, line: number, column: number): void;
  /** KeAcquireSpinLock / KeRaiseIrql: save the current IRQL and raise to `level`. */
  pushIrql(level: number): void;
  /** KeReleaseSpinLock / KeLowerIrql: back to the IRQL saved by the matching raise. */
  popIrql(): void;
  /** Runs a routine; `irql` undefined: a helper, at its caller's IRQL. */
  invoke(target: CompiledRoutine, base: StackNode, process: ProcessQuota, inDpc: boolean, args: Value[] | null, line: number, column: number, irql?: number): void;
  /** A routine started by the system (a scenario step or queued work). */
  runTop(target: CompiledRoutine, base: StackNode, process: ProcessQuota, inDpc: boolean, irql: number, args: Value[] | null, line: number, column: number): void;
  /** IoCallDriver: the lower driver completes the IRP at once (its completion routine runs). */
  callDriver(irp: Value, a: Activation, callerNode: StackNode, line: number, column: number): void;
  /** Queues a DPC or work item; a second queueing of the same `key` is a no-op. */
  enqueue(kind: QueuedKind, routine: CompiledRoutine, arg: Value, process: ProcessQuota, key: unknown): void;
  /** Runs queued DPCs and work items in queue order. */
  drainQueue(line: number, column: number): void;
}

/** The routine compiler as API calls and scenario steps are compiled against it. */
export interface RoutineCompilation {
  /** The machine the compiled code runs on. */
  readonly m: Machine;
  readonly pool: PoolOperations;
  /** Every routine of the script, compiled. */
  readonly routines: ReadonlyMap<Ast.Routine, CompiledRoutine>;
  /** A routine by its name (`dpc Name` in a scenario), compiled. */
  routineByName(name: string): CompiledRoutine | undefined;
  /** The routine an argument names (`Routine` of `IoQueueWorkItem(w, Routine)`), if any. */
  routineArg(arg: Ast.Argument | undefined): CompiledRoutine | undefined;
  /** Reads an argument's value in the running activation. */
  argReader(arg: Ast.Argument | undefined, cr: CompiledRoutine): Eval;
}
