import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyEdits } from '../../../server/src/core/fixes';
import { lint } from '../../../server/src/core/linter';
import { parse } from '../../../server/src/core/parser';
import { leakyText } from './helpers';

const MINE = new Set(['quota-in-dpc', 'paged-free-at-dispatch', 'paged-at-dispatch', 'shared-tag', 'untagged-allocation', 'deprecated-allocator']);

/** leaky.drvm with a slice deleted, duplicated or replaced by a token — broken scripts of every shape. */
const mutatedLeaky = fc
  .array(
    fc.record({
      at: fc.nat(),
      length: fc.nat({ max: 40 }),
      op: fc.constantFrom('delete', 'duplicate', 'insert'),
      token: fc.constantFrom('{', '}', ';', '(', ')', "'", 'dpc X {', 'KeAcquireSpinLock(L);', 'return;', 'p = pop g_Pending;', 'UpdateStats();', '\n'),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((ops) => {
    let text = leakyText();
    for (const { at, length, op, token } of ops) {
      const i = at % (text.length + 1);
      const j = Math.min(text.length, i + length);
      if (op === 'delete') text = text.slice(0, i) + text.slice(j);
      else if (op === 'duplicate') text = text.slice(0, j) + text.slice(i, j) + text.slice(j);
      else text = text.slice(0, i) + token + text.slice(i);
    }
    return text;
  });

describe('linter robustness', () => {
  it('the context and tag rules never throw on broken scripts, and their fixes apply cleanly', () => {
    fc.assert(
      fc.property(mutatedLeaky, (text) => {
        const result = lint(text);
        const mine = (result.internalErrors ?? []).filter((e) => MINE.has(e.rule));
        assert.deepEqual(mine, []);
        for (const d of result.diagnostics) {
          if (!MINE.has(d.rule)) continue;
          for (const fix of d.fixes ?? []) {
            const fixed = applyEdits(text, fix.edits);
            // A fix never adds a syntax error the script did not have.
            const before = parse(text).diagnostics.filter((x) => x.rule === 'syntax-error').length;
            const after = parse(fixed).diagnostics.filter((x) => x.rule === 'syntax-error').length;
            assert.ok(after <= before, `fix '${fix.title}' added a syntax error:\n${fixed}`);
          }
        }
      }),
      { numRuns: 150, seed: 20261123 },
    );
  });
});
