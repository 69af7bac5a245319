/**
 * Push diagnostics, debounced per URI and tied to document versions.
 *
 * - Each change (re)starts that document's timer; only the last edit of a burst is analysed.
 * - A result is published only if the document is still at the version analysed, with that
 *   version in `publishDiagnostics`, so a stale result never replaces a newer one.
 * - The quick fixes of each finding are recorded with the version they were computed for;
 *   code actions are served from that record and refused once the document has moved on.
 */
import type { Connection, Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { Diagnostic } from '../../core/diagnostics';
import type { Analysis } from '../services/analysis';
import { ValidatedNotification } from '../../protocol';
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
  /** Increments per scheduled validation: a validation that finds a newer ticket stops. */
  private readonly tickets = new Map<string, number>();

  constructor(
    private readonly connection: Connection,
    private readonly workspace: Workspace,
    private readonly settings: SettingsCache,
    /** Milliseconds between the last edit of a burst and its validation. */
    public debounceMs: number,
  ) {}

  /** Schedules a validation of `uri` after the debounce (immediately with `delay` 0). */
  schedule(uri: string, delay = this.debounceMs): void {
    const pending = this.timers.get(uri);
    if (pending) clearTimeout(pending);
    const ticket = (this.tickets.get(uri) ?? 0) + 1;
    this.tickets.set(uri, ticket);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.validate(uri, ticket).catch((e: unknown) => this.connection.console.error(`poolscope: validation of ${uri} failed: ${errorText(e)}`));
      }, delay),
    );
  }

  scheduleAll(): void {
    for (const doc of this.workspace.documents.all()) this.schedule(doc.uri, 0);
  }

  private async validate(uri: string, ticket: number): Promise<void> {
    const doc = this.workspace.get(uri);
    if (!doc) return;
    const version = doc.version;
    const settings = await this.settings.get(uri);
    // Settings came back asynchronously: a newer edit (or a close) makes this run obsolete.
    const now = this.workspace.get(uri);
    if (!now || now.version !== version || this.tickets.get(uri) !== ticket) return;
    const analysis = this.workspace.analyzeDocument(now, settings);
    for (const e of analysis.internalErrors ?? []) this.connection.console.error(`poolscope: rule ${e.rule} failed on ${uri}: ${e.message}`);
    this.publish(uri, analysis);
  }

  /** Publishes an analysis made elsewhere (on demand), if it is still current. */
  publish(uri: string, analysis: Analysis): void {
    const doc = this.workspace.get(uri);
    if (!doc || doc.version !== analysis.version) return;
    const findings = analysis.diagnostics.map((core) => ({ core, lsp: toLspDiagnostic(core, uri) }));
    const previous = this.records.get(uri);
    if (previous && previous.version > analysis.version) return;
    this.records.set(uri, { version: analysis.version, findings });
    void this.connection.sendDiagnostics({ uri, version: analysis.version, diagnostics: findings.map((f) => f.lsp) });
    void this.connection.sendNotification(ValidatedNotification, {
      uri,
      version: analysis.version,
      durationMs: Math.round(analysis.durationMs * 100) / 100,
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
    this.tickets.set(uri, (this.tickets.get(uri) ?? 0) + 1);
    this.records.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
