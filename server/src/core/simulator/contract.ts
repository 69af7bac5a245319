/** The simulator's public options and its one error type (module entry: `./index.ts`). */

export interface SimulationOptions {
  /** Script path or URI, for messages ("step budget exceeded at <file>:<line>"). */
  file?: string;
  /** Scenario to run; default the first one of the script. */
  scenario?: string;
  /** PRNG seed for `chance(...)` and `--low-resources`; default 1. */
  seed?: number;
  /** PoolHitTag in force from the start (display form, 1–4 characters; padded), or null. */
  hitTag?: string | null;
  /** Percent probability (0–100) that each allocation fails, like Low Resources Simulation. */
  lowResources?: number;
  /**
   * Fail exactly the Nth allocation that could fail (1-based; POOL_FLAG_RAISE_ON_FAILURE ones
   * are not counted), on top of `lowResources`: one run of a systematic low-resources sweep.
   */
  failAllocation?: number;
  /** Record each bug check, skip the offending operation and go on. */
  continueOnBugcheck?: boolean;
  /** Executed statements and scenario steps before the run stops; default 100,000,000. */
  maxSteps?: number;
  /** HitTag breaks kept; default 10,000 (the rest are counted in `hitsDropped`). */
  maxHits?: number;
  /** Called every PROGRESS_INTERVAL executed statements with the count so far. */
  onProgress?: (steps: number) => void;
  /** Polled at the same cadence; returning true stops the run (SimulationError 'cancelled'). */
  isCancelled?: () => boolean;
}

export const DEFAULT_MAX_STEPS = 100_000_000;
export const DEFAULT_MAX_HITS = 10_000;
/** Nested helper / completion calls allowed before the run stops. */
export const MAX_CALL_DEPTH = 256;
/** How often (in executed statements) onProgress and isCancelled are called. */
export const PROGRESS_INTERVAL = 65_536;

export type SimulationErrorKind = 'budget' | 'recursion' | 'cancelled' | 'no-scenario' | 'cannot-run';

/** A run that could not start or was stopped before it finished (not a bug check). */
export class SimulationError extends Error {
  constructor(
    readonly kind: SimulationErrorKind,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'SimulationError';
  }
}
