/**
 * Messages between the server and its worker threads (one bundle, two modes): a simulation
 * worker per run, and the persistent analysis worker.
 */
import type { ConfiguredSeverity } from '../core/diagnostics';
import type { SimulationResult } from '../core/simulator/result';
import type { DocumentModel } from './services/model';

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

/** The analysis worker (same bundle, `workerData.mode === 'analysis'`): one job per message. */
export interface AnalysisJob {
  id: number;
  uri: string;
  version: number;
  text: string;
  rules: Record<string, ConfiguredSeverity>;
  usedTags: string[];
}

export type AnalysisReply = { id: number; model: DocumentModel } | { id: number; error: string };
