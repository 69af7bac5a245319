/**
 * What every part of the interpreter shares (compile.ts builds them, engine.ts runs them,
 * apiCalls.ts, poolOps.ts and scenario.ts read them): a pointer value, a compiled routine, one
 * activation of it, and the context a pool operation runs in. A leaf: it imports no other part
 * of the interpreter, so the parts import it and not each other (machine.ts holds the
 * interfaces between them).
 */
import type * as Ast from '../ast';
import type { ProcessQuota } from './poolTracker';
import type { StackNode } from './stack';

/** A pointer: a block handle (poolTracker.ts), or NULL_HANDLE (0). */
export type Value = number;

/** A compiled statement; returns 1 when it executed `return`. */
export type Exec = (a: Activation) => number;
export type Eval = (a: Activation) => Value;

export class CompiledRoutine {
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

/** What pool operations read of the running machine: the IRQL and the step count right now. */
export interface MachineState {
  readonly irql: number;
  readonly steps: number;
}

/** The context a pool operation runs in (the running routine's activation). */
export interface OperationContext {
  readonly process: ProcessQuota;
  /** Running in a DPC routine or anything it calls (0xC4 / 0x10B). */
  readonly inDpc: boolean;
}

/** One running routine: its locals, its stack and the context pool operations see. */
export class Activation implements OperationContext {
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

/** Iterations of a `repeat` (a count that is not a positive finite number runs no iteration). */
export function repeatCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
