// Both ways of starting the server: over IPC as the VS Code client forks dist/server.js
// (`--node-ipc`), and `poolscope lsp --stdio`; bad command lines fail cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  ExitNotification,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { CLI, LEAKY_TEXT, LEAKY_URI, ROOT, withTimeout } from './client';

test('over IPC (--node-ipc), as the VS Code client starts it', async () => {
  const child = fork(join(ROOT, 'dist', 'server.js'), ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const diagnostics = new Promise<PublishDiagnosticsParams>((resolve) =>
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => p.uri === LEAKY_URI && resolve(p)),
  );
  connection.listen();
  try {
    const init = await withTimeout(connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} }), 10000, 'initialize');
    assert.equal(init.serverInfo?.name, 'poolscope');
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: LEAKY_URI, languageId: 'drvm', version: 1, text: LEAKY_TEXT } });
    const d = await withTimeout(diagnostics, 10000, 'diagnostics over IPC');
    assert.ok(d.diagnostics.some((x) => x.code === 'quota-in-dpc'));
    await connection.sendRequest(ShutdownRequest.type);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await connection.sendNotification(ExitNotification.type);
    assert.equal(await withTimeout(exited, 5000, 'exit'), 0);
  } finally {
    connection.dispose();
    if (child.exitCode === null) child.kill();
  }
});

test('poolscope lsp without --stdio is a usage error (exit 2), --help prints usage', () => {
  const bad = spawnSync(process.execPath, [CLI, 'lsp'], { encoding: 'utf8', timeout: 10000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--stdio/);
  const help = spawnSync(process.execPath, [CLI, 'lsp', '--help'], { encoding: 'utf8', timeout: 10000 });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: poolscope lsp --stdio/);
});

test('the stdio server exits when its client goes away (stdin closed)', async () => {
  const child = spawn(process.execPath, [CLI, 'lsp', '--stdio'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdin!.end();
  const code = await withTimeout(exited, 5000, 'exit after stdin closed');
  assert.equal(typeof code, 'number');
});
