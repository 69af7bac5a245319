/**
 * Runs document analyses (the core linter) in worker threads, so no validation ever blocks the
 * main thread: hover, completion and every other request are answered while a large file is
 * being analysed.
 *
 * - A small pool of persistent workers (two by default). A document under SPLIT_MAX_CHARS is
 *   analysed by two workers at once when both are free, each running half of the rules
 *   (services/analysis.ts: `flow` and `context`); their findings are merged into exactly those
 *   of a whole analysis. Otherwise one worker runs every rule, and a slow analysis of one
 *   document does not hold up the diagnostics of another.
 * - At most one analysis per document runs its rules at a time; only the latest version of a
 *   document waits in the queue.
 * - A worker posts its findings first, then builds and posts the document model (the `flow` or
 *   whole part only). Once the findings are out, a document under OVERLAP_MAX_CHARS may start
 *   its next version while that model is being built; when a newer version is waiting, the host
 *   raises the slot's `skipModel` flag (shared memory, read by the worker between the two
 *   steps) and the worker skips the model nobody would read.
 * - A job made stale by a newer edit is dropped if it has not started; if it is running its
 *   rules and the document is one whose analyses are slow, its workers are terminated and
 *   restarted — the analysis is really cancelled, not left to finish work nobody will read.
 * - After a large document, an idle worker is stopped, so its heap goes back to the system.
 *
 * Without the worker bundle (tests through tsx), analyses run in-process.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ConfiguredSeverity } from '../../core/diagnostics';
import { analyze, CONTEXT_RULES, mergeHalves, type AnalysisPart } from '../services/analysis';
import { buildModel, type DocumentModel } from '../services/model';
import type { AnalysisFindings, AnalysisJob, AnalysisReply } from '../simulationMessages';

export class Superseded extends Error {
  constructor() {
    super('superseded by a newer version');
  }
}

/** One version of one document being analysed, by one worker or by two halves. */
interface Run {
  job: Omit<AnalysisJob, 'id' | 'part'>;
  /** Called with the findings as soon as they are known, before the model is complete. */
  onFindings: ((f: AnalysisFindings) => void) | undefined;
  resolve: (m: DocumentModel) => void;
  reject: (e: Error) => void;
  startedAt: number;
  /** The parts it was split into, and the findings each has delivered. */
  parts: AnalysisPart[];
  delivered: Map<AnalysisPart, AnalysisFindings>;
  /** Merged, once every part has delivered. */
  findings?: AnalysisFindings;
  model?: Omit<DocumentModel, 'diagnostics'>;
  /** The worker skipped the model (a newer version was waiting); settles once the findings are out. */
  modelSkipped?: boolean;
  /** The run was cancelled or a worker failed. */
  failure?: Error;
  settled: boolean;
}

/** What one worker runs: a part of a run. */
interface PartJob {
  id: number;
  part: AnalysisPart;
  run: Run;
}

interface Slot {
  worker: Worker | undefined;
  running: PartJob | undefined;
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
const IDLE_RELEASE_MS = 1000;
/**
 * Below this size a document is analysed in two halves at once when two workers are free, and
 * its next version may overlap the building of its previous model. Above it, one worker at a
 * time: two syntax trees of a very large document would double the memory.
 */
const SPLIT_MAX_CHARS = 256 * 1024;
const OVERLAP_MAX_CHARS = 256 * 1024;

export class AnalysisHost {
  private readonly slots: Slot[];
  private readonly queue = new Map<string, Run>();
  private readonly lastDuration = new Map<string, number>();
  private nextId = 1;
  private disposed = false;
  readonly workerPath: string | undefined;
  /** Counts cancelled analyses (worker restarts), for the server status. */
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
    return [...new Set(this.slots.flatMap((s) => (s.running ? [s.running.run] : [])))].map((r) => ({ uri: r.job.uri, version: r.job.version }));
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
    const job = { uri, version, text, rules, usedTags };
    if (!this.workerPath) return Promise.resolve(this.inProcess(job, onFindings));
    return new Promise<DocumentModel>((resolve, reject) => {
      const previous = this.queue.get(uri);
      if (previous) this.fail(previous, new Superseded());
      this.queue.set(uri, { job, onFindings, resolve, reject, startedAt: 0, parts: [], delivered: new Map(), settled: false });
      for (const run of this.runningRuns()) {
        if (run.job.uri !== uri || run.job.version >= version) continue;
        // Its model is no longer wanted.
        for (const slot of this.slotsOf(run)) if (slot.running!.part !== 'context') Atomics.store(slot.skipModel, 0, slot.running!.id);
        // Still running its rules, and slow: cancel it. Once its findings are out, only the
        // model is being built — that costs little, and killing a worker then would make the
        // next analysis pay for a cold start.
        if (!run.findings) {
          const slow = (this.lastDuration.get(uri) ?? 0) > RESTART_THRESHOLD_MS || performance.now() - run.startedAt > RESTART_THRESHOLD_MS;
          if (slow) this.cancel(run);
        }
      }
      this.pump();
    });
  }

  /** Forget a closed document: drop its queued job, stop its running one. */
  forget(uri: string): void {
    const q = this.queue.get(uri);
    if (q) {
      this.queue.delete(uri);
      this.fail(q, new Superseded());
    }
    for (const run of this.runningRuns()) if (run.job.uri === uri) this.cancel(run);
    this.lastDuration.delete(uri);
    this.pump();
  }

