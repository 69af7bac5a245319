// Diagnostics over a real stdio connection: rules and placements on leaky.drvm, LSP fields,
// incremental edits, versions (stale results never published over newer ones), settings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, DidChangeConfigurationNotification, DiagnosticSeverity, HoverRequest, ReferencesRequest, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { LEAKY_TEXT, LEAKY_URI, positionOf, ROOT, TestClient, withTimeout } from './client';
import { ListScenariosRequest, ServerStatusRequest, ValidatedNotification, type ValidatedParams } from '../../server/src/protocol';

const pairs = (ds: Diagnostic[]): string[] => ds.map((d) => `${d.code}@${d.range.start.line}`).sort();

describe('diagnostics', () => {
  let client: TestClient;
  before(async () => {
    ({ client } = await TestClient.start());
  });
  after(async () => client.stop());

  test('leaky.drvm: every finding at its contract line (LSP lines are 0-based)', async () => {
    await client.open(LEAKY_URI, LEAKY_TEXT);
    const { diagnostics, version } = await client.diagnosticsFor(LEAKY_URI, 1);
    assert.equal(version, 1);
    const got = pairs(diagnostics);
    // rules.md placements, located in the example's text: shared-tag on both tag literals of the
    // 'Abc ' allocations, quota-in-dpc on the quota allocation, paged-free-at-dispatch on the free.
    const readAlloc = positionOf(LEAKY_TEXT, "ExAllocatePoolWithTag(PagedPool, 4K, 'Abc ')").line;
    const writeAlloc = positionOf(LEAKY_TEXT, "ExAllocatePoolWithTag(PagedPool, 512, 'Abc ')").line;
    const quotaAlloc = positionOf(LEAKY_TEXT, 'ExAllocatePoolWithQuotaTag(').line;
    const pagedFree = positionOf(LEAKY_TEXT, "if (buf != NULL) ExFreePoolWithTag(buf, 'Abc ')").line;
    // examples/leaky.drvm: file lines 14, 23, 28, 31 (three header comment lines precede the driver).
    assert.deepEqual([readAlloc, writeAlloc, quotaAlloc, pagedFree], [13, 22, 27, 30]);
    for (const expected of [`shared-tag@${readAlloc}`, `shared-tag@${writeAlloc}`, `quota-in-dpc@${quotaAlloc}`, `paged-free-at-dispatch@${pagedFree}`]) {
      assert.ok(got.includes(expected), `${expected} missing from ${got.join(', ')}`);
    }
    assert.equal(diagnostics.filter((d) => d.code === 'shared-tag').length, 2);
    // No structural errors in the example.
    assert.deepEqual(diagnostics.filter((d) => ['syntax-error', 'unknown-name', 'duplicate-name', 'wrong-kind'].includes(String(d.code))), []);
    const shared = diagnostics.find((d) => d.code === 'shared-tag' && d.range.start.line === readAlloc)!;
    // The tag literal of ExAllocatePoolWithTag(PagedPool, 4K, 'Abc ') on line 13.
    const tagStart = positionOf(LEAKY_TEXT, "'Abc ');\n    if (buf == NULL)");
    assert.deepEqual(shared.range, { start: tagStart, end: { line: tagStart.line, character: tagStart.character + 6 } });
    assert.equal(shared.source, 'poolscope');
    assert.equal(shared.severity, DiagnosticSeverity.Warning);
    assert.equal(shared.codeDescription?.href, 'https://github.com/poolscope/poolscope/blob/main/docs/rules/shared-tag.md');
    assert.ok(shared.relatedInformation && shared.relatedInformation.length >= 1, 'related information points at the other site');
    assert.equal(shared.relatedInformation![0].location.uri, LEAKY_URI);
    assert.equal(shared.relatedInformation![0].location.range.start.line, writeAlloc);
    const quota = diagnostics.find((d) => d.code === 'quota-in-dpc')!;
    assert.equal(quota.severity, DiagnosticSeverity.Error);
    assert.match(quota.message, /0x10B/);
  });

  test('unbalanced-allocation on the ReadDispatch allocation (line 13) once the rule is registered', async (t) => {
    const { diagnostics } = await client.diagnosticsFor(LEAKY_URI, 1);
    const unbalanced = diagnostics.filter((d) => d.code === 'unbalanced-allocation');
    if (unbalanced.length === 0) return t.skip('unbalanced-allocation is not produced by the core yet');
    assert.deepEqual(unbalanced.map((d) => d.range.start.line), [positionOf(LEAKY_TEXT, "buf = ExAllocatePoolWithTag").line]);
    assert.match(unbalanced[0].message, /buf/);
  });

  test('an incremental edit gives structural findings immediately, at the new version', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-edit.drvm`).href;
    await client.open(uri, LEAKY_TEXT);
    await client.diagnosticsFor(uri, 1);
    // Rename the call on line 10 to an API that does not exist.
    const at = positionOf(LEAKY_TEXT, 'ExAllocatePool2');
    const v = await client.change(uri, [{ range: { start: at, end: { line: at.line, character: at.character + 'ExAllocatePool2'.length } }, text: 'ExAllocatePoolX' }]);
    const { diagnostics } = await client.diagnosticsFor(uri, v);
    const unknown = diagnostics.filter((d) => d.code === 'unknown-name');
    assert.equal(unknown.length, 1);
    assert.deepEqual(unknown[0].range.start, at);
    assert.equal(unknown[0].severity, DiagnosticSeverity.Error);
    // Undo: back to no unknown-name.
    const v2 = await client.change(uri, [{ range: { start: at, end: { line: at.line, character: at.character + 15 } }, text: 'ExAllocatePool2' }]);
    const fixed = await client.diagnosticsFor(uri, v2);
    assert.equal(fixed.diagnostics.filter((d) => d.code === 'unknown-name').length, 0);
    await client.close(uri);
    const cleared = await client.waitFor<{ uri: string; diagnostics: unknown[] }>('textDocument/publishDiagnostics', (p) => p.uri === uri);
    assert.deepEqual(cleared.diagnostics, []);
  });

  test('a burst of edits is validated once, for the last version; no result for an older version follows it', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-burst.drvm`).href;
    await client.open(uri, 'driver "B.sys";\n');
    await client.diagnosticsFor(uri, 1);
    const seen: number[] = [];
    let last = 1;
    for (let i = 0; i < 20; i++) {
      last = await client.change(uri, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: `global g${i};\n` }]);
    }
    const timed = client.waitFor<ValidatedParams>(ValidatedNotification.method, (p) => p.uri === uri && p.version === last);
    const final = await client.diagnosticsFor(uri, last);
    await timed;
    assert.equal(final.version, 21);
    for (const n of client.notifications) {
      const p = n.params as { uri?: string; version?: number };
      if (n.method === 'textDocument/publishDiagnostics' && p.uri === uri && p.version !== undefined) seen.push(p.version);
    }
    // Versions published for this document never go backwards, and the burst was debounced.
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
    assert.ok(seen.length < 10, `debounced: ${seen.length} publications for 21 versions`);
    assert.equal(seen[seen.length - 1], 21);
    // The timing notification accompanies each publication.
    const timing = client.notifications.filter((n) => n.method === ValidatedNotification.method && (n.params as ValidatedParams).uri === uri);
    assert.ok(timing.length >= 1);
    const lastTiming = timing[timing.length - 1].params as ValidatedParams;
    assert.equal(lastTiming.version, 21);
    assert.equal(typeof lastTiming.durationMs, 'number');
    await client.close(uri);
  });

  test('poolscope.rules from workspace/configuration, re-read on didChangeConfiguration', async () => {
    client.settings = { rules: { 'shared-tag': 'off', 'quota-in-dpc': 'warning' } };
    const next = client.waitFor<{ uri: string; diagnostics: Diagnostic[] }>('textDocument/publishDiagnostics', (p) => p.uri === LEAKY_URI);
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    const { diagnostics } = await next;
    assert.equal(diagnostics.filter((d) => d.code === 'shared-tag').length, 0);
    const quota = diagnostics.find((d) => d.code === 'quota-in-dpc')!;
    assert.equal(quota.severity, DiagnosticSeverity.Warning);
    client.settings = {};
    const back = client.waitFor<{ uri: string; diagnostics: Diagnostic[] }>('textDocument/publishDiagnostics', (p) => p.uri === LEAKY_URI);
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    assert.equal((await back).diagnostics.filter((d) => d.code === 'shared-tag').length, 2);
  });
});

