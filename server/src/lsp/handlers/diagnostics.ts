/**
 * Push diagnostics, debounced per URI and tied to document versions.
 *
 * - Debounced on both edges: an edit to a settled document (no edit for the debounce time, or
 *   the previous version's diagnostics already published) is analysed at once; an edit that
 *   follows another still waiting for its diagnostics (re)starts the document's timer, so only
 *   the last edit of a burst is analysed. Analyses run in the analysis worker
 *   (workers/analysisHost.ts), never on the main thread.
 * - Diagnostics are published as soon as the worker's rules are done; the document model for
 *   every other request (outline, references, tokens …) follows in a second message.
 * - A result is published only if the document is still at the version analysed, with that
 *   version in `publishDiagnostics`, so a stale result never replaces a newer one.
 * - The quick fixes of each finding are recorded with the version they were computed for;
 *   code actions are served from that record and refused once the document has moved on.
 */
import type { Connection, Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { Diagnostic } from '../../core/diagnostics';
import { performance } from 'node:perf_hooks';
import type { DocumentModel } from '../services/model';
import type { AnalysisFindings } from '../workers/workerMessages';
import { ValidatedNotification } from '../../protocol';
import { AnalysisHost, Superseded } from '../workers/analysisHost';
import { toLspDiagnostic } from './convert';
import type { SettingsCache } from '../state/settings';
import type { Workspace } from '../state/workspace';

export interface RecordedFinding {
  lsp: LspDiagnostic;
  core: Diagnostic;
}

export interface ValidationRecord {
  version: number;
  findings: RecordedFinding[];
}

export class Validator {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly records = new Map<string, ValidationRecord>();
  /** The analysis in flight per document: its version and its promise (shared by callers). */
  private readonly inflight = new Map<string, { id: number; version: number; promise: Promise<DocumentModel | undefined> }>();
  private runIds = 0;

  /**
   * Each document's last edit: when (performance.now()) and the version it made, for the leading
   * edge of the debounce.
   */
  private readonly lastEdit = new Map<string, { at: number; version: number }>();

  /** Requests waiting for the validation a pending debounce timer will start. */
  private readonly waiting = new Map<string, Array<(m: DocumentModel | undefined) => void>>();

  constructor(
    private readonly connection: Connection,
    private readonly workspace: Workspace,
    private readonly settings: SettingsCache,
    private readonly host: AnalysisHost,
    /** Milliseconds between the last edit of a burst and its validation. */
    public debounceMs: number,
  ) {
    workspace.analyzeNow = (uri) => this.nextModel(uri);
  }

  /**
   * The model of the current version for a request that needs one (outline, semantic tokens,
   * references …): joins the analysis under way, or waits for the one the debounce timer is
   * about to start — requests do not defeat the debounce — or starts one.
   */
  nextModel(uri: string): Promise<DocumentModel | undefined> {
    if (this.timers.has(uri)) {
      return new Promise((resolve) => {
        const list = this.waiting.get(uri) ?? [];
        list.push(resolve);
        this.waiting.set(uri, list);
      });
    }
    return this.validateNow(uri);
  }

  private release(uri: string, model: DocumentModel | undefined): void {
    const list = this.waiting.get(uri);
    if (!list) return;
    this.waiting.delete(uri);
    for (const resolve of list) resolve(model);
  }

  /**
   * Called on every edit: validates at once when the document was settled — no edit for the
   * debounce time, or the diagnostics of the version before this edit already published —
   * else (re)starts the debounce, so a burst typed faster than it can be analysed is analysed
   * once, after its last keystroke.
   */
  edited(uri: string): void {
    const now = performance.now();
    const last = this.lastEdit.get(uri);
    const version = this.workspace.get(uri)?.version ?? -1;
    this.lastEdit.set(uri, { at: now, version });
    // An analysis of an older version still under way is no reason to wait: the host runs one
    // analysis per document at a time and keeps only the newest queued version.
    const settled = last === undefined || now - last.at >= this.debounceMs || this.records.get(uri)?.version === last.version;
    this.schedule(uri, settled && !this.timers.has(uri) ? 0 : this.debounceMs);
  }

  /** Schedules a validation of `uri` after the debounce (immediately with `delay` 0). */
  schedule(uri: string, delay = this.debounceMs): void {
    const pending = this.timers.get(uri);
    if (pending) clearTimeout(pending);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.validateNow(uri).then((m) => this.release(uri, m));
      }, delay),
    );
  }

  /** Settings changed: every document is analysed again, even at a version already under way. */
  scheduleAll(): void {
    this.inflight.clear();
    for (const doc of this.workspace.documents.all()) this.schedule(doc.uri, 0);
  }

  /** Analyses the current version of `uri` now (or joins the analysis already under way). */
  validateNow(uri: string): Promise<DocumentModel | undefined> {
    const doc = this.workspace.get(uri);
    if (!doc) return Promise.resolve(undefined);
    const inflight = this.inflight.get(uri);
    if (inflight && inflight.version === doc.version) return inflight.promise;
    const pending = this.timers.get(uri);
    if (pending) {
      clearTimeout(pending);
      this.timers.delete(uri);
    }
    const version = doc.version;
    const waiters = this.waiting.get(uri);
    const id = ++this.runIds;
    const promise = this.run(uri, version, id).finally(() => {
      if (this.inflight.get(uri)?.promise === promise) this.inflight.delete(uri);
    });
    this.inflight.set(uri, { id, version, promise });
    if (waiters) void promise.then((m) => this.release(uri, m));
    return promise;
  }

  private async run(uri: string, version: number, id: number): Promise<DocumentModel | undefined> {
    const settings = await this.settings.get(uri);
    const doc = this.workspace.get(uri);
    // Settings came back asynchronously: a newer edit (or a close) makes this run obsolete.
    if (!doc || doc.version !== version) return undefined;
    let model: DocumentModel;
    try {
      model = await this.host.analyze(uri, version, doc.getText(), settings.rules, this.workspace.usedTagsOutside(uri), (f) =>
        this.publishFindings(uri, version, f),
      );
    } catch (e) {
      if (e instanceof Superseded) {
        // Replaced by another analysis of this very version (the settings changed): whoever
        // waits for this one gets that one's model.
        const again = this.inflight.get(uri);
        return again && again.version === version && again.id !== id ? again.promise : undefined;
      }
      this.connection.console.error(`poolscope: analysis of ${uri} failed: ${(e as Error)?.message ?? String(e)}`);
      return undefined;
    }
    // Kept even when the document has moved on meanwhile: hover and completion look names up
    // in the newest model of any version (setModel never replaces a newer one).
    if (this.workspace.get(uri)) this.workspace.setModel(model);
    return model;
  }

  /** Publishes the findings of one version if it is still the document's current version. */
  private publishFindings(uri: string, version: number, found: AnalysisFindings): void {
    for (const e of found.internalErrors ?? []) this.connection.console.error(`poolscope: rule ${e.rule} failed on ${uri}: ${e.message}`);
    const doc = this.workspace.get(uri);
    if (!doc || doc.version !== version) return;
    const previous = this.records.get(uri);
    if (previous && previous.version > version) return;
    const findings = found.diagnostics.map((core) => ({ core, lsp: toLspDiagnostic(core, uri) }));
    this.records.set(uri, { version, findings });
    void this.connection.sendDiagnostics({ uri, version, diagnostics: findings.map((f) => f.lsp) });
    void this.connection.sendNotification(ValidatedNotification, {
      uri,
      version,
      durationMs: Math.round(found.durationMs * 100) / 100,
      diagnostics: findings.length,
    });
  }

  /** The findings recorded for exactly this version, or undefined when they are stale. */
  recordFor(uri: string, version: number): ValidationRecord | undefined {
    const r = this.records.get(uri);
    return r && r.version === version ? r : undefined;
  }

  /** Called on didClose: stop pending work and clear the document's diagnostics. */
  close(uri: string): void {
    const pending = this.timers.get(uri);
    if (pending) clearTimeout(pending);
    this.timers.delete(uri);
    this.lastEdit.delete(uri);
    this.release(uri, undefined);
    this.inflight.delete(uri);
    this.host.forget(uri);
    this.records.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const uri of [...this.waiting.keys()]) this.release(uri, undefined);
    this.host.dispose();
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
