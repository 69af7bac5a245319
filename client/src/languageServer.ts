/**
 * The connection to the PoolScope language server (dist/server.js, over Node IPC). Everything
 * the extension knows about a script comes through here: diagnostics, code lenses and quick
 * fixes directly from vscode-languageclient, and the PoolScope requests of protocol.ts.
 *
 * The server is restarted after a crash (at most 5 times in 3 minutes), and the output
 * channel says why it stopped; a language status item shows its state next to `drvm`.
 */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type CancellationToken,
  type LanguageClientOptions,
  type NotificationType,
  type RequestType,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { withoutPooltagFile } from './untrustedSettings';

export type ServerState = 'starting' | 'running' | 'stopped' | 'missing';

const MAX_RESTARTS = 5;

/** How the language status item next to `drvm` shows each state. */
const STATUS: Record<ServerState, { icon: string; detail: string; severity: vscode.LanguageStatusSeverity }> = {
  starting: { icon: '$(sync~spin)', detail: 'starting', severity: vscode.LanguageStatusSeverity.Information },
  running: { icon: '$(check)', detail: 'language server running', severity: vscode.LanguageStatusSeverity.Information },
  missing: { icon: '$(error)', detail: 'language server not built', severity: vscode.LanguageStatusSeverity.Error },
  stopped: { icon: '$(debug-stop)', detail: 'language server stopped', severity: vscode.LanguageStatusSeverity.Warning },
};
const RESTART_WINDOW_MS = 3 * 60_000;

