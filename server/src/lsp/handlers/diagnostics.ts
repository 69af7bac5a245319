/**
 * Push diagnostics, debounced per URI and tied to document versions.
 *
 * - Each change (re)starts that document's timer; only the last edit of a burst is analysed,
 *   in the analysis worker (handlers/analysisHost.ts), never on the main thread.
 * - A result is published only if the document is still at the version analysed, with that
 *   version in `publishDiagnostics`, so a stale result never replaces a newer one.
 * - The quick fixes of each finding are recorded with the version they were computed for;
 *   code actions are served from that record and refused once the document has moved on.
 */
import type { Connection, Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { Diagnostic } from '../../core/diagnostics';
import type { DocumentModel } from '../services/model';
import { ValidatedNotification } from '../../protocol';
import { AnalysisHost, Superseded } from './analysisHost';
import { toLspDiagnostic } from './convert';
import type { SettingsCache } from './settings';
import type { Workspace } from './workspace';

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
  private readonly inflight = new Map<string, { version: number; promise: Promise<DocumentModel | undefined> }>();

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

  scheduleAll(): void {
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
    const promise = this.run(uri, version).finally(() => {
      if (this.inflight.get(uri)?.promise === promise) this.inflight.delete(uri);
    });
    this.inflight.set(uri, { version, promise });
    if (waiters) void promise.then((m) => this.release(uri, m));
    return promise;
  }

  private async run(uri: string, version: number): Promise<DocumentModel | undefined> {
    const settings = await this.settings.get(uri);
    const doc = this.workspace.get(uri);
    // Settings came back asynchronously: a newer edit (or a close) makes this run obsolete.
    if (!doc || doc.version !== version) return undefined;
    let model: DocumentModel;
    try {
      model = await this.host.analyze(uri, version, doc.getText(), settings.rules, this.workspace.usedTagsOutside(uri));
    } catch (e) {
      if (e instanceof Superseded) return undefined;
      this.connection.console.error(`poolscope: analysis of ${uri} failed: ${(e as Error)?.message ?? String(e)}`);
      return undefined;
    }
    for (const e of model.internalErrors ?? []) this.connection.console.error(`poolscope: rule ${e.rule} failed on ${uri}: ${e.message}`);
    this.publish(uri, model);
    return model;
  }

  /** Publishes a model if it is still the document's current version. */
  private publish(uri: string, model: DocumentModel): void {
    const doc = this.workspace.get(uri);
    if (!doc || doc.version !== model.version) return;
    const previous = this.records.get(uri);
    if (previous && previous.version > model.version) return;
    this.workspace.setModel(model);
    const findings = model.diagnostics.map((core) => ({ core, lsp: toLspDiagnostic(core, uri) }));
    this.records.set(uri, { version: model.version, findings });
    void this.connection.sendDiagnostics({ uri, version: model.version, diagnostics: findings.map((f) => f.lsp) });
    void this.connection.sendNotification(ValidatedNotification, {
      uri,
      version: model.version,
      durationMs: Math.round(model.durationMs * 100) / 100,
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
