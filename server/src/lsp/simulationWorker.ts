/**
 * Worker-thread entry (dist/simulationWorker.js): runs one scenario with the core simulator
 * and posts progress, then the result or the reason it could not run. The server terminates
 * this thread to cancel a run, so nothing here needs to clean up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyze } from './services/analysis';
import { runnableErrors, simulate, SimulationError } from '../core/simulator/index';
import type { SimulationJob, WorkerMessage } from './simulationMessages';

function post(m: WorkerMessage): void {
  parentPort?.postMessage(m);
}

function run(job: SimulationJob): void {
  // Structural errors are judged with default severities: turning a rule off in the settings
  // does not make a broken script runnable.
  const analysis = analyze(job.text, -1, { file: job.file, rules: {} });
  const blocking = runnableErrors(analysis.diagnostics)[0];
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

run(workerData as SimulationJob);
