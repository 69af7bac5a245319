/**
 * `poolscope/runScenario` and the requests over its results (PoolHitTag, `!poolfind`, scenario
 * list). Each run gets its own worker thread (dist/analysisAndSimulationWorker.js next to the server
 * bundle), so diagnostics, hover and completion keep flowing while it runs, and cancelling a
 * run really stops it: the worker is terminated, not asked nicely.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type CancellationToken,
  type Connection,
  type ProgressToken,
} from 'vscode-languageserver';
import { randomUUID } from 'node:crypto';
import { formatPoolFind } from '../../core/reports/poolfind';
import type { SimulationResult } from '../../core/simulator/result';
import {
  HitTagChangedNotification,
  type HitTagState,
  type PoolFindParams,
  type PoolFindResult,
  type RunScenarioParams,
  type RunScenarioResult,
  type ScenarioInfo,
  type ServerStatus,
} from '../../protocol';
import { normalizeTagInput } from '../services/occurrences';
import { hitTagCommand, matchTagPattern, tagUlongText, validateTagPattern } from '../../core/poolTag';
import type { SimulationJob, WorkerMessage } from './workerMessages';
import type { SettingsCache } from '../state/settings';
import { URI, Utils } from 'vscode-uri';
import type { Workspace } from '../state/workspace';

export function hitTagState(tag: string | null): HitTagState {
  return tag === null ? { tag: null, edCommand: null, ulong: null } : { tag, edCommand: hitTagCommand(tag), ulong: tagUlongText(tag) };
}

interface ActiveRun {
  id: number;
  uri: string;
  scenario: string | undefined;
  worker: Worker;
  progressToken: ProgressToken | undefined;
  stop(reason: string): void;
}

export class SimulationService {
  private hitTag: string | null = null;
  private readonly lastRuns = new Map<string, SimulationResult>();
  private lastRun: SimulationResult | undefined;
  private readonly active = new Map<number, ActiveRun>();
  private nextId = 1;
  /** Set from the client capabilities: may the server create progress tokens itself. */
  workDoneProgressSupported = false;
  readonly workerPath: string;

  constructor(
    private readonly connection: Connection,
    private readonly workspace: Workspace,
    private readonly settings: SettingsCache,
    /** The text of a run's default reports (bug check, `!poolused 4`), owners included. */
    private readonly renderDefaultReports: (uri: string, result: SimulationResult) => Promise<string>,
    private readonly analysisState: () => { restarts: number; workerAlive: boolean; workerCount: number; current: Array<{ uri: string; version: number }> },
    workerDir: string = __dirname,
  ) {
    this.workerPath = join(workerDir, 'analysisAndSimulationWorker.js');
  }

  /** `window/workDoneProgress/cancel` for a run's progress token stops that run. */
  listenForProgressCancel(): void {
    this.connection.onNotification(WorkDoneProgressCancelNotification.type, (params) => {
      for (const run of this.active.values()) if (run.progressToken === params.token) run.stop('cancelled from the progress notification');
    });
  }

  getHitTag(): HitTagState {
    return hitTagState(this.hitTag);
  }

  setHitTag(tag: string | null): HitTagState {
    let next: string | null = null;
    if (tag !== null && tag !== undefined && tag !== '') {
      const norm = normalizeTagInput(String(tag));
      if ('error' in norm) throw new ResponseError(ErrorCodes.InvalidParams, `Invalid PoolHitTag: ${norm.error}`);
      next = norm.tag;
    }
    this.changeHitTag(next);
    return this.getHitTag();
  }

  private changeHitTag(next: string | null): void {
    if (next === this.hitTag) return;
    this.hitTag = next;
    void this.connection.sendNotification(HitTagChangedNotification, this.getHitTag());
  }

  status(): ServerStatus {
    return {
      runningSimulations: [...this.active.values()].map((r) => ({ uri: r.uri, scenario: r.scenario ?? null, threadId: r.worker.threadId })),
      openDocuments: this.workspace.documents.keys().length,
      analysisRestarts: this.analysisState().restarts,
      analysisWorkerAlive: this.analysisState().workerAlive,
      analysisWorkers: this.analysisState().workerCount,
      analysing: this.analysisState().current[0] ?? null,
      analyses: this.analysisState().current,
      rssBytes: process.memoryUsage().rss,
      heapUsedBytes: process.memoryUsage().heapUsed,
    };
  }

  async listScenarios(uri: string): Promise<ScenarioInfo[]> {
    const model = (await this.workspace.currentModel(uri)) ?? this.workspace.lastModel(uri);
    if (!model) return [];
    return model.scenarios.filter((s) => s.name).map((s) => ({ uri, name: s.name, line: s.range.start.line - 1 }));
  }

  poolFind(params: PoolFindParams): PoolFindResult {
    const result = params.uri ? this.lastRuns.get(params.uri) : this.lastRun;
    let pattern = String(params.tag ?? '').replace(/^'(.*)'$/, '$1');
    if (!pattern.includes('*') && !pattern.includes('?')) {
      const norm = normalizeTagInput(pattern);
      if ('error' in norm) throw new ResponseError(ErrorCodes.InvalidParams, `!poolfind: ${norm.error}`);
      pattern = norm.tag;
    } else {
      const bad = validateTagPattern(pattern);
      if (bad) throw new ResponseError(ErrorCodes.InvalidParams, `!poolfind: ${bad}`);
    }
    if (!result) return { blocks: [], text: 'No simulation has run yet: run a scenario first (Pool: Run Scenario…).' };
    const blocks = result.outstanding.filter((b) => matchTagPattern(b.tag, pattern));
    return { blocks, text: formatPoolFind(result.outstanding, pattern) };
  }

  lastResult(uri?: string): SimulationResult | undefined {
    return uri ? this.lastRuns.get(uri) : this.lastRun;
  }

  async runScenario(params: RunScenarioParams, token: CancellationToken): Promise<RunScenarioResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const doc = this.workspace.get(params?.uri);
    if (!doc) return { result: null, error: { message: `${params?.uri ?? 'the document'} is not open in the language server.` }, durationMs: 0 };
    if (!existsSync(this.workerPath)) {
      throw new ResponseError(ErrorCodes.InternalError, `The simulation worker is missing (${this.workerPath}); rebuild with 'npm run build'.`);
    }
    const settings = await this.settings.get(doc.uri);
    let hitTag = this.hitTag;
    if (params.hitTag !== undefined) {
      if (params.hitTag === null || params.hitTag === '') hitTag = null;
      else {
        const norm = normalizeTagInput(params.hitTag);
        if ('error' in norm) throw new ResponseError(ErrorCodes.InvalidParams, `Invalid PoolHitTag: ${norm.error}`);
        hitTag = norm.tag;
      }
    }
    const job: SimulationJob = {
      text: doc.getText(),
      file: Utils.basename(URI.parse(doc.uri)),
      rules: settings.rules,
      scenario: params.scenario,
      seed: params.seed ?? settings.simulation.seed,
      maxSteps: params.maxSteps ?? settings.simulation.maxSteps,
      lowResources: params.lowResources ?? settings.simulation.lowResources,
      continueOnBugcheck: params.continueOnBugcheck ?? false,
      hitTag,
      progressIntervalMs: 100,
    };

    const progressToken = await this.progressToken(params.workDoneToken);
    const title = `Simulating ${params.scenario ?? 'the first scenario'} of ${job.file}`;
    if (progressToken !== undefined) {
      void this.connection.sendProgress(WorkDoneProgress.type, progressToken, { kind: 'begin', title, cancellable: true, message: 'starting' });
    }
    const endProgress = (message: string): void => {
      if (progressToken !== undefined) void this.connection.sendProgress(WorkDoneProgress.type, progressToken, { kind: 'end', message });
    };

    const id = this.nextId++;
    const worker = new Worker(this.workerPath, { workerData: job });
    return new Promise<RunScenarioResult>((resolve, reject) => {
      let settled = false;
      let gotResult = false;
      const finish = (outcome: { value?: RunScenarioResult; error?: ResponseError<void> }, progressMessage: string): void => {
        if (settled) return;
        settled = true;
        this.active.delete(id);
        cancelListener.dispose();
        endProgress(progressMessage);
        void worker.terminate();
        if (outcome.error) reject(outcome.error);
        else resolve(outcome.value!);
      };
      const run: ActiveRun = {
        id,
        uri: doc.uri,
        scenario: params.scenario,
        worker,
        progressToken,
        stop: (reason) => {
          // terminate() stops the worker's JavaScript at once, wherever it is in the run.
          finish({ error: new ResponseError(LSPErrorCodes.RequestCancelled, `Simulation cancelled (${reason}).`) }, 'cancelled');
        },
      };
      this.active.set(id, run);
      const cancelListener = token.onCancellationRequested(() => run.stop('request cancelled'));
      if (token.isCancellationRequested) run.stop('request cancelled');

      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          if (progressToken !== undefined) {
            // No percentage: the length of a run is unknown until it ends (the step budget is a cap, not a forecast).
            void this.connection.sendProgress(WorkDoneProgress.type, progressToken, { kind: 'report', message: `${m.steps.toLocaleString('en-US')} steps` });
          }
        } else if (m.type === 'done') {
          gotResult = true;
          this.lastRuns.set(doc.uri, m.result);
          this.lastRun = m.result;
          // A scenario's `hittag` step is an `ed nt!poolhittag` on the machine: it stays in force.
          if (m.result.hitTag !== undefined && m.result.hitTag !== hitTag) this.changeHitTag(m.result.hitTag);
          const result = m.result;
          this.renderDefaultReports(doc.uri, result).then(
            (text) => finish({ value: { result, text, durationMs: elapsed() } }, result.bugcheck ? `bug check ${result.bugcheck.code}` : 'done'),
            (e: unknown) => finish({ value: { result, text: `(reports unavailable: ${String(e)})`, durationMs: elapsed() } }, 'done'),
          );
        } else if (m.type === 'error') {
          finish({ value: { result: null, error: { message: m.message, line: m.line, column: m.column }, durationMs: elapsed() } }, 'stopped');
        }
      });
      worker.on('error', (e) => {
        this.connection.console.error(`poolscope: simulation worker failed: ${e.stack ?? e.message}`);
        finish({ value: { result: null, error: { message: `The simulation failed: ${e.message}` }, durationMs: elapsed() } }, 'failed');
      });
      worker.on('exit', (code) => {
        if (gotResult) return;
        finish({ value: { result: null, error: { message: `The simulation worker exited (code ${code}) without a result.` }, durationMs: elapsed() } }, 'failed');
      });
    });
  }

  private async progressToken(clientToken: ProgressToken | undefined): Promise<ProgressToken | undefined> {
    if (clientToken !== undefined) return clientToken;
    if (!this.workDoneProgressSupported) return undefined;
    const token = randomUUID();
    try {
      await this.connection.sendRequest(WorkDoneProgressCreateRequest.type, { token });
      return token;
    } catch {
      return undefined;
    }
  }

  /** Stops every run (server shutdown). */
  dispose(): void {
    for (const run of [...this.active.values()]) run.stop('the server is shutting down');
  }
}
