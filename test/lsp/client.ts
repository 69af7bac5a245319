/**
 * A minimal LSP client for the protocol tests: starts the real server as a child process
 * (`node dist/cli.js lsp --stdio`, built by `node scripts/build.mjs`) and talks JSON-RPC to it.
 * Every wait is for a message, with a timeout — never a fixed sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type ClientCapabilities,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
export const LEAKY_PATH = join(ROOT, 'examples', 'leaky.drvm');
export const LEAKY_URI = pathToFileURL(LEAKY_PATH).href;
export const LEAKY_TEXT = readFileSync(LEAKY_PATH, 'utf8');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'node scripts/build.mjs' first`);
}

export const CAPABILITIES: ClientCapabilities = {
  workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceFolders: true },
  window: { workDoneProgress: true },
  textDocument: {
    synchronization: { didSave: false },
    publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
    completion: { completionItem: { snippetSupport: true } },
    rename: { prepareSupport: true },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } } },
  },
};

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

interface Waiter<T> {
  predicate: (value: T) => boolean;
  resolve: (value: T) => void;
}

export class TestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly notifications: Array<{ method: string; params: unknown }> = [];
  /** What `workspace/configuration` answers for section `poolscope`. */
  settings: Record<string, unknown> = {};
  stderr = '';
  private readonly stderrWaiters: Array<() => void> = [];

  /** Resolves once the server's stderr matches `re`. */
  async waitForStderr(re: RegExp, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.stderr)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for stderr ${re}: ${this.stderr.slice(-300)}`);
      await withTimeout(new Promise<void>((r) => this.stderrWaiters.push(r)), left, `stderr ${re}`).catch(() => undefined);
    }
  }
  private readonly waiters: Array<Waiter<{ method: string; params: unknown }>> = [];
  private versions = new Map<string, number>();
  exited: Promise<number | null>;

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {
    this.exited = new Promise((res) => process.on('exit', (code) => res(code)));
  }

  static async start(
    options: { args?: string[]; initializationOptions?: unknown; capabilities?: ClientCapabilities; rootUri?: string } = {},
  ): Promise<{ client: TestClient; init: InitializeResult }> {
    assertBuilt();
    const child = spawn(process.execPath, [CLI, 'lsp', '--stdio', ...(options.args ?? [])], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new TestClient(child, connection);
    child.stderr!.on('data', (d: Buffer) => {
      client.stderr += d.toString();
      for (const w of client.stderrWaiters.splice(0)) w();
    });
    // Every other notification (poolscope/validated, poolscope/hitTagChanged, window/logMessage …).
    (connection as unknown as { onNotification(h: (method: string, params: unknown) => void): void }).onNotification((method, params) =>
      client.record(method, params),
    );
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      client.diagnostics.set(p.uri, p);
      client.record(PublishDiagnosticsNotification.method, p);
    });
    connection.onRequest(ConfigurationRequest.type, (p) => p.items.map((i) => (i.section === 'poolscope' ? client.settings : null)));
    connection.onRequest(RegistrationRequest.type, () => undefined);
    connection.onRequest(WorkDoneProgressCreateRequest.type, (p) => {
      client.trackProgress(p.token);
      client.record(WorkDoneProgressCreateRequest.method, p);
    });
    connection.listen();
    const init = await withTimeout(
      connection.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: options.rootUri ?? pathToFileURL(ROOT).href,
        capabilities: options.capabilities ?? CAPABILITIES,
        initializationOptions: options.initializationOptions,
        workspaceFolders: [{ uri: options.rootUri ?? pathToFileURL(ROOT).href, name: 'root' }],
      }),
      10000,
      'initialize',
    );
    await connection.sendNotification(InitializedNotification.type, {});
    return { client, init };
  }

  /** `$/progress` is routed by token: record the ones for `token` as notifications. */
  trackProgress(token: string | number): void {
    this.connection.onProgress(WorkDoneProgress.type, token, (value) => this.record('$/progress', { token, value }));
  }

  private record(method: string, params: unknown): void {
    const n = { method, params };
    this.notifications.push(n);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].predicate(n)) {
        const [w] = this.waiters.splice(i, 1);
        w.resolve(n);
      }
    }
  }

  /** The next notification (from now on) matching `predicate`. */
  waitFor<T = unknown>(method: string, predicate: (params: T) => boolean = () => true, timeoutMs = 10000): Promise<T> {
    const p = new Promise<{ method: string; params: unknown }>((resolve) =>
      this.waiters.push({ predicate: (n) => n.method === method && predicate(n.params as T), resolve }),
    );
    return withTimeout(p, timeoutMs, method).then((n) => n.params as T);
  }

  /** Diagnostics for `uri` at exactly `version` (already received, or the next ones). */
  diagnosticsFor(uri: string, version: number, timeoutMs = 10000): Promise<PublishDiagnosticsParams> {
    const have = this.diagnostics.get(uri);
    if (have && have.version === version) return Promise.resolve(have);
    return this.waitFor<PublishDiagnosticsParams>(PublishDiagnosticsNotification.method, (p) => p.uri === uri && p.version === version, timeoutMs);
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'drvm', version, text } });
  }

  /** Sends a change; returns the new version. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && !this.process.killed) {
      try {
        await withTimeout(this.connection.sendRequest(ShutdownRequest.type), 3000, 'shutdown');
        await this.connection.sendNotification(ExitNotification.type);
        await withTimeout(this.exited, 3000, 'exit');
      } catch {
        this.process.kill();
      }
    }
    this.connection.dispose();
  }
}

/** 0-based LSP position of the first occurrence of `needle` (plus `delta` characters) in `text`. */
export function positionOf(text: string, needle: string, delta = 0, occurrence = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' not found`);
  }
  at += delta;
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

/** Applies LSP text edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: Array<{ range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }>): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => {
    let o = 0;
    for (let i = 0; i < p.line; i++) o += lines[i].length + 1;
    return o + p.character;
  };
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
