/**
 * Messages between the server and its worker threads (one bundle, two modes): a simulation
 * worker per run, and the persistent analysis worker.
 */
import type { ConfiguredSeverity } from '../../core/diagnostics';
import type { SimulationResult } from '../../core/simulator/result';
import type { DocumentModel } from '../services/model';
import type { findingsOf } from '../services/analysis';

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

/** What a document's analysis found: posted first, so diagnostics are published before the model is built. */
export type AnalysisFindings = ReturnType<typeof findingsOf>;

/**
 * The worker answers each job with its findings, then with the model for every other request
 * (sent without `diagnostics`, which the findings already carried), or with an error.
 */
export type AnalysisReply =
  | { id: number; findings: AnalysisFindings }
  /** `Omit<DocumentModel, 'diagnostics'>` as JSON text. */
  | { id: number; modelJson: string }
  /** No model: a newer version was waiting (the host's `skipModel` flag). */
  | { id: number; skipped: true }
  | { id: number; error: string };
