// The analysis worker pool (server/src/lsp/handlers/analysisHost.ts) with the real worker bundle
// (dist/simulationWorker.js, built by `npm test`): a small document is analysed in two halves at
// once whose merged findings equal the whole analysis; findings arrive before the model; the
// model of a version that a newer one has already replaced is not built at all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { AnalysisHost, Superseded } from '../../server/src/lsp/handlers/analysisHost';
import type { AnalysisFindings } from '../../server/src/lsp/simulationMessages';
import { analyze } from '../../server/src/lsp/services/analysis';
import { LEAKY_TEXT, ROOT } from './client';

const DIST = join(ROOT, 'dist');
// The host unrefs its workers (they must not keep a server alive); the tests keep the loop alive.
let keepAlive: NodeJS.Timeout | undefined;
before(() => {
  keepAlive = setInterval(() => {}, 1000);
});
after(() => clearInterval(keepAlive));

test('findings come first, then the model of the same version with the same diagnostics', { skip: !existsSync(join(DIST, 'simulationWorker.js')) }, async () => {
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
    // Both workers were free: the two halves ran side by side, and together they found exactly
    // what one whole analysis finds (a rule of each half included).
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

test('a version replaced before its model is built gets its findings but no model; the newer one gets both', { skip: !existsSync(join(DIST, 'simulationWorker.js')) }, async () => {
  const host = new AnalysisHost(DIST, () => {});
  try {
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
