/** Shared by the suites: the extension's test API, waiting without sleeping, harness requests. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PoolScopeApi } from '../../../client/src/testApi';
import type { RenderedReportState } from '../../../client/shared/reportProtocol';

export const EXTENSION_ID = 'poolscope.poolscope';

export async function poolscope(): Promise<PoolScopeApi> {
  const ext = vscode.extensions.getExtension<PoolScopeApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  await waitFor(() => api.serverState() === 'running', 30_000, () => `language server state: ${api.serverState()}`);
  return api;
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Polls a condition (cheap checks only); fails with `describe()` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Opens a document and resolves with its diagnostics once `accept` says they are the ones
 * expected. Subscribes to onDidChangeDiagnostics before opening, so no event is missed and
 * nothing sleeps.
 */
export async function diagnosticsOf(uri: vscode.Uri, accept: (d: vscode.Diagnostic[]) => boolean, timeoutMs = 30_000, open = true): Promise<vscode.Diagnostic[]> {
  let sub: vscode.Disposable | undefined;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<vscode.Diagnostic[]>((resolve, reject) => {
    const check = () => {
      const d = vscode.languages.getDiagnostics(uri);
      if (accept(d)) resolve(d);
    };
    sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    timer = setTimeout(() => reject(new Error(`diagnostics of ${uri.path} not as expected after ${timeoutMs} ms: ${describeDiagnostics(vscode.languages.getDiagnostics(uri))}`)), timeoutMs);
    check();
  });
  try {
    if (open) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    return await done;
  } finally {
    sub?.dispose();
    clearTimeout(timer);
  }
}

export function ruleOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code);
}

/** `shared-tag@13` pairs (0-based lines, as VS Code numbers them). */
export function rulesAndLines(ds: vscode.Diagnostic[]): string[] {
  return ds.map((d) => `${ruleOf(d)}@${d.range.start.line}`).sort();
}

export function describeDiagnostics(ds: vscode.Diagnostic[]): string {
  return JSON.stringify(ds.map((d) => `${ruleOf(d)}@${d.range.start.line}:${vscode.DiagnosticSeverity[d.severity]}`));
}

/** Resolves with the next report render that satisfies `accept` (or the current one). */
export function reportRendered(api: PoolScopeApi, accept: (s: RenderedReportState) => boolean, timeoutMs = 30_000): Promise<RenderedReportState> {
  return new Promise((resolve, reject) => {
    const current = api.reportState();
    if (current && accept(current)) return resolve(current);
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the Pool Report did not render as expected within ${timeoutMs} ms; last: ${JSON.stringify(api.reportState())}`));
    }, timeoutMs);
    const sub = api.onReportRendered((s) => {
      if (accept(s)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      }
    });
  });
}

/** True when the code-server harness is there to take screenshots and read the page's DOM. */
export function harnessAvailable(): boolean {
  const dir = process.env.POOLSCOPE_HARNESS_DIR;
  return Boolean(dir && existsSync(dir));
}

let requestCounter = 0;

/** Asks the browser-side harness (test/vscode/harnessRequests.mjs) to do something and waits. */
export async function harnessRequest<T = Record<string, unknown>>(req: Record<string, unknown>, timeoutMs = 60_000): Promise<T & { ok: boolean; error?: string }> {
  const dir = process.env.POOLSCOPE_HARNESS_DIR;
  if (!dir) throw new Error('no harness');
  const n = ++requestCounter;
  writeFileSync(join(dir, `req-${n}.json.tmp`), JSON.stringify(req));
  // Renamed into place so that the harness never reads half a file.
  renameSync(join(dir, `req-${n}.json.tmp`), join(dir, `req-${n}.json`));
  const res = join(dir, `res-${n}.json`);
  await waitFor(() => existsSync(res), timeoutMs, () => `for the harness to answer ${JSON.stringify(req)}`);
  return JSON.parse(readFileSync(res, 'utf8'));
}

/** The markdown of every hover VS Code shows at `position` (all providers), joined. */
export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

/** The position inside the first `'Abc '` of leaky.drvm (ReadDispatch's allocation, line 14). */
export async function abcTagPosition(uri: vscode.Uri): Promise<vscode.Position> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const line = doc.getText().split('\n').findIndex((l) => l.includes("ExAllocatePoolWithTag(PagedPool, 4K, 'Abc ')"));
  if (line !== 13) throw new Error(`ReadDispatch's allocation of 'Abc ' is not on line 14 of ${uri.path} but ${line + 1}`);
  return new vscode.Position(line, doc.lineAt(line).text.indexOf("'Abc '") + 2);
}
