// An analysis split in two halves (services/analysis.ts: `flow` and `context`, run by the server
// in two worker threads at once) gives exactly the findings of the whole analysis: the same
// diagnostics, in the same order, with the same fixes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyze, mergeHalves, type AnalysisPart } from '../../server/src/lsp/services/analysis';
import { scriptArb } from '../fuzz/arbitraries';
import { fcParams, fixtureTexts } from '../fuzz/config';
import { LEAKY_TEXT } from './client';
import { generateScript } from '../../bench/lsp.bench';

const run = (text: string, part: AnalysisPart, rules: Record<string, 'off' | 'error'> = {}) => analyze(text, 1, { file: 'x.drvm', rules, part }).diagnostics;

function assertSame(text: string, rules: Record<string, 'off' | 'error'> = {}): void {
  const whole = run(text, 'all', rules);
  assert.deepEqual(mergeHalves(run(text, 'flow', rules), run(text, 'context', rules)), whole);
}

test('leaky.drvm: both halves together give the whole analysis, findings of both kinds included', () => {
  const whole = run(LEAKY_TEXT, 'all');
  const rules = new Set(whole.map((d) => d.rule));
  // Findings of each half are present, so the test really compares both.
  assert.ok(rules.has('quota-in-dpc') && rules.has('shared-tag'), [...rules].join());
  assert.ok(rules.has('unbalanced-allocation'), [...rules].join());
  assertSame(LEAKY_TEXT);
  // Configured severities and `off` apply in each half.
  assertSame(LEAKY_TEXT, { 'shared-tag': 'off', 'unbalanced-allocation': 'error' });
});

test('the fixture drivers and a generated 2k-line script', () => {
  for (const text of fixtureTexts()) assertSame(text);
  assertSame(generateScript(2000));
});

test('random scripts (fast-check): merge(flow, context) equals the whole analysis', () => {
  fc.assert(
    fc.property(scriptArb(), (text) => {
      assertSame(text);
    }),
    fcParams(300),
  );
});