describe('large documents', () => {
  let client: TestClient;
  before(async () => {
    // Restarting is made cheap, so that a stale analysis of this document is always cancelled.
    ({ client } = await TestClient.start({ initializationOptions: { analysisRestartCostMs: 0 } }));
  });
  after(async () => client.stop());

  test('an analysis made stale by a newer edit is cancelled (worker restarted), never published, and requests are served meanwhile', async () => {
    const { generateScript } = await import('../../bench/lsp.bench');
    // Large enough that its analysis (~0.5 s here) surely outlasts the requests sent meanwhile.
    const text = generateScript(25000);
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-large.drvm`).href;
    await client.open(uri, text);
    // Before its first analysis is done, hover on an API is already answered (it needs no names).
    const t0 = Date.now();
    const early = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, 'ExAllocatePool2', 3) });
    assert.match(JSON.stringify(early), /PVOID ExAllocatePool2/);
    assert.ok(Date.now() - t0 < 1500, `hover took ${Date.now() - t0} ms on a file still being analysed`);
    // A request that needs the analysis, cancelled while it waits: answered RequestCancelled.
    const source = new CancellationTokenSource();
    const refs = client.connection.sendRequest(
      ReferencesRequest.type,
      { textDocument: { uri }, position: positionOf(text, 'Helper1(p)', 1), context: { includeDeclaration: true } },
      source.token,
    );
    source.cancel();
    await assert.rejects(refs, (e: { code?: number }) => e.code === -32800);
    const first = await client.diagnosticsFor(uri, 1, 60000);
    assert.equal(first.version, 1);
    const timing = client.notifications.filter((n) => n.method === ValidatedNotification.method && (n.params as ValidatedParams).uri === uri);
    const firstMs = (timing[timing.length - 1]?.params as ValidatedParams | undefined)?.durationMs ?? 0;
    const restartsBefore = (await client.connection.sendRequest(ServerStatusRequest, undefined)).analysisRestarts;

    const edit = (v: number) => client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: `// edit ${v}\n` }]);
    const v2 = await edit(2);
    // Wait (by asking, not sleeping) until version 2 is being analysed, then make it stale.
    let status = await client.connection.sendRequest(ServerStatusRequest, undefined);
    const running = (): boolean => status.analyses.some((a) => a.uri === uri && a.version === v2);
    for (let i = 0; i < 2000 && !running(); i++) {
      status = await client.connection.sendRequest(ServerStatusRequest, undefined);
    }
    assert.ok(running(), 'version 2 is being analysed');
    // Requests are answered while the analysis runs (it is not on the main thread).
    const hover = await withTimeout(
      client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, 'ExAllocatePool2', 3) }),
      firstMs > 0 ? Math.max(1000, firstMs / 2) : 1000,
      'hover during an analysis',
    );
    assert.ok(hover);
    const v3 = await edit(3);
    const final = await client.diagnosticsFor(uri, v3, 60000);
    assert.equal(final.version, v3);
    const published = client.notifications
      .filter((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === uri)
      .map((n) => (n.params as { version: number }).version);
    assert.ok(!published.includes(v2), `version 2 was never published: ${published.join()}`);
    const after = await client.connection.sendRequest(ServerStatusRequest, undefined);
    assert.ok(after.analysisRestarts > restartsBefore, 'the stale analysis was cancelled by restarting the worker');
    await client.close(uri);
  });

  test('a slow analysis of one document does not hold up the diagnostics of another', async () => {
    const { generateScript } = await import('../../bench/lsp.bench');
    const big = pathToFileURL(`${ROOT}/test/lsp/fixtures-big.drvm`).href;
    const small = pathToFileURL(`${ROOT}/test/lsp/fixtures-small.drvm`).href;
    await client.open(big, generateScript(20000));
    let status = await client.connection.sendRequest(ServerStatusRequest, undefined);
    for (let i = 0; i < 2000 && !status.analyses.some((a) => a.uri === big); i++) status = await client.connection.sendRequest(ServerStatusRequest, undefined);
    assert.ok(status.analyses.some((a) => a.uri === big), 'the big document is being analysed');
    await client.open(small, LEAKY_TEXT);
    const d = await client.diagnosticsFor(small, 1, 30000);
    assert.ok(d.diagnostics.some((x) => x.code === 'quota-in-dpc'));
    const during = await client.connection.sendRequest(ServerStatusRequest, undefined);
    assert.ok(during.analyses.some((a) => a.uri === big), 'the small document was answered while the big one was still being analysed');
    await client.diagnosticsFor(big, 1, 120000);
    await client.close(big);
    await client.close(small);
  });
});

