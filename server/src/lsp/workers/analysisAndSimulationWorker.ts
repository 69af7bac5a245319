/**
 * Worker-thread entry (dist/analysisAndSimulationWorker.js), in one of two modes:
 * - simulation (default): runs one scenario with the core simulator and posts progress, then
 *   the result or the reason it could not run;
 * - analysis (`workerData.mode === 'analysis'`): lints each document posted to it and answers
 *   with its plain `DocumentModel` (see workers/analysisHost.ts).
 * The server terminates the thread to cancel either, so nothing here needs to clean up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyze, findingsOf } from '../services/analysis';
import type { ParseSnapshot } from '../../core/incremental';
import { releaseRuleModels } from '../../core/linter';
import { parse } from '../../core/parser';
import { check } from '../../core/checker';
import { runnableErrors, simulate, SimulationError } from '../../core/simulator/index';
import { performance } from 'node:perf_hooks';
import { buildModel, encodeModel } from '../services/model';
import type { AnalysisJob, AnalysisReply, SimulationJob, WorkerMessage } from './workerMessages';

function post(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

function run(job: SimulationJob): void {
  // Structural errors come from the parser and the checker alone (no need to run every lint
  // rule), judged with default severities: turning a rule off does not make a script runnable.
  const parsed = parse(job.text);
  const checked = check(parsed.script);
  const analysis = { script: parsed.script, symbols: checked.symbols };
  const blocking = runnableErrors([...parsed.diagnostics, ...checked.diagnostics])[0];
  if (blocking) {
    post({
      type: 'error',
      kind: 'cannot-run',
      message: `${job.file}:${blocking.range.start.line}: ${blocking.rule}: ${blocking.message}`,
      line: blocking.range.start.line,
      column: blocking.range.start.column,
    });
    return;
  }
  let lastPost = 0;
  try {
    const result = simulate(analysis.script, analysis.symbols, {
      file: job.file,
      scenario: job.scenario,
      seed: job.seed,
      hitTag: job.hitTag,
      lowResources: job.lowResources,
      continueOnBugcheck: job.continueOnBugcheck,
      maxSteps: job.maxSteps,
      onProgress: (steps) => {
        const now = Date.now();
        if (now - lastPost >= job.progressIntervalMs) {
          lastPost = now;
          post({ type: 'progress', steps });
        }
      },
    });
    post({ type: 'done', result });
  } catch (e) {
    if (e instanceof SimulationError) post({ type: 'error', kind: e.kind, message: e.message, line: e.line, column: e.column });
    else post({ type: 'error', kind: 'internal', message: `internal error in the simulator: ${(e as Error)?.message ?? String(e)}` });
  }
}

/**
 * How long a worker waits after posting a job's findings before it builds that job's model. An
 * edit that follows its diagnostics within this time replaces the version (the host raises
 * `skipModel`), and the model nobody would read is never built — so while the user types, the
 * next analysis does not share the CPU with it. Requests that need the model wait this much more.
 */
const MODEL_DELAY_MS = 25;

function serveAnalyses(skipModel: Int32Array | undefined): void {
  const reply = (m: AnalysisReply): void => parentPort?.postMessage(m);
  const skipped = (job: AnalysisJob): boolean => !!skipModel && Atomics.load(skipModel, 0) === job.id;
  /** A job whose findings are out and whose model waits for MODEL_DELAY_MS. */
  let waiting: { job: AnalysisJob; analysis: ReturnType<typeof analyze>; timer: NodeJS.Timeout } | undefined;

  const finish = (): void => {
    const w = waiting;
    if (!w) return;
    waiting = undefined;
    clearTimeout(w.timer);
    try {
      if (skipped(w.job)) {
        reply({ id: w.job.id, skipped: true });
        return;
      }
      const { diagnostics: _sent, ...model } = buildModel(w.job.uri, w.analysis);
      if (skipped(w.job)) {
        reply({ id: w.job.id, skipped: true });
        return;
      }
      // As JSON text in the compact wire form (services/model.ts encodeModel): JSON writes and
      // reads it about twice as fast as the structured clone of postMessage (docs/lsp.md).
      reply({ id: w.job.id, modelJson: encodeModel(model) });
    } catch (e) {
      reply({ id: w.job.id, error: (e as Error)?.stack ?? String(e) });
    }
  };

  /**
   * The parse of the last document analysed here, for the next version of it to reuse (core/
   * incremental.ts). Safe because `finish()` is done with the previous analysis — model built
   * and sent — before the next parse takes its tree over.
   */
  let lastParse: { uri: string; snapshot: ParseSnapshot } | undefined;

  parentPort?.on('message', (job: AnalysisJob) => {
    // The host sends a job only when the previous one is done or its model no longer wanted.
    finish();
    try {
      const previous = lastParse?.uri === job.uri ? lastParse.snapshot : undefined;
      lastParse = undefined;
      const analysis = analyze(
        job.text,
        job.version,
        { file: job.uri, rules: job.rules, usedTags: new Set(job.usedTags), incremental: { previous } },
        () => performance.now(),
      );
      if (analysis.parseSnapshot) lastParse = { uri: job.uri, snapshot: analysis.parseSnapshot };
      // The findings go first: the server publishes them while the model is built and sent.
      reply({ id: job.id, findings: findingsOf(analysis) });
      // The model is built from the tree and symbols alone: the rules' working set can go.
      releaseRuleModels(analysis);
      waiting = { job, analysis, timer: setTimeout(finish, MODEL_DELAY_MS) };
    } catch (e) {
      reply({ id: job.id, error: (e as Error)?.stack ?? String(e) });
    }
  });
}

const data = workerData as { mode?: string; skipModel?: Int32Array } | undefined;
if (data?.mode === 'analysis') serveAnalyses(data.skipModel);
else run(workerData as SimulationJob);
