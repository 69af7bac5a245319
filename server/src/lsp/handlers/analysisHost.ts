/**
 * Runs document analyses (the core linter) in worker threads, so no validation ever blocks the
 * main thread: hover, completion and every other request are answered while a large file is
 * being analysed.
 *
 * - A small pool of persistent workers (two by default, one per core of a typical laptop's
 *   spare capacity): a slow analysis of one document does not hold up the diagnostics of
 *   another. At most one analysis per document runs its rules at a time; only the latest
 *   version of a document waits in the queue. For a document under OVERLAP_MAX_CHARS, the next
 *   version may start in another slot while the previous one's model is still being built.
 * - A worker posts a job's findings first, then builds and posts the document model. When a
 *   newer version is already waiting, the host raises the slot's `skipModel` flag (shared
 *   memory, read by the worker between the two steps) and the worker skips the model that
 *   nobody would read, so the newer version starts at once.
 * - A job made stale by a newer edit is dropped if it has not started; if it is running and the
 *   document is one whose analyses are slow, its worker is terminated and restarted — the
 *   analysis is really cancelled, not left to finish work nobody will read.
 * - After a large document, an idle worker is stopped, so its heap goes back to the system.
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
import type { AnalysisFindings, AnalysisJob, AnalysisReply } from '../simulationMessages';

export class Superseded extends Error {
  constructor() {
    super('superseded by a newer version');
  }
}

interface Pending {
  job: AnalysisJob;
  /** Called with the findings as soon as they are known, before the model is complete. */
  onFindings: ((f: AnalysisFindings) => void) | undefined;
  resolve: (m: DocumentModel) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker | undefined;
  running: (Pending & { startedAt: number; findings?: AnalysisFindings }) | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  lastJobChars: number;
  /** Shared with the slot's worker: the id of a running job whose model is no longer wanted. */
  skipModel: Int32Array;
}

/** A running analysis of a document that took longer than this is cancelled by terminating the worker. */
const RESTART_THRESHOLD_MS = 150;
/**
 * After analysing a document this large, an idle worker is stopped after IDLE_RELEASE_MS: its
 * heap (the syntax tree and the rules' working set, tens of MB at 50k lines) goes back to the
 * system. Restarting costs ~50 ms, nothing next to the analysis of such a file.
 */
const IDLE_RELEASE_CHARS = 256 * 1024;
/** Below this size, a document's next analysis may overlap the building of its previous model. */
const OVERLAP_MAX_CHARS = 256 * 1024;
const IDLE_RELEASE_MS = 1000;

export class AnalysisHost {
  private readonly slots: Slot[];
  private readonly queue = new Map<string, Pending>();
  private readonly lastDuration = new Map<string, number>();
  private nextId = 1;
  private disposed = false;
  readonly workerPath: string | undefined;
  /** Counts worker restarts (cancelled analyses), for the server status. */
  restarts = 0;

  constructor(
    workerDir: string,
    private readonly log: (m: string) => void,
    poolSize = 2,
  ) {
    const path = join(workerDir, 'simulationWorker.js');
    this.workerPath = existsSync(path) ? path : undefined;
    this.slots = Array.from({ length: Math.max(1, poolSize) }, () => ({
      worker: undefined,
      running: undefined,
      idleTimer: undefined,
      lastJobChars: 0,
      skipModel: new Int32Array(new SharedArrayBuffer(4)),
    }));
  }

  get workerAlive(): boolean {
    return this.slots.some((s) => s.worker !== undefined);
  }

  /** How many analysis worker threads exist now (the pool starts and stops them on demand). */
  get workerCount(): number {
    return this.slots.filter((s) => s.worker !== undefined).length;
  }

  /** The analyses running now. */
  get current(): Array<{ uri: string; version: number }> {
    return this.slots.flatMap((s) => (s.running ? [{ uri: s.running.job.uri, version: s.running.job.version }] : []));
  }

