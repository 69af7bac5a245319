/**
 * Runs document analyses (the core linter) in a worker thread, so no validation ever blocks
 * the main thread: hover, completion and every other request are answered while a large file
 * is being analysed. One persistent worker takes jobs in turn, the latest version per document
 * only. A job made stale by a newer edit is dropped if it has not started; if it is running and
 * the document is one whose analyses are slow, the worker is terminated and restarted — really
 * cancelled, not left to finish work nobody will read.
 *
 * Without the worker bundle (tests through tsx), analyses run in-process.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ConfiguredSeverity } from '../../core/diagnostics';
import { analyze } from '../services/analysis';
import { buildModel, type DocumentModel } from '../services/model';
import type { AnalysisJob, AnalysisReply } from '../simulationMessages';

export class Superseded extends Error {
  constructor() {
    super('superseded by a newer version');
  }
}

interface Pending {
  job: AnalysisJob;
  resolve: (m: DocumentModel) => void;
  reject: (e: Error) => void;
}

/** A running analysis of a document that took longer than this is cancelled by terminating the worker. */
const RESTART_THRESHOLD_MS = 150;
/**
 * After analysing a document this large, an idle worker is stopped after IDLE_RELEASE_MS: its
 * heap (the syntax tree and the rules' working set, tens of MB at 50k lines) goes back to the
 * system. Restarting costs ~50 ms, nothing next to the analysis of such a file.
 */
const IDLE_RELEASE_CHARS = 256 * 1024;
const IDLE_RELEASE_MS = 1000;

export class AnalysisHost {
  private worker: Worker | undefined;
  private running: (Pending & { startedAt: number }) | undefined;
  private readonly queue = new Map<string, Pending>();
  private readonly lastDuration = new Map<string, number>();
  private nextId = 1;
  private disposed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastJobChars = 0;
  readonly workerPath: string | undefined;
  /** Counts worker restarts (cancelled analyses), for the server status. */
  restarts = 0;

  get workerAlive(): boolean {
    return this.worker !== undefined;
  }

  /** The analysis running now, if any. */
  get current(): { uri: string; version: number } | null {
    return this.running ? { uri: this.running.job.uri, version: this.running.job.version } : null;
  }

  constructor(
    workerDir: string,
    private readonly log: (m: string) => void,
  ) {
    const path = join(workerDir, 'simulationWorker.js');
    this.workerPath = existsSync(path) ? path : undefined;
  }

  analyze(uri: string, version: number, text: string, rules: Record<string, ConfiguredSeverity>, usedTags: string[]): Promise<DocumentModel> {
    const job: AnalysisJob = { id: this.nextId++, uri, version, text, rules, usedTags };
    if (!this.workerPath) return Promise.resolve(this.inProcess(job));
    return new Promise<DocumentModel>((resolve, reject) => {
      const previous = this.queue.get(uri);
      if (previous) previous.reject(new Superseded());
      this.queue.set(uri, { job, resolve, reject });
      const r = this.running;
      if (r && r.job.uri === uri && r.job.version < version) {
        const slow = (this.lastDuration.get(uri) ?? 0) > RESTART_THRESHOLD_MS || performance.now() - r.startedAt > RESTART_THRESHOLD_MS;
        if (slow) this.cancelRunning();
      }
      this.pump();
    });
  }

  /** Forget a closed document: drop its queued job, stop its running one. */
  forget(uri: string): void {
    const q = this.queue.get(uri);
    if (q) {
      this.queue.delete(uri);
      q.reject(new Superseded());
    }
    if (this.running?.job.uri === uri) this.cancelRunning();
    this.lastDuration.delete(uri);
  }

  private inProcess(job: AnalysisJob): DocumentModel {
    const analysis = analyze(job.text, job.version, { file: job.uri, rules: job.rules, usedTags: new Set(job.usedTags) }, () => performance.now());
    return buildModel(job.uri, analysis);
  }

  private cancelRunning(): void {
    const r = this.running;
    if (!r) return;
    this.running = undefined;
    r.reject(new Superseded());
    const w = this.worker;
    this.worker = undefined;
    this.restarts++;
    if (w) {
      w.removeAllListeners();
      void w.terminate();
    }
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerPath!, { workerData: { mode: 'analysis' } });
    w.on('message', (reply: AnalysisReply) => {
      const r = this.running;
      if (!r || r.job.id !== reply.id) return;
      this.running = undefined;
      if ('model' in reply) {
        this.lastDuration.set(r.job.uri, reply.model.durationMs);
        r.resolve(reply.model);
      } else r.reject(new Error(reply.error));
      this.pump();
    });
    const crashed = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = undefined;
      const r = this.running;
      this.running = undefined;
      this.log(`poolscope: analysis worker stopped (${why}); restarting`);
      r?.reject(new Error(`analysis worker stopped: ${why}`));
      this.pump();
    };
    w.on('error', (e) => crashed(e.stack ?? e.message));
    w.on('exit', (code) => crashed(`exit code ${code}`));
    // Idle workers must not keep the process alive after `exit`.
    w.unref();
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const next = this.queue.entries().next();
    if (next.done) {
      this.scheduleIdleRelease();
      return;
    }
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    const [uri, pending] = next.value;
    this.queue.delete(uri);
    this.running = { ...pending, startedAt: performance.now() };
    this.lastJobChars = pending.job.text.length;
    this.ensureWorker().postMessage(pending.job);
  }

  private scheduleIdleRelease(): void {
    if (!this.worker || this.lastJobChars < IDLE_RELEASE_CHARS || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.running || this.queue.size || !this.worker) return;
      const w = this.worker;
      this.worker = undefined;
      w.removeAllListeners();
      void w.terminate();
    }, IDLE_RELEASE_MS);
    this.idleTimer.unref();
  }

  dispose(): void {
    this.disposed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const q of this.queue.values()) q.reject(new Superseded());
    this.queue.clear();
    this.cancelRunning();
  }
}
