/**
 * Differential check: on generated runnable scripts, every bug check of the simulator that one
 * of the ownership rules predicts is predicted by the linter — a leak at unload (0xC4 / 0x62)
 * by unbalanced-allocation or leak-at-unload, a double free (0xC2 / 0x07) by double-free, a
 * wrong tag (0xC2 / 0x0A) by free-tag-mismatch, ExFreePool on an IRP (0xC4 / 0x105) and other
 * wrong-API releases of live blocks (0xC2 / 0x99) by mismatched-free, locked pages at unload
 * (0xCB) by locked-pages-leak. (A release of a NULL pointer is 0x99 too, but no rule claims it.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lint } from '../../../server/src/core/linter';
import type { RuleName } from '../../../server/src/core/diagnostics';
import { canRun, simulate, SimulationError } from '../../../server/src/core/simulator/index';
import { scriptArb } from '../../fuzz/arbitraries';

const PREDICTED_BY: Record<string, RuleName[]> = {
  '0xC4 0x62': ['unbalanced-allocation', 'leak-at-unload'],
  '0xC2 0x07': ['double-free'],
  '0xC2 0x0A': ['free-tag-mismatch'],
  '0xC4 0x105': ['mismatched-free'],
  '0xC2 0x99': ['mismatched-free'],
  '0xCB': ['locked-pages-leak'],
};

describe('ownership rules vs the simulator', () => {
  it('every bug check the ownership rules claim is predicted by the linter (400 generated drivers)', () => {
    const samples = fc.sample(scriptArb({ runnable: true, depth: 2, maxStatements: 4, recursion: false }), { numRuns: 400, seed: 20261123 });
    const checked: Record<string, number> = {};
    const missed: string[] = [];
    for (const text of samples) {
      const r = lint(text);
      if (!canRun(r.diagnostics)) continue;
      const rules = new Set(r.diagnostics.map((d) => d.rule));
      for (const scenario of r.script.scenarios) {
        let b;
        try {
          b = simulate(r.script, r.symbols, { scenario: scenario.name, seed: 1, maxSteps: 200_000 }).bugcheck;
        } catch (e) {
          if (e instanceof SimulationError) continue;
          throw e;
        }
        if (!b) continue;
        const key = b.code === '0xCB' ? '0xCB' : `${b.code} ${b.params[0]}`;
        const want = PREDICTED_BY[key];
        if (!want) continue;
        if (key === '0xC2 0x99' && /NULL pointer|not a live|never allocated/.test(b.description)) continue;
        checked[key] = (checked[key] ?? 0) + 1;
        if (!want.some((w) => rules.has(w))) missed.push(`${key} (${b.description.slice(0, 120)})\n${text}`);
      }
    }
    assert.deepEqual(missed, []);
    assert.ok((checked['0xC4 0x62'] ?? 0) > 20, `too few leak bug checks to compare: ${JSON.stringify(checked)}`);
    assert.ok((checked['0xC2 0x07'] ?? 0) > 0, `no double free to compare: ${JSON.stringify(checked)}`);
  });
});
