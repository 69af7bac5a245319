/**
 * The ownership rules on hostile input: every prefix and many mutations of real scripts
 * (syntax errors everywhere) never throw, and scripts shaped to explode a path-by-path
 * analysis (long chains of branches, deeply nested loops, thousands of allocations in one
 * routine) finish quickly with the expected findings.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { allFindings, at, script } from './ownershipHelpers';
import { unbalancedAllocation } from '../../../server/src/core/rules/unbalancedAllocation';

const ROOT = join(__dirname, '..', '..', '..');
const SOURCES = [
  readFileSync(join(ROOT, 'examples', 'leaky.drvm'), 'utf8'),
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'drivers')).map((f) => readFileSync(join(ROOT, 'test', 'fixtures', 'drivers', f), 'utf8')),
];

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ownership rules: robustness and linear cost', () => {
  it('never throw on any prefix of the example and fixtures (cut every 13 characters)', () => {
    let runs = 0;
    for (const text of SOURCES) {
      for (let cut = 0; cut <= text.length; cut += 13) {
        allFindings(text.slice(0, cut));
        runs++;
      }
    }
    assert.ok(runs > 150);
  });

  it('never throw on 400 random mutations (deleted, duplicated and swapped tokens)', () => {
    const rnd = prng(20261123);
    const pieces = ['{', '}', ';', '(', ')', 'return;', 'NULL', 'pop', 'push', 'foreach', 'repeat 3', 'if (x == NULL)', 'x = ', 'ExFreePool(x);'];
    for (let i = 0; i < 400; i++) {
      let text = SOURCES[i % SOURCES.length];
      for (let k = 0; k < 3; k++) {
        const at = Math.floor(rnd() * text.length);
        const op = rnd();
        if (op < 0.4) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 12));
        else if (op < 0.8) text = text.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)] + text.slice(at);
        else text = text.slice(0, at) + text.slice(at, at + 20) + text.slice(at);
      }
      assert.doesNotThrow(() => allFindings(text), `mutation ${i} threw`);
    }
  });

  it('2,000 chance branches in a row: merged states, one finding, in linear time', () => {
    const body = ["    p = ExAllocatePoolWithTag(PagedPool, 8, 'Many');", '    if (p == NULL) return;'];
    for (let i = 0; i < 2000; i++) body.push(`    if (chance(1%)) { q${i % 7} = p; } else { q${i % 5} = NULL; }`);
    body.push('    if (chance(1%)) return;', "    ExFreePoolWithTag(p, 'Many');");
    const text = script('dispatch IRP_MJ_READ R {', ...body, '}');
    const t0 = performance.now();
    const found = at(text, unbalancedAllocation);
    const ms = performance.now() - t0;
    assert.deepEqual(found, [[2, 9]]);
    assert.ok(ms < 8000, `took ${ms.toFixed(0)} ms`);
  });

  it('loops nested 40 deep and 5,000 allocations in one routine stay fast', () => {
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < 40; i++) {
      open.push(`${' '.repeat(4 + i)}repeat 2 {`);
      close.unshift(`${' '.repeat(4 + i)}}`);
    }
    const nested = script(
      'dispatch IRP_MJ_READ R {',
      ...open,
      "        b = ExAllocatePoolWithTag(PagedPool, 8, 'Deep');",
      ...close,
      '}',
    );
    const many: string[] = [];
    for (let i = 0; i < 5000; i++) many.push(`    a${i} = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Many');`, `    if (a${i} != NULL) ExFreePool(a${i});`);
    many.push("    last = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Last');");
    const long = script('dispatch IRP_MJ_WRITE W {', ...many, '}');
    const t0 = performance.now();
    assert.deepEqual(at(nested, unbalancedAllocation), [[42, 13]]);
    assert.deepEqual(at(long, unbalancedAllocation), [[10002, 12]]);
    const ms = performance.now() - t0;
    assert.ok(ms < 8000, `took ${ms.toFixed(0)} ms`);
  });
});
