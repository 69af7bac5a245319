/**
 * The two examples of the contract, linted whole: every finding as a (rule, line) pair, the way
 * the acceptance checks read them. The findings are the ones the examples' own comments name
 * (plus the deprecated-allocator hints on the legacy allocators they use on purpose):
 * - language.md's complete example: `unbalanced-allocation` sits on the allocation of `buf`
 *   (line 10), not on the `return` that its comment marks; `quota-in-dpc` on the quota
 *   allocation; `paged-free-at-dispatch` on the free in the DPC.
 * - shared/examples/leaky.drvm (kept as examples/leaky.drvm): the same routines three header
 *   comment lines lower, plus WriteDispatch, whose 'Abc ' makes both allocation literals
 *   `shared-tag` findings.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lint } from '../../../server/src/core/linter';
import { leakyText } from './helpers';

const pairs = (text: string): string[] => lint(text).diagnostics.map((d) => `${d.rule}@${d.range.start.line}`);

describe('the contract examples, linted', () => {
  it("language.md's complete example: exactly the findings its comments name", () => {
    const text = readFileSync(join(__dirname, '../../fixtures/spec/language-example.drvm'), 'utf8');
    assert.deepEqual(pairs(text), [
      'deprecated-allocator@10',
      'unbalanced-allocation@10',
      'deprecated-allocator@19',
      'quota-in-dpc@19',
      'paged-free-at-dispatch@22',
    ]);
  });

  it('examples/leaky.drvm: the same findings 3 lines lower, and shared-tag on both Abc literals', () => {
    const expected = 'deprecated-allocator unbalanced-allocation shared-tag@14 deprecated-allocator shared-tag@23 deprecated-allocator quota-in-dpc@28 paged-free-at-dispatch@31';
    // `a b@14` is shorthand for a@14, b@14.
    const lines = expected.split(/(?<=@\d+) /).flatMap((group) => {
      const [rules, line] = group.split('@');
      return rules.split(' ').map((r) => `${r}@${line}`);
    });
    assert.deepEqual(pairs(leakyText()), lines);
  });

  it('the bundled example equals the one the contract ships, when it sits beside the repository', () => {
    const shared = join(__dirname, '../../../../shared/examples/leaky.drvm');
    let contract: string | undefined;
    try {
      contract = readFileSync(shared, 'utf8');
    } catch {
      contract = undefined; // not checked out beside the repository
    }
    if (contract !== undefined) assert.equal(leakyText(), contract);
  });
});
