/**
 * Every scenario of the open `.drvm` documents, as the server lists them
 * (`poolscope/listScenarios`), kept current as documents open, change and close.
 */
import * as vscode from 'vscode';
import { ListScenariosRequest, type ScenarioInfo } from '../../server/src/protocol';
import type { LanguageServerConnection } from './languageServer';

const REFRESH_DELAY_MS = 300;

export class ScenarioCatalog implements vscode.Disposable {
  private readonly byUri = new Map<string, ScenarioInfo[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly server: LanguageServerConnection) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, REFRESH_DELAY_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri.toString())),
      server.onDidChangeState((s) => s === 'running' && this.refreshAll()),
    );
    this.refreshAll();
  }

  /** Scripts with their scenarios, in the order the files were opened. */
  get scripts(): Array<{ uri: string; scenarios: ScenarioInfo[] }> {
    return [...this.byUri].map(([uri, scenarios]) => ({ uri, scenarios }));
  }

  /** The scenarios of one document (asks the server now, not from the cache). */
  async scenariosOf(document: vscode.TextDocument): Promise<ScenarioInfo[]> {
    const list = await this.server.request(ListScenariosRequest, { uri: document.uri.toString() });
    this.byUri.set(document.uri.toString(), list);
    this.changed.fire();
    return list;
  }

  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (document.languageId !== 'drvm' || document.isClosed) return;
    const uri = document.uri.toString();
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        if (this.server.state !== 'running') return;
        this.scenariosOf(document).catch(() => undefined);
      }, delay),
    );
  }

  private forget(uri: string): void {
    clearTimeout(this.timers.get(uri));
    if (this.byUri.delete(uri)) this.changed.fire();
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
