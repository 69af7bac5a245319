/**
 * Runs document analyses (the core linter) in worker threads, so no validation ever blocks the
 * main thread: hover, completion and every other request are answered while a large file is
 * being analysed.
 *
 * - A small pool of persistent workers (two by default): a slow analysis of one document does
 *   not hold up the diagnostics of another. At most one analysis per document runs its rules
 *   at a time; only the latest version of a document waits in the queue.
 * - A worker posts its findings first, then builds and posts the document model. Once the
 *   findings are out, a document under LARGE_DOCUMENT_CHARS may start its next version in another
 *   worker while that model is being built; when a newer version is waiting, the host raises
 *   the slot's `skipModel` flag (shared memory, read by the worker between the two steps) and
 *   the worker skips the model nobody would read.
 * - Workers for large documents run with a heap limit that grows with the document, so V8
 *   collects before the heap balloons; a worker that runs out of memory is restarted with
 *   twice the heap and the analysis retried, so no diagnostics are lost.
 * - A job made stale by a newer edit is dropped if it has not started; if it is running its
 *   rules and the document is one whose analyses are slow, its worker is terminated and
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
import { analyze, findingsOf } from '../services/analysis';
import { buildModel, decodeModel, type DocumentModel } from '../services/model';
import type { AnalysisFindings, AnalysisJob, AnalysisReply } from './workerMessages';

export class Superseded extends Error {
  constructor() {
    super('superseded by a newer version');
  }
}

/** One version of one document being analysed. */
interface Run {
  job: Omit<AnalysisJob, 'id'>;
  /** Called with the findings as soon as they are known, before the model is complete. */
  onFindings: ((f: AnalysisFindings) => void) | undefined;
  resolve: (m: DocumentModel) => void;
  reject: (e: Error) => void;
  startedAt: number;
  findings?: AnalysisFindings;
  model?: Omit<DocumentModel, 'diagnostics'>;
  /** The worker skipped the model (a newer version was waiting); settles once the findings are out. */
  modelSkipped?: boolean;
  /** The run was cancelled or its worker failed. */
  failure?: Error;
  settled: boolean;
  /** Multiplies the worker heap limit: doubled each time a worker ran out of memory on this run. */
  heapBoost: number;
}

interface Slot {
  worker: Worker | undefined;
  /** The job id posted to the worker, and its run. */
  running: { id: number; run: Run } | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  lastJobChars: number;
  /** Shared with the slot's worker: the id of a running job whose model is no longer wanted. */
  skipModel: Int32Array;
  /** The old-generation heap limit the slot's worker was started with (MB; 0: none). */
  heapLimitMb: number;
}

/**
 * What cancelling a stale analysis by terminating its worker costs the next one: a new worker's
 * start, its JIT warming up again and a full parse instead of an incremental one. Measured on
 * the LSP bench: the first analysis of the 50k-line script takes ~900 ms, the next ones ~400
 * ms; at 10k lines ~270 against ~45 ms. So a stale analysis is cancelled only when what is
 * left of it is expected to take longer than this; otherwise finishing it in the warm worker
 * (its findings and model dropped) and starting the newest version there is sooner.
 */
export const DEFAULT_RESTART_COST_MS = 500;
/**
 * A document this large (~12k lines) is analysed with memory in mind, where its syntax tree and
 * the rules' working set are tens of MB:
 * - its worker runs with a heap limit (defaultHeapLimitMb), and the other idle worker is stopped;
 * - its next version waits for the previous model (two trees at once would double the memory);
 * - afterwards, an idle worker is stopped after IDLE_RELEASE_MS, so its heap goes back to the
 *   system. Restarting costs ~50 ms, nothing next to the analysis of such a file.
 */
const LARGE_DOCUMENT_CHARS = 256 * 1024;
const IDLE_RELEASE_MS = 1000;
/** A worker that runs out of memory is restarted with twice the heap, up to this many times the first. */
const MAX_HEAP_BOOST = 8;

/**
 * The young generation of a large document's worker (MB; V8 splits it into two 4 MB semi-spaces
 * and a space for new large objects). The default (16 MB semi-spaces) cost a 50k-line script
 * ~40 MB of RSS for about 3% of analysis time (measured in docs/lsp.md).
 */
const LARGE_DOCUMENT_YOUNG_GENERATION_MB = 12;

/**
 * The heap limit for a worker that analyses a document of `chars` characters (0: none).
 * Without one, V8 lets a worker's heap grow to several times what the analysis keeps alive
 * before it collects (a 50k-line, 1 MB script: ~75 MB live, ~450 MB peak RSS; with a limit,
 * ~300 MB at the same speed). A small document gets none: any `resourceLimits` make a worker's
 * analysis about a quarter slower (measured in docs/lsp.md), and its heap stays small anyway.
 * A limit too small is recovered from: the worker runs out of memory, and the job is retried
 * with twice the heap.
 */
