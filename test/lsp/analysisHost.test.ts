// The analysis worker pool (server/src/lsp/workers/analysisHost.ts) with the real worker bundle
// (dist/analysisAndSimulationWorker.js, built by `npm test`): findings arrive before the model; the model of
// a version that a newer one has already replaced is not built at all; a worker that runs out of
// memory is retried with more heap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { AnalysisHost, defaultHeapLimitMb, Superseded } from '../../server/src/lsp/workers/analysisHost';
import { generateScript } from '../../bench/lsp.bench';
import type { AnalysisFindings } from '../../server/src/lsp/workers/workerMessages';
import { analyze } from '../../server/src/lsp/services/analysis';
import { LEAKY_TEXT, ROOT } from './client';

const DIST = join(ROOT, 'dist');
// The host unrefs its workers (they must not keep a server alive); the tests keep the loop alive.
let keepAlive: NodeJS.Timeout | undefined;
before(() => {
  keepAlive = setInterval(() => {}, 1000);
});
after(() => clearInterval(keepAlive));

test('findings come first, then the model of the same version with the same diagnostics', { skip: !existsSync(join(DIST, 'analysisAndSimulationWorker.js')) }, async () => {
  const host = new AnalysisHost(DIST, () => {});
  try {
    assert.ok(host.workerPath, 'the worker bundle is used');
    const order: string[] = [];
    let findings: AnalysisFindings | undefined;
    const model = await host.analyze('file:///leaky.drvm', 1, LEAKY_TEXT, {}, [], (f) => {
      order.push('findings');
      findings = f;
    });
    order.push('model');
    assert.deepEqual(order, ['findings', 'model']);
    assert.equal(model.version, 1);
    assert.deepEqual(model.diagnostics, findings!.diagnostics);
    // Exactly what the analysis in process finds.
    assert.ok(model.diagnostics.some((d) => d.rule === 'quota-in-dpc'));
    assert.ok(model.diagnostics.some((d) => d.rule === 'unbalanced-allocation'));
    assert.deepEqual(model.diagnostics, analyze(LEAKY_TEXT, 1, { file: 'file:///leaky.drvm' }).diagnostics);
    // The model itself came through: routines and scenarios of leaky.drvm.
    assert.ok(model.routines.some((r) => r.name === 'TimerDpc' && r.kind === 'dpc'));
    assert.ok(model.scenarios.some((s) => s.name === 'steady_reads'));
  } finally {
    host.dispose();
  }
});

test('a version replaced before its model is built gets its findings but no model; the newer one gets both', { skip: !existsSync(join(DIST, 'analysisAndSimulationWorker.js')) }, async () => {
  const host = new AnalysisHost(DIST, () => {});
  try {
    // The document's first model is always built (hover needs one of some version) …
    const v0 = await host.analyze('file:///leaky.drvm', 0, LEAKY_TEXT, {}, [], () => {});
    assert.equal(v0.version, 0);
    // … after that, a version replaced before its model is built skips it.
    const seen: number[] = [];
    const v1 = host.analyze('file:///leaky.drvm', 1, LEAKY_TEXT, {}, [], () => seen.push(1));
    // Queued while version 1 runs: version 1's slot is told to skip its model.
    const v2 = host.analyze('file:///leaky.drvm', 2, LEAKY_TEXT.replace('4K', '8K'), {}, [], () => seen.push(2));
    await assert.rejects(v1, (e) => e instanceof Superseded);
    const m2 = await v2;
    assert.equal(m2.version, 2);
    assert.deepEqual(seen, [1, 2], 'both versions delivered their findings, in order');
    assert.equal(host.restarts, 0, 'no worker was killed for it');
  } finally {
    host.dispose();
  }
});

test('a worker that runs out of memory is restarted with twice the heap and the analysis still arrives', { skip: !existsSync(join(DIST, 'analysisAndSimulationWorker.js')) }, async () => {
  const logged: string[] = [];
  // A heap far too small for a 20k-line script: the first attempts run out of memory.
  const host = new AnalysisHost(DIST, (m) => logged.push(m), 1, () => 16);
  try {
    const text = generateScript(20000);
    let findings = 0;
    const model = await host.analyze('file:///big.drvm', 1, text, {}, [], () => findings++);
    assert.equal(model.version, 1);
    assert.ok(model.routines.length > 100);
    assert.deepEqual(model.diagnostics, analyze(text, 1, { file: 'file:///big.drvm' }).diagnostics);
    assert.ok(logged.some((m) => /ERR_WORKER_OUT_OF_MEMORY|out of memory/i.test(m)), logged.join('\n'));
    assert.ok(logged.some((m) => /retrying the analysis of file:\/\/\/big\.drvm with [248]× the worker heap/.test(m)), logged.join('\n'));
  } finally {
    host.dispose();
  }
});

test('the default heap limit: none for a small document; for a large one it grows with it, from 128 MB', () => {
  assert.equal(defaultHeapLimitMb(0), 0);
  assert.equal(defaultHeapLimitMb(200_000), 0);
  assert.equal(defaultHeapLimitMb(300_000), 128);
  // 1 MB (a 50k-line script): 160 MB; 5 MB: 544 MB.
  assert.equal(defaultHeapLimitMb(1048576), 160);
  assert.equal(defaultHeapLimitMb(5 * 1048576), 544);
});

test('a stale analysis with less left than a restart costs finishes in the warm worker; with no restart cost it is cancelled', { skip: !existsSync(join(DIST, 'analysisAndSimulationWorker.js')) }, async () => {
  const uri = 'file:///stale.drvm';
  const text = generateScript(12000);
  const edited = (n: number) => text.replace("'BCtx'", `'BC${n}x'`);
  for (const [cost, restarts] of [[60_000, 0], [0, 1]] as const) {
    const host = new AnalysisHost(DIST, () => {}, 2, defaultHeapLimitMb, cost);
    try {
      await host.analyze(uri, 1, text, {}, []);
      // Version 2 starts; version 3 arrives while it runs its rules.
      let v2Findings = false;
      const v2 = host.analyze(uri, 2, edited(2), {}, [], () => (v2Findings = true));
      for (let i = 0; i < 200 && !host.current.some((c) => c.version === 2); i++) await new Promise((r) => setTimeout(r, 1));
      const v3 = host.analyze(uri, 3, edited(3), {}, []);
      await assert.rejects(v2, (e) => e instanceof Superseded);
      const m3 = await v3;
      assert.equal(m3.version, 3);
      assert.equal(host.restarts, restarts, `restart cost ${cost} ms`);
      if (restarts === 0) assert.ok(v2Findings, 'the stale analysis ran to its end in the warm worker');
      // The worker parsed version 3 incrementally from version 2 (or 1): its findings are
      // exactly those of a parse from scratch.
      assert.deepEqual(m3.diagnostics, analyze(edited(3), 3, { file: uri }).diagnostics);
    } finally {
      host.dispose();
    }
  }
});
