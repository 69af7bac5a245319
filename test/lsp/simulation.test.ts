// The poolscope/* requests over a real stdio connection: runScenario in a worker thread with
// $/progress, a cancellation that really stops a long run, PoolHitTag set/get + notification,
// !poolfind over the last run, the scenario list and report rendering.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, HoverRequest, type WorkDoneProgressBegin, type WorkDoneProgressEnd } from 'vscode-languageserver-protocol/node';
import {
  GetHitTagRequest,
  HitTagChangedNotification,
  ListScenariosRequest,
  PoolFindRequest,
  RenderReportRequest,
  RunScenarioRequest,
  ServerStatusRequest,
  SetHitTagRequest,
  type HitTagState,
} from '../../server/src/protocol';
import { LEAKY_TEXT, LEAKY_URI, positionOf, ROOT, TestClient, withTimeout } from './client';

/** OS threads of a process (Linux): a terminated worker thread disappears from /proc/<pid>/task. */
function threadCount(pid: number): number | undefined {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

const LONG_SCRIPT = `driver "Spin.sys";
entry DriverEntry { }
dispatch IRP_MJ_READ ReadDispatch {
    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Spin');
    ExFreePoolWithTag(b, 'Spin');
}
scenario forever {
    load;
    repeat 1000000000000000000 { irp IRP_MJ_READ; }
}
`;

describe('simulation requests', () => {
  let client: TestClient;
  before(async () => {
    ({ client } = await TestClient.start());
    await client.open(LEAKY_URI, LEAKY_TEXT);
    await client.diagnosticsFor(LEAKY_URI, 1);
  });
  after(async () => client.stop());

  test('listScenarios', async () => {
    const list = await client.connection.sendRequest(ListScenariosRequest, { uri: LEAKY_URI });
    assert.deepEqual(list, [
      { uri: LEAKY_URI, name: 'steady_reads', line: 38 },
      { uri: LEAKY_URI, name: 'timer', line: 47 },
    ]);
    assert.deepEqual(await client.connection.sendRequest(ListScenariosRequest, { uri: 'file:///not/open.drvm' }), []);
  });

  test('runScenario: the unload bug check, with work-done progress begin … end', async () => {
    const token = 'run-1';
    client.trackProgress(token);
    const begin = client.waitFor<{ token: string; value: WorkDoneProgressBegin }>('$/progress', (p) => p.token === token && p.value.kind === 'begin');
    const end = client.waitFor<{ token: string; value: WorkDoneProgressEnd }>('$/progress', (p) => p.token === token && p.value.kind === 'end');
    const r = await withTimeout(
      client.connection.sendRequest(RunScenarioRequest, { uri: LEAKY_URI, scenario: 'steady_reads', workDoneToken: token }),
      30000,
      'runScenario',
    );
    assert.ok(r.result, JSON.stringify(r.error));
    assert.equal(r.result.scenario, 'steady_reads');
    assert.equal(r.result.driver, 'Leaky.sys');
    assert.equal(r.result.bugcheck?.code, '0xC4');
    assert.equal(r.result.bugcheck?.params[0], '0x62');
    assert.match(r.text ?? '', /DRIVER_VERIFIER_DETECTED_VIOLATION/);
    assert.match(r.text ?? '', /Pool Used/);
    assert.equal(typeof r.durationMs, 'number');
    const b = await begin;
    assert.equal(b.value.cancellable, true);
    assert.match(b.value.title, /steady_reads/);
    assert.equal((await end).value.kind, 'end');
  });

  test('poolFind over the last run', async () => {
    const found = await client.connection.sendRequest(PoolFindRequest, { tag: 'Abc', uri: LEAKY_URI });
    assert.ok(found.blocks.length > 0);
    assert.ok(found.blocks.every((b) => b.tag === 'Abc '));
    assert.match(found.text, /Searching Paged pool for Tag: Abc /);
    assert.ok(found.text.includes(found.blocks[0].address));
    await assert.rejects(client.connection.sendRequest(PoolFindRequest, { tag: 'TooLong' }), /longer than 4/);
  });

  test('renderReport renders any report of a result (and a run without a token gets a server-created progress)', async () => {
    const created = client.waitFor<{ token: string }>('window/workDoneProgress/create');
    const r = await client.connection.sendRequest(RunScenarioRequest, { uri: LEAKY_URI, scenario: 'timer' });
    const { token } = await created;
    assert.ok(client.notifications.some((n) => n.method === '$/progress' && (n.params as { token: string; value: { kind: string } }).token === token));
    assert.equal(r.result?.bugcheck?.params[0], '0x10B');
    const { text } = await client.connection.sendRequest(RenderReportRequest, { result: r.result!, reports: ['verifier'], uri: LEAKY_URI });
    assert.match(text, /Pool Allocation Statistics/);
    await assert.rejects(client.connection.sendRequest(RenderReportRequest, { result: r.result!, reports: ['nonsense'] }));
  });

  test('setHitTag validates, answers the ed form and notifies; the run records breaks', async () => {
    const changed = client.waitFor<HitTagState>(HitTagChangedNotification.method, (p) => p.tag === 'Abc ');
    const state = await client.connection.sendRequest(SetHitTagRequest, { tag: 'Abc' });
    assert.deepEqual(state, { tag: 'Abc ', edCommand: 'ed nt!poolhittag 0x20636241', ulong: '0x20636241' });
    assert.deepEqual(await changed, state);
    assert.deepEqual(await client.connection.sendRequest(GetHitTagRequest, undefined), state);
    assert.deepEqual((await client.connection.sendRequest(SetHitTagRequest, { tag: "'Abc '" })).tag, 'Abc ');
    await assert.rejects(client.connection.sendRequest(SetHitTagRequest, { tag: 'Abcde' }), /longer than 4/);

    const r = await client.connection.sendRequest(RunScenarioRequest, { uri: LEAKY_URI, scenario: 'steady_reads' });
    assert.ok(r.result!.hits.length > 0);
    assert.ok(r.result!.hits.every((h) => h.tag === 'Abc '));

    const cleared = client.waitFor<HitTagState>(HitTagChangedNotification.method, (p) => p.tag === null);
    assert.deepEqual(await client.connection.sendRequest(SetHitTagRequest, { tag: null }), { tag: null, edCommand: null, ulong: null });
    await cleared;
  });

  test("a scenario's hittag step changes the PoolHitTag in force and is notified", async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-hittag.drvm`).href;
    await client.open(uri, LEAKY_TEXT.replace('scenario timer {\n    load;', "scenario timer {\n    hittag 'Ctx ';\n    load;"));
    const changed = client.waitFor<HitTagState>(HitTagChangedNotification.method, (p) => p.tag === 'Ctx ');
    try {
      const r = await client.connection.sendRequest(RunScenarioRequest, { uri, scenario: 'timer', hitTag: null });
      assert.ok(r.result!.hits.some((h) => h.tag === 'Ctx ' && h.event === 'alloc'), JSON.stringify(r.result!.hits.slice(0, 2)));
      assert.deepEqual(await changed, { tag: 'Ctx ', edCommand: 'ed nt!poolhittag 0x20787443', ulong: '0x20787443' });
      assert.equal((await client.connection.sendRequest(GetHitTagRequest, undefined)).tag, 'Ctx ');
    } finally {
      await client.connection.sendRequest(SetHitTagRequest, { tag: null });
      await client.close(uri);
    }
  });

  test('a script with a structural error does not run, with a message naming the line', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-broken.drvm`).href;
    await client.open(uri, LEAKY_TEXT.replace('ExAllocatePool2(', 'ExAllocatePoolX('));
    const r = await client.connection.sendRequest(RunScenarioRequest, { uri });
    assert.equal(r.result, null);
    assert.match(r.error!.message, /:10: unknown-name/);
    assert.equal(r.error!.line, 10);
    await client.close(uri);
  });

  test('cancelling a run that would never end: prompt answer, worker terminated, server still serving', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-forever.drvm`).href;
    await client.open(uri, LONG_SCRIPT);
    await client.diagnosticsFor(uri, 1);
    // Threads other than the analysis pool's, which starts and stops its workers on demand
    // independently of simulations.
    const simulationThreads = async (): Promise<number | undefined> => {
      const status = await client.connection.sendRequest(ServerStatusRequest, undefined);
      const n = threadCount(client.process.pid!);
      return n === undefined ? undefined : n - status.analysisWorkers;
    };
    const before = await simulationThreads();
    const token = 'run-forever';
    client.trackProgress(token);
    const reported = client.waitFor<{ token: string; value: { kind: string; message?: string } }>('$/progress', (p) => p.token === token && p.value.kind === 'report', 20000);
    const source = new CancellationTokenSource();
    const run = client.connection.sendRequest(RunScenarioRequest, { uri, maxSteps: Number.MAX_SAFE_INTEGER, workDoneToken: token }, source.token);
    // The run is really going: progress reports arrive while it runs.
    const report = await reported;
    assert.match(report.value.message ?? '', /steps/);
    const status = await client.connection.sendRequest(ServerStatusRequest, undefined);
    assert.equal(status.runningSimulations.length, 1);
    // Diagnostics and hover keep flowing during the run (the simulation is off the main thread).
    const hover = await withTimeout(
      client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(LONG_SCRIPT, 'ExAllocatePool2', 2) }),
      2000,
      'hover during a run',
    );
    assert.ok(hover);

    const cancelledAt = Date.now();
    source.cancel();
    await assert.rejects(withTimeout(run, 3000, 'the cancelled run'), (e: { code?: number }) => e.code === -32800);
    const elapsed = Date.now() - cancelledAt;
    assert.ok(elapsed < 2000, `answered ${elapsed} ms after the cancellation`);
    const after = await client.connection.sendRequest(ServerStatusRequest, undefined);
    assert.deepEqual(after.runningSimulations, []);
    const threadsAfter = await simulationThreads();
    if (before !== undefined && threadsAfter !== undefined) {
      // The worker's thread is gone once terminate() resolves; allow a moment for the OS to reap it.
      let now = threadsAfter;
      for (let i = 0; i < 50 && now > before; i++) now = (await simulationThreads()) ?? now;
      assert.ok(now <= before, `threads: ${before} before the run, ${now} after cancelling`);
    }
    // The server is alive and answers.
    assert.deepEqual((await client.connection.sendRequest(GetHitTagRequest, undefined)).tag, null);
    await client.close(uri);
  });

  test('window/workDoneProgress/cancel on the run token stops it too', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-forever2.drvm`).href;
    await client.open(uri, LONG_SCRIPT);
    const token = 'run-forever-2';
    client.trackProgress(token);
    const begun = client.waitFor('$/progress', (p: { token: string; value: { kind: string } }) => p.token === token && p.value.kind === 'begin');
    const run = client.connection.sendRequest(RunScenarioRequest, { uri, maxSteps: Number.MAX_SAFE_INTEGER, workDoneToken: token });
    await begun;
    await client.connection.sendNotification('window/workDoneProgress/cancel', { token });
    await assert.rejects(withTimeout(run, 3000, 'the cancelled run'), (e: { code?: number }) => e.code === -32800);
    assert.deepEqual((await client.connection.sendRequest(ServerStatusRequest, undefined)).runningSimulations, []);
    await client.close(uri);
  });

  test('runScenario for a document that is not open is answered, not crashed', async () => {
    const r = await client.connection.sendRequest(RunScenarioRequest, { uri: 'file:///nowhere/x.drvm' });
    assert.equal(r.result, null);
    assert.match(r.error!.message, /not open/);
  });
});
