/**
 * Property tests of the checker (symbols and structural rules): for any parse tree — of
 * generated, damaged or random text — `check` never throws and every diagnostic it reports
 * lies inside the document. Scripts built to be runnable have no structural error at all,
 * so the simulator fuzz really runs scenarios.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/core/parser';
import { check } from '../../server/src/core/checker';
import { runnableErrors } from '../../server/src/core/simulator/index';
import { anyScriptArb, scriptArb } from './arbitraries';
import { fcParams, fixtureTexts } from './config';
import { diagnosticProblems, timedStable } from './invariants';

const fixtures = fixtureTexts();

describe('checker fuzz', () => {
  it('never throws; diagnostics in the document; symbols consistent (10,000 inputs)', () => {
    fc.assert(
      fc.property(anyScriptArb(fixtures, { depth: 2, maxStatements: 3 }), (text) => {
        const { script } = parse(text);
        const { value: r, ms } = timedStable(() => check(script), 500);
        assert.ok(ms < 500, `check took ${ms.toFixed(0)} ms`);
        assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
        assert.equal(r.symbols.script, script);
        for (const [name, routine] of r.symbols.routines) assert.equal(routine.name.name, name);
        if (r.symbols.entry) assert.equal(r.symbols.entry.kind, 'entry');
        if (r.symbols.unload) assert.equal(r.symbols.unload.kind, 'unload');
        for (const [major, routine] of r.symbols.dispatch) {
          assert.equal(routine.kind, 'dispatch');
          assert.equal(routine.major?.name, major);
        }
        // routineAt never throws and answers for offsets in and out of the text.
        for (const off of [0, Math.floor(text.length / 2), text.length, text.length + 10]) r.symbols.routineAt(off);
      }),
      fcParams(10_000),
    );
  });

  it('runnable generated scripts have no structural error (5,000 scripts)', () => {
    fc.assert(
      fc.property(scriptArb({ runnable: true, depth: 2, maxStatements: 3 }), (text) => {
        const p = parse(text);
        const c = check(p.script);
        const structural = runnableErrors([...p.diagnostics, ...c.diagnostics]);
        assert.deepEqual(
          structural.map((d) => `${d.rule} ${d.range.start.line}:${d.range.start.column} ${d.message}`),
          [],
        );
      }),
      fcParams(5_000),
    );
  });
});