export function defaultHeapLimitMb(chars: number): number {
  if (chars < LARGE_DOCUMENT_CHARS) return 0;
  return Math.max(128, Math.ceil((64 + (96 * chars) / 1048576) / 32) * 32);
}

export class AnalysisHost {
  private readonly slots: Slot[];
  private readonly queue = new Map<string, Run>();
  private readonly lastDuration = new Map<string, number>();
  /** Documents that have received a model (after that, a replaced version may skip its own). */
  private readonly modelled = new Set<string>();
  private nextId = 1;
  private disposed = false;
  readonly workerPath: string | undefined;
  /** Counts cancelled analyses (worker restarts), for the server status. */
  restarts = 0;

  constructor(
    workerDir: string,
    private readonly log: (m: string) => void,
    poolSize = 2,
    private readonly heapLimitMb: (chars: number) => number = defaultHeapLimitMb,
    /** See DEFAULT_RESTART_COST_MS; 0 cancels every stale analysis (tests use it to exercise the cancellation). */
    public restartCostMs = DEFAULT_RESTART_COST_MS,
  ) {
    const path = join(workerDir, 'analysisAndSimulationWorker.js');
    this.workerPath = existsSync(path) ? path : undefined;
    this.slots = Array.from({ length: Math.max(1, poolSize) }, () => ({
      worker: undefined,
      running: undefined,
      idleTimer: undefined,
      lastJobChars: 0,
      skipModel: new Int32Array(new SharedArrayBuffer(4)),
      heapLimitMb: 0,
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
    return this.runningRuns().map((r) => ({ uri: r.job.uri, version: r.job.version }));
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
      this.queue.set(uri, { job, onFindings, resolve, reject, startedAt: 0, settled: false, heapBoost: 1 });
      for (const run of this.runningRuns()) {
        if (run.job.uri !== uri || run.job.version >= version) continue;
        // Its model is no longer wanted — unless the document has none yet: hover and completion
        // look names up in a model of any version, so the first one is always built.
        const slot = this.slotOf(run)!;
        if (this.modelled.has(uri)) Atomics.store(slot.skipModel, 0, slot.running!.id);
        // Still running its rules, with more left than a restart costs: cancel it. Once its
        // findings are out, only the model is being built — that costs little, and killing a
        // worker then would make the next analysis pay for a cold start. (Without a previous
        // duration to go by, the time it has already taken stands in for what is left.)
        if (!run.findings) {
          const elapsed = performance.now() - run.startedAt;
          const expected = this.lastDuration.get(uri);
          const remaining = expected === undefined ? elapsed : expected - elapsed;
          if (this.restartCostMs <= 0 || remaining > this.restartCostMs) this.cancel(run);
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
    this.modelled.delete(uri);
    this.pump();
  }

  private inProcess(job: Run['job'], onFindings: ((f: AnalysisFindings) => void) | undefined): DocumentModel {
    const analysis = analyze(job.text, job.version, { file: job.uri, rules: job.rules, usedTags: new Set(job.usedTags) }, () => performance.now());
    onFindings?.(findingsOf(analysis));
    return buildModel(job.uri, analysis);
  }

  private runningRuns(): Run[] {
    return this.slots.flatMap((s) => (s.running ? [s.running.run] : []));
  }

  private slotOf(run: Run): Slot | undefined {
    return this.slots.find((s) => s.running?.run === run);
  }

  /** Stops a run by terminating its worker. */
  private cancel(run: Run): void {
    const slot = this.slotOf(run);
    if (!slot) return;
    this.restarts++;
    slot.running = undefined;
    this.stopWorker(slot);
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

  private onFindings(run: Run, f: AnalysisFindings): void {
    if (run.settled) return;
    run.findings = f;
    this.lastDuration.set(run.job.uri, f.durationMs);
    run.onFindings?.(f);
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
      // A worker stopped while it runs out of memory still emits that error: with no listener
      // an 'error' event would be thrown as an uncaught exception and take the server down.
      w.on('error', () => {});
      void w.terminate();
    }
  }

  private ensureWorker(slot: Slot, heapLimitMb: number): Worker {
    // A worker started with another kind of heap is restarted with the one this job needs: no
    // limit (0) for a small document, at least `heapLimitMb` for a large one.
    const fits = heapLimitMb === 0 ? slot.heapLimitMb === 0 : slot.heapLimitMb >= heapLimitMb;
    if (slot.worker && !fits) this.stopWorker(slot);
    if (slot.worker) return slot.worker;
    Atomics.store(slot.skipModel, 0, 0);
    slot.heapLimitMb = heapLimitMb;
    const w = new Worker(this.workerPath!, {
      workerData: { mode: 'analysis', skipModel: slot.skipModel },
      ...(heapLimitMb > 0 ? { resourceLimits: { maxOldGenerationSizeMb: heapLimitMb, maxYoungGenerationSizeMb: LARGE_DOCUMENT_YOUNG_GENERATION_MB } } : {}),
    });
    w.on('message', (reply: AnalysisReply) => {
      const p = slot.running;
      if (!p || p.id !== reply.id) return;
      if ('findings' in reply) {
        this.onFindings(p.run, reply.findings);
        this.pump();
        return;
      }
      slot.running = undefined;
      if ('modelJson' in reply) {
        p.run.model = decodeModel(reply.modelJson);
        this.modelled.add(p.run.job.uri);
      }
      else if ('error' in reply) p.run.failure ??= new Error(reply.error);
      else p.run.modelSkipped = true;
      if (!p.run.findings) p.run.failure ??= new Error('analysis worker finished without findings');
      this.settle(p.run);
      this.pump();
    });
    const crashed = (why: string, outOfMemory = false): void => {
      if (slot.worker !== w) return;
      slot.worker = undefined;
      const p = slot.running;
      slot.running = undefined;
      this.log(`poolscope: analysis worker stopped (${why}); restarting`);
      if (p && outOfMemory && p.run.heapBoost < MAX_HEAP_BOOST) this.retryWithMoreHeap(p.run);
      else if (p) this.fail(p.run, new Error(`analysis worker stopped: ${why}`));
      this.pump();
    };
    w.on('error', (e) => crashed(e.stack ?? e.message, (e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'));
    w.on('exit', (code) => crashed(`exit code ${code}`));
    // Idle workers must not keep the process alive after `exit`.
    w.unref();
    slot.worker = w;
    return w;
  }

  /** A worker ran out of memory on `run`: start it over (unless a newer version waits) with twice the heap. */
  private retryWithMoreHeap(run: Run): void {
    if (run.settled) return;
    if (this.queue.has(run.job.uri)) {
      this.fail(run, new Superseded());
      return;
    }
    run.heapBoost *= 2;
    run.findings = undefined;
    run.model = undefined;
    run.modelSkipped = undefined;
    this.log(`poolscope: retrying the analysis of ${run.job.uri} with ${run.heapBoost}× the worker heap`);
    this.queue.set(run.job.uri, run);
  }

  private start(slot: Slot, run: Run): void {
    if (slot.idleTimer) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
    const id = this.nextId++;
    slot.running = { id, run };
    slot.lastJobChars = run.job.text.length;
    run.startedAt = performance.now();
    const job: AnalysisJob = { ...run.job, id };
    this.ensureWorker(slot, this.heapLimitMb(run.job.text.length) * run.heapBoost).postMessage(job);
  }

  private pump(): void {
    if (this.disposed) return;
    for (;;) {
      // A document is busy while an analysis of it runs its rules. Once the findings of a small
      // document are out, its next version may start while the model is being built.
      const busy = new Set(this.runningRuns().flatMap((r) => (r.findings && r.job.text.length < LARGE_DOCUMENT_CHARS ? [] : [r.job.uri])));
      const next = [...this.queue.values()].find((r) => !busy.has(r.job.uri));
      const idle = this.slots.filter((s) => !s.running);
      // The worker that analysed the previous version, if it only waits to build that model:
      // it is warm, and the model it would build is no longer wanted (analyze() raised its
      // `skipModel`), so it drops it on receiving the new job.
      const same = next && this.slots.find((s) => s.running?.run.job.uri === next.job.uri && s.running.run.findings && Atomics.load(s.skipModel, 0) === s.running.id);
      if (!next || (!same && idle.length === 0)) {
        for (const slot of idle) this.scheduleIdleRelease(slot);
        return;
      }
      this.queue.delete(next.job.uri);
      if (same) {
        const old = same.running!.run;
        old.modelSkipped = true;
        this.settle(old);
        this.start(same, next);
        continue;
      }
      this.start(idle[0], next);
      // A large document runs alone: the other idle workers give their heaps back meanwhile.
      if (next.job.text.length >= LARGE_DOCUMENT_CHARS) for (const slot of idle.slice(1)) this.stopWorker(slot);
    }
  }

  private scheduleIdleRelease(slot: Slot): void {
    if (!slot.worker || slot.lastJobChars < LARGE_DOCUMENT_CHARS || slot.idleTimer) return;
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