  private inProcess(job: Run['job'], onFindings: ((f: AnalysisFindings) => void) | undefined): DocumentModel {
    const analysis = analyze(job.text, job.version, { file: job.uri, rules: job.rules, usedTags: new Set(job.usedTags) }, () => performance.now());
    onFindings?.({ diagnostics: analysis.diagnostics, durationMs: analysis.durationMs, ...(analysis.internalErrors ? { internalErrors: analysis.internalErrors } : {}) });
    return buildModel(job.uri, analysis);
  }

  private runningRuns(): Run[] {
    return [...new Set(this.slots.flatMap((s) => (s.running ? [s.running.run] : [])))];
  }

  private slotsOf(run: Run): Slot[] {
    return this.slots.filter((s) => s.running?.run === run);
  }

  /** Stops a run by terminating the workers running its parts. */
  private cancel(run: Run): void {
    const slots = this.slotsOf(run);
    if (slots.length === 0) return;
    this.restarts++;
    for (const slot of slots) {
      slot.running = undefined;
      this.stopWorker(slot);
    }
    this.fail(run, new Superseded());
  }

  private fail(run: Run, e: Error): void {
    run.failure ??= e;
    this.settle(run);
  }

  /** Resolves or rejects a run once its outcome is known. */
  private settle(run: Run): void {
    if (run.settled) return;
    if (run.failure) {
      run.settled = true;
      run.reject(run.failure);
      return;
    }
    if (run.findings && run.model) {
      run.settled = true;
      run.resolve({ ...run.model, diagnostics: run.findings.diagnostics });
    } else if (run.findings && run.modelSkipped) {
      run.settled = true;
      run.reject(new Superseded());
    }
  }

  private onFindings(run: Run, part: AnalysisPart, f: AnalysisFindings): void {
    run.delivered.set(part, f);
    if (run.settled || run.delivered.size < run.parts.length) return;
    let merged = f;
    if (run.parts.length > 1) {
      const flow = run.delivered.get('flow')!;
      const context = run.delivered.get('context')!;
      const internalErrors = [...(flow.internalErrors ?? []), ...(context.internalErrors ?? []).filter((e) => CONTEXT_RULES.has(e.rule))];
      merged = {
        diagnostics: mergeHalves(flow.diagnostics, context.diagnostics),
        // The halves ran side by side: the analysis took as long as the slower one.
        durationMs: Math.max(flow.durationMs, context.durationMs),
        ...(internalErrors.length ? { internalErrors } : {}),
      };
    }
    run.findings = merged;
    this.lastDuration.set(run.job.uri, merged.durationMs);
    run.onFindings?.(merged);
    this.settle(run);
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
      const p = slot.running;
      if (!p || p.id !== reply.id) return;
      if ('findings' in reply) {
        this.onFindings(p.run, p.part, reply.findings);
        this.pump();
        return;
      }
      slot.running = undefined;
      if ('modelJson' in reply) p.run.model = JSON.parse(reply.modelJson) as Omit<DocumentModel, 'diagnostics'>;
      else if ('error' in reply) p.run.failure ??= new Error(reply.error);
      else if (p.part !== 'context') p.run.modelSkipped = true;
      if (!p.run.findings && this.slotsOf(p.run).length === 0) p.run.failure ??= new Error('analysis worker finished without findings');
      this.settle(p.run);
      this.pump();
    });
    const crashed = (why: string): void => {
      if (slot.worker !== w) return;
      slot.worker = undefined;
      const p = slot.running;
      slot.running = undefined;
      this.log(`poolscope: analysis worker stopped (${why}); restarting`);
      if (p) this.fail(p.run, new Error(`analysis worker stopped: ${why}`));
      this.pump();
    };
    w.on('error', (e) => crashed(e.stack ?? e.message));
    w.on('exit', (code) => crashed(`exit code ${code}`));
    // Idle workers must not keep the process alive after `exit`.
    w.unref();
    slot.worker = w;
    return w;
  }

  private start(slot: Slot, run: Run, part: AnalysisPart): void {
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
    const id = this.nextId++;
    slot.running = { id, part, run };
    slot.lastJobChars = run.job.text.length;
    const job: AnalysisJob = { ...run.job, id, part };
    this.ensureWorker(slot).postMessage(job);
  }

  private pump(): void {
    if (this.disposed) return;
    for (;;) {
      const idle = this.slots.filter((s) => !s.running);
      if (idle.length === 0) return;
      // A document is busy while an analysis of it runs its rules. Once the findings of a small
      // document are out, its next version may start while the model is being built.
      const busy = new Set(this.runningRuns().flatMap((r) => (r.findings && r.job.text.length < OVERLAP_MAX_CHARS ? [] : [r.job.uri])));
      const next = [...this.queue.values()].find((r) => !busy.has(r.job.uri));
      if (!next) {
        for (const slot of idle) this.scheduleIdleRelease(slot);
        return;
      }
      this.queue.delete(next.job.uri);
      next.startedAt = performance.now();
      if (idle.length >= 2 && next.job.text.length < SPLIT_MAX_CHARS) {
        next.parts = ['flow', 'context'];
        this.start(idle[0], next, 'flow');
        this.start(idle[1], next, 'context');
      } else {
        next.parts = ['all'];
        this.start(idle[0], next, 'all');
      }
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
    for (const q of this.queue.values()) this.fail(q, new Superseded());
    this.queue.clear();
    for (const run of this.runningRuns()) this.fail(run, new Superseded());
    for (const slot of this.slots) {
      slot.running = undefined;
      this.stopWorker(slot);
    }
  }
}