  /**
   * Analyses one version of a document. `onFindings` receives its findings as soon as the rules
   * are done; the promise resolves with the whole model (outline, occurrences, tokens …) after.
   */
  analyze(
    uri: string,
    version: number,
    text: string,
    rules: Record<string, ConfiguredSeverity>,
    usedTags: string[],
    onFindings?: (f: AnalysisFindings) => void,
  ): Promise<DocumentModel> {
    const job: AnalysisJob = { id: this.nextId++, uri, version, text, rules, usedTags };
    if (!this.workerPath) return Promise.resolve(this.inProcess(job, onFindings));
    return new Promise<DocumentModel>((resolve, reject) => {
      const previous = this.queue.get(uri);
      if (previous) previous.reject(new Superseded());
      this.queue.set(uri, { job, onFindings, resolve, reject });
      // A running analysis of an older version is cancelled when it is slow — unless its findings
      // are already out and only its model is being built: that costs little, and killing the
      // worker then would make the next analysis pay for a cold start.
      const slot = this.slots.find((s) => s.running?.job.uri === uri);
      if (slot && slot.running!.job.version < version) Atomics.store(slot.skipModel, 0, slot.running!.job.id);
      if (slot && slot.running!.job.version < version && !slot.running!.findings) {
        const slow = (this.lastDuration.get(uri) ?? 0) > RESTART_THRESHOLD_MS || performance.now() - slot.running!.startedAt > RESTART_THRESHOLD_MS;
        if (slow) this.cancel(slot);
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
    const slot = this.slots.find((s) => s.running?.job.uri === uri);
    if (slot) this.cancel(slot);
    this.lastDuration.delete(uri);
    this.pump();
  }

  private inProcess(job: AnalysisJob, onFindings: ((f: AnalysisFindings) => void) | undefined): DocumentModel {
    const analysis = analyze(job.text, job.version, { file: job.uri, rules: job.rules, usedTags: new Set(job.usedTags) }, () => performance.now());
    onFindings?.({ diagnostics: analysis.diagnostics, durationMs: analysis.durationMs, ...(analysis.internalErrors ? { internalErrors: analysis.internalErrors } : {}) });
    return buildModel(job.uri, analysis);
  }

  /** Stops a slot's running analysis by terminating its worker. */
  private cancel(slot: Slot): void {
    const r = slot.running;
    if (!r) return;
    slot.running = undefined;
    r.reject(new Superseded());
    this.restarts++;
    this.stopWorker(slot);
  }

  private stopWorker(slot: Slot): void {
    const w = slot.worker;
    slot.worker = undefined;
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
    if (w) {
      w.removeAllListeners();
      void w.terminate();
    }
  }

  private ensureWorker(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    Atomics.store(slot.skipModel, 0, 0);
    const w = new Worker(this.workerPath!, { workerData: { mode: 'analysis', skipModel: slot.skipModel } });
    w.on('message', (reply: AnalysisReply) => {
      const r = slot.running;
      if (!r || r.job.id !== reply.id) return;
      if ('findings' in reply) {
        r.findings = reply.findings;
        this.lastDuration.set(r.job.uri, reply.findings.durationMs);
        r.onFindings?.(reply.findings);
        this.pump();
        return;
      }
      slot.running = undefined;
      if ('modelJson' in reply && r.findings) r.resolve({ ...(JSON.parse(reply.modelJson) as Omit<DocumentModel, 'diagnostics'>), diagnostics: r.findings.diagnostics });
      else if ('skipped' in reply) r.reject(new Superseded());
      else r.reject(new Error('error' in reply ? reply.error : 'analysis worker sent a model without findings'));
      this.pump();
    });
    const crashed = (why: string): void => {
      if (slot.worker !== w) return;
      slot.worker = undefined;
      const r = slot.running;
      slot.running = undefined;
      this.log(`poolscope: analysis worker stopped (${why}); restarting`);
      r?.reject(new Error(`analysis worker stopped: ${why}`));
      this.pump();
    };
    w.on('error', (e) => crashed(e.stack ?? e.message));
    w.on('exit', (code) => crashed(`exit code ${code}`));
    // Idle workers must not keep the process alive after `exit`.
    w.unref();
    slot.worker = w;
    return w;
  }

  private pump(): void {
    if (this.disposed) return;
    for (const slot of this.slots) {
      if (slot.running) continue;
      // A document is busy while a slot runs its rules. Once the findings of a small document
      // are out, its next version may start in another slot while the model is being built;
      // a large document waits (two analyses of it at once would double the memory).
      const busy = new Set(this.slots.flatMap((s) => (s.running && !(s.running.findings && s.running.job.text.length < OVERLAP_MAX_CHARS) ? [s.running.job.uri] : [])));
      // The next document not already being analysed in another slot.
      const next = [...this.queue.entries()].find(([uri]) => !busy.has(uri));
      if (!next) {
        this.scheduleIdleRelease(slot);
        continue;
      }
      const [uri, pending] = next;
      this.queue.delete(uri);
      if (slot.idleTimer) {
        clearTimeout(slot.idleTimer);
        slot.idleTimer = undefined;
      }
      slot.running = { ...pending, startedAt: performance.now() };
      slot.lastJobChars = pending.job.text.length;
      this.ensureWorker(slot).postMessage(pending.job);
    }
  }

  private scheduleIdleRelease(slot: Slot): void {
    if (!slot.worker || slot.lastJobChars < IDLE_RELEASE_CHARS || slot.idleTimer) return;
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (!slot.running) this.stopWorker(slot);
    }, IDLE_RELEASE_MS);
    slot.idleTimer.unref();
  }

  dispose(): void {
    this.disposed = true;
    for (const q of this.queue.values()) q.reject(new Superseded());
    this.queue.clear();
    for (const slot of this.slots) {
      if (slot.running) {
        slot.running.reject(new Superseded());
        slot.running = undefined;
      }
      this.stopWorker(slot);
    }
  }
}