describe('diagnostics debounce: leading and trailing edge', () => {
  const DEBOUNCE_MS = 1500;
  let client: TestClient;
  before(async () => {
    ({ client } = await TestClient.start({ initializationOptions: { diagnosticsDelay: DEBOUNCE_MS } }));
  });
  after(async () => client.stop());

  const published = (uri: string): number[] =>
    client.notifications
      .filter((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === uri)
      .map((n) => (n.params as { version?: number }).version ?? -1);

  test('an edit to a settled document is analysed at once; a burst waits for the debounce and is analysed once', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-edges.drvm`).href;
    await client.open(uri, 'driver "E.sys";\n');
    await client.diagnosticsFor(uri, 1);
    const edit = (line: number, text: string) => client.change(uri, [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text }]);

    // Leading edge: nothing was edited before, so this edit does not wait 1.5 s.
    const t0 = Date.now();
    const v2 = await edit(1, 'global g0;\n');
    await client.diagnosticsFor(uri, v2);
    const leading = Date.now() - t0;
    assert.ok(leading < DEBOUNCE_MS / 2, `the first edit was analysed after ${leading} ms, not at once`);

    // Settled: version 2's diagnostics are out, so the next edit — well within the debounce time
    // of the last one — is analysed at once too: whoever waited for the squiggles of one
    // keystroke does not wait 1.5 s more for the next.
    const t1 = Date.now();
    const v3 = await edit(2, 'global g1;\n');
    await client.diagnosticsFor(uri, v3);
    const settled = Date.now() - t1;
    assert.ok(settled < DEBOUNCE_MS / 2, `an edit after published diagnostics was analysed after ${settled} ms, not at once`);

    // Trailing edge: of two edits right away, the second comes while the first still waits for
    // its diagnostics: the burst is analysed once, for its last version, after the debounce.
    const t2 = Date.now();
    const v4 = await edit(3, 'global g2;\n');
    const v5 = await edit(4, 'global g3;\n');
    const last = await client.diagnosticsFor(uri, v5);
    const trailing = Date.now() - t2;
    assert.ok(trailing >= DEBOUNCE_MS - 100, `the burst was analysed after ${trailing} ms, before its debounce`);
    assert.equal(last.version, 5);
    assert.deepEqual(published(uri), [1, 2, 3, 5], `version ${v4} of the burst is never published`);
    await client.close(uri);
  });
});

describe('settings changed while analyses wait', () => {
  let client: TestClient;
  before(async () => {
    ({ client } = await TestClient.start());
  });
  after(async () => client.stop());

  test('a request waiting for a model gets the one made with the new settings, not an empty answer', async () => {
    const { generateScript } = await import('../../bench/lsp.bench');
    const text = generateScript(15000);
    // Three large documents at once: both workers are busy and the third one's analysis waits
    // in the queue, where the settings change replaces it by another analysis of that version.
    const uris = ['a', 'b', 'c'].map((n) => pathToFileURL(`${ROOT}/test/lsp/fixtures-settings-${n}.drvm`).href);
    for (const uri of uris) await client.open(uri, text);
    const scenarios = client.connection.sendRequest(ListScenariosRequest, { uri: uris[2] });
    client.settings = { rules: { 'shared-tag': 'off' } };
    await client.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    assert.deepEqual(
      (await scenarios).map((s) => s.name),
      ['bench'],
    );
    for (const uri of uris) await client.close(uri);
  });
});
