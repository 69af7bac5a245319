/** Messages between the server and its simulation worker (one worker per run). */
import type { ConfiguredSeverity } from '../core/diagnostics';
import type { SimulationResult } from '../core/simulator/result';

export interface SimulationJob {
  text: string;
  /** Script file name used in stacks and messages (`leaky.drvm`). */
  file: string;
  rules: Record<string, ConfiguredSeverity>;
  scenario?: string;
  seed: number;
  maxSteps: number;
  lowResources: number;
  continueOnBugcheck: boolean;
  hitTag: string | null;
  /** Milliseconds between progress messages. */
  progressIntervalMs: number;
}

export type WorkerMessage =
  | { type: 'progress'; steps: number }
  | { type: 'done'; result: SimulationResult }
  | { type: 'error'; kind: string; message: string; line?: number; column?: number };