export class LanguageServerConnection implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private client: LanguageClient | undefined;
  private serverState: ServerState = 'stopped';
  private readonly status: vscode.LanguageStatusItem;
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  /** Fires when the server starts, stops or goes missing. */
  readonly onDidChangeState = this.stateChanged.event;
  private readonly disposables: vscode.Disposable[] = [];
  private crashes: number[] = [];
  private serverModule: string;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('PoolScope Language Server');
    this.serverModule = context.asAbsolutePath('dist/server.js');
    this.status = vscode.languages.createLanguageStatusItem('poolscope.server', { language: 'drvm' });
    this.status.name = 'PoolScope Language Server';
    this.status.command = { title: 'Restart', command: 'poolscope.restartServer' };
    this.disposables.push(this.output, this.status, this.stateChanged);
    this.setState('stopped');
  }

  get state(): ServerState {
    return this.serverState;
  }

  /** The running client, for requests; undefined while the server is not running. */
  get languageClient(): LanguageClient | undefined {
    return this.serverState === 'running' ? this.client : undefined;
  }

  /** Points the connection at another server module (the suite uses a missing one). */
  async restartWith(serverModule: string): Promise<void> {
    this.serverModule = serverModule;
    await this.restart();
  }

  /** The server's process id while it runs (vscode-languageclient keeps the child private). */
  get serverPid(): number | undefined {
    const child = (this.client as unknown as { _serverProcess?: { pid?: number } } | undefined)?._serverProcess;
    return this.serverState === 'running' ? child?.pid : undefined;
  }

  async start(): Promise<void> {
    if (!existsSync(this.serverModule)) {
      // A development checkout before `npm run build`: the views and commands still load.
      this.output.appendLine(`[${now()}] The language server is not built: ${this.serverModule} does not exist. Run \`npm run build\`, then "Pool: Restart Language Server".`);
      this.setState('missing');
      return;
    }
    const serverOptions: ServerOptions = {
      run: { module: this.serverModule, transport: TransportKind.ipc },
      debug: { module: this.serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      // Every scheme: untitled and virtual-workspace documents are linted from their text.
      documentSelector: [{ language: 'drvm' }],
      synchronize: { configurationSection: 'poolscope' },
      outputChannel: this.output,
      initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
      errorHandler: {
        error: (error, message, count) => {
          this.output.appendLine(`[${now()}] Connection error (${count ?? 0}): ${error.message}${message ? ` — ${message.jsonrpc}` : ''}`);
          return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
        },
        closed: () => this.onServerClosed(),
      },
      middleware: {
        workspace: {
          // Untrusted workspaces cannot point the server at a file to read (pooltag.txt).
          configuration: async (params, token, next) => {
            const values = await next(params, token);
            if (vscode.workspace.isTrusted || !Array.isArray(values)) return values;
            return values.map((v, i) => withoutPooltagFile(params.items[i]?.section, v));
          },
        },
      },
    };
    const client = new LanguageClient('poolscope', 'PoolScope Language Server', serverOptions, clientOptions);
    this.client = client;
    this.disposables.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) this.setState('running');
        else if (e.newState === State.Starting) this.setState('starting');
        else this.setState('stopped');
      }),
    );
    this.setState('starting');
    try {
      await client.start();
    } catch (e) {
      this.output.appendLine(`[${now()}] The language server did not start: ${errorText(e)}`);
      this.setState('stopped');
    }
  }

  async restart(): Promise<void> {
    this.crashes = [];
    const old = this.client;
    this.client = undefined;
    if (old) {
      this.output.appendLine(`[${now()}] Restarting the language server (requested).`);
      try {
        await old.stop(5_000);
      } catch (e) {
        this.output.appendLine(`[${now()}] Stopping the old server: ${errorText(e)}`);
      }
    }
    await this.start();
  }

  /** Sends a request, or throws a message the user can act on when the server is not running. */
  async request<P, R>(type: RequestType<P, R, void>, params: P, token?: CancellationToken): Promise<R> {
    const client = await this.ready();
    return client.sendRequest(type, params, token);
  }

  /** Subscribes to a server notification for the lifetime of the extension (survives restarts). */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    const attach = (c: LanguageClient | undefined) => {
      if (c) this.disposables.push(c.onNotification(type, handler));
    };
    attach(this.languageClient);
    this.disposables.push(this.onDidChangeState((s) => s === 'running' && attach(this.client)));
  }

  /** The client once it is running (waits up to 20 s while it starts). */
  async ready(): Promise<LanguageClient> {
    if (this.serverState === 'starting') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => sub.dispose() || resolve(), 20_000);
        const sub = this.onDidChangeState((s) => {
          if (s !== 'starting') {
            clearTimeout(timer);
            sub.dispose();
            resolve();
          }
        });
      });
    }
    const c = this.languageClient;
    if (!c) {
      throw new Error(
        this.serverState === 'missing'
          ? 'The PoolScope language server is not built (dist/server.js is missing).'
          : 'The PoolScope language server is not running. Run "Pool: Restart Language Server".',
      );
    }
    return c;
  }

  private onServerClosed(): { action: CloseAction; handled: boolean } {
    const t = Date.now();
    this.crashes = this.crashes.filter((c) => t - c < RESTART_WINDOW_MS);
    this.crashes.push(t);
    if (this.crashes.length > MAX_RESTARTS) {
      this.output.appendLine(
        `[${now()}] The language server stopped ${this.crashes.length} times in ${RESTART_WINDOW_MS / 60_000} minutes; it will not be restarted automatically. ` +
          'The lines above show why. Fix the cause, then run "Pool: Restart Language Server".',
      );
      void vscode.window.showErrorMessage('The PoolScope language server keeps stopping. See the "PoolScope Language Server" output.', 'Show Output').then((c) => c && this.output.show());
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.output.appendLine(
      `[${now()}] The language server process exited unexpectedly (the connection closed). Restarting it (${this.crashes.length} of ${MAX_RESTARTS} in ${RESTART_WINDOW_MS / 60_000} minutes).`,
    );
    return { action: CloseAction.Restart, handled: true };
  }

  private setState(state: ServerState): void {
    this.serverState = state;
    const look = STATUS[state];
    this.status.text = `${look.icon} PoolScope`;
    this.status.detail = look.detail;
    this.status.severity = look.severity;
    this.status.busy = state === 'starting';
    this.stateChanged.fire(state);
  }

  async dispose(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    for (const d of this.disposables) d.dispose();
    if (c) await c.stop(2_000).catch(() => undefined);
  }
}

function now(): string {
  return new Date().toISOString().slice(11, 19);
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
