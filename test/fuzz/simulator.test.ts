/**
 * Property tests of the pool simulator (issue #7). On generated runnable scripts, with random
 * seeds, Low Resources Simulation, PoolHitTag and --continue-on-bugcheck:
 * - it returns a result or throws a SimulationError, nothing else;
 * - the books balance the way PoolMon / !poolused count: for every tag and pool,
 *   allocs − frees = diff = the live blocks listed in `outstanding`, and used = the sum of
 *   their sizes; every process's quota charge = the sizes of its live quota blocks (so it
 *   returns to zero once they are freed); totals agree with the rows;
 * - it is deterministic (same inputs → deep-equal results) and bounded (steps ≤ maxSteps,
 *   breaks ≤ maxHits, timeline ≤ 1,000 samples + snapshots);
 * - the result is plain JSON data (what `simulate --json` and the worker transport need).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/core/parser';
import { check } from '../../server/src/core/checker';
import { canRun, simulate, SimulationError } from '../../server/src/core/simulator/index';
import type { SimulationOptions } from '../../server/src/core/simulator/contract';
import type { SimulationResult } from '../../server/src/core/simulator/result';
import { scriptArb, TAG_POOL } from './arbitraries';
import { fcParams } from './config';
import { timedStable } from './invariants';

const MAX_STEPS = 5_000;

/** A runnable script and simulation options. */
const runArb = fc.record({
  text: scriptArb({ runnable: true, depth: 2, maxStatements: 3, maxRepeat: 4 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  lowResources: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 100 })),
  continueOnBugcheck: fc.boolean(),
  hitTag: fc.oneof(fc.constant(undefined), fc.constantFrom(...TAG_POOL.map((t) => t.slice(1, -1)))),
  maxSteps: fc.oneof({ weight: 4, arbitrary: fc.constant(MAX_STEPS) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }) }),
  maxHits: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 5 })),
  scenarioIndex: fc.nat(1),
});

type Run = { result: SimulationResult } | { error: SimulationError };

function run(text: string, options: SimulationOptions): Run {
  const { script, diagnostics } = parse(text);
  const c = check(script);
  assert.ok(canRun([...diagnostics, ...c.diagnostics]), 'the generated script is runnable');
  try {
    return { result: simulate(script, c.symbols, options) };
  } catch (e) {
    if (e instanceof SimulationError) return { error: e };
    throw new Error(`simulate threw something other than SimulationError: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

function key(tag: string, pool: string) {
  return `${tag}/${pool}`;
}

/** Every accounting invariant; returns nothing, asserts. */
export function assertBalanced(r: SimulationResult, maxSteps: number, maxHits: number) {
  assert.ok(r.steps <= maxSteps, `steps ${r.steps} > maxSteps ${maxSteps}`);
  const live = new Map<string, { count: number; bytes: number }>();
  const addresses = new Set<string>();
  for (const b of r.outstanding) {
    assert.match(b.address, /^[0-9a-f]{8}`[0-9a-f]{8}$/, 'WinDbg address form');
    assert.equal(parseInt(b.address.slice(-1), 16) % 16, 0, `${b.address} is 16-byte aligned`);
    assert.ok(!addresses.has(b.address), `address ${b.address} used by two live blocks`);
    addresses.add(b.address);
    assert.ok(Number.isSafeInteger(b.size) && b.size >= 0, `size ${b.size}`);
    const k = key(b.tag, b.pool);
    const e = live.get(k) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += b.size;
    live.set(k, e);
  }
  let allocs = 0;
  let frees = 0;
  const tags = new Set<string>();
  for (const row of r.poolused) {
    assert.equal(row.tag.length, 4, `tag ${JSON.stringify(row.tag)} is 4 characters`);
    assert.ok(!tags.has(row.tag), `tag ${row.tag} has two rows`);
    tags.add(row.tag);
    for (const [pool, c] of [
      ['NonPagedPool', row.nonPaged],
      ['PagedPool', row.paged],
    ] as const) {
      const where = `'${row.tag}' ${pool}`;
      assert.equal(c.allocs - c.frees, c.diff, `${where}: allocs − frees = diff`);
      assert.ok(c.diff >= 0 && c.used >= 0, `${where}: diff ${c.diff}, used ${c.used}`);
      const l = live.get(key(row.tag, pool)) ?? { count: 0, bytes: 0 };
      assert.equal(c.diff, l.count, `${where}: diff = live blocks in outstanding`);
      assert.equal(c.used, l.bytes, `${where}: used = sum of live block sizes`);
      live.delete(key(row.tag, pool));
      allocs += c.allocs;
      frees += c.frees;
    }
  }
  assert.deepEqual([...live.keys()], [], 'every live block has a !poolused row');
  assert.equal(r.allocations, allocs, 'allocations = sum of allocs over rows');
  assert.equal(r.frees, frees, 'frees = sum of frees over rows');
  // Quota: the current charge of each process is exactly its live quota blocks.
  const charged = new Map<string, { paged: number; nonPaged: number }>();
  for (const b of r.outstanding) {
    if (b.process === undefined) continue;
    const q = charged.get(b.process) ?? { paged: 0, nonPaged: 0 };
    if (b.pool === 'PagedPool') q.paged += b.size;
    else q.nonPaged += b.size;
    charged.set(b.process, q);
  }
  for (const q of r.quota) {
    const want = charged.get(q.process) ?? { paged: 0, nonPaged: 0 };
    assert.equal(q.paged, want.paged, `quota of ${q.process} (paged) = its live quota blocks`);
    assert.equal(q.nonPaged, want.nonPaged, `quota of ${q.process} (non-paged) = its live quota blocks`);
    charged.delete(q.process);
  }
  for (const [p, q] of charged) assert.ok(q.paged === 0 && q.nonPaged === 0, `process ${p} is charged but has no quota row`);
  assert.ok(r.hits.length <= maxHits, `${r.hits.length} breaks > maxHits ${maxHits}`);
  assert.ok(r.hitsDropped >= 0);
  for (let i = 1; i < r.timeline.length; i++) assert.ok(r.timeline[i].step >= r.timeline[i - 1].step, 'timeline in step order');
  const snapshots = r.timeline.filter((t) => t.label !== null).length;
  assert.ok(r.timeline.length <= 1_001 + snapshots, `${r.timeline.length} timeline points`);
  for (const b of [r.bugcheck, ...(r.bugchecks ?? [])]) {
    if (!b) continue;
    assert.equal(b.params.length, 4);
    for (const p of b.params) assert.match(p, /^0x[0-9A-Fa-f]+$/, `bug check parameter ${p}`);
    assert.match(b.code, /^0x[0-9A-F]+$/);
  }
}

/** Plain JSON: no undefined in arrays, no NaN/Infinity, no functions, no cycles. */
function assertPlainJson(v: unknown, path = 'result'): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    assert.ok(Number.isFinite(v), `${path} is ${v}`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      assert.notEqual(x, undefined, `${path}[${i}] is undefined`);
      assertPlainJson(x, `${path}[${i}]`);
    });
    return;
  }
  if (typeof v === 'object') {
    assert.equal(Object.getPrototypeOf(v), Object.prototype, `${path} is a plain object`);
    for (const [k, x] of Object.entries(v as object)) if (x !== undefined) assertPlainJson(x, `${path}.${k}`);
    return;
  }
  assert.fail(`${path} has type ${typeof v}`);
}

describe('simulator fuzz', () => {
  it('returns or throws SimulationError; accounting balances; bounded; plain JSON (10,000 runs)', () => {
    let finished = 0;
    let stopped = 0;
    fc.assert(
      fc.property(runArb, (o) => {
        const options: SimulationOptions = {
          file: 'fuzz.drvm',
          seed: o.seed,
          lowResources: o.lowResources,
          continueOnBugcheck: o.continueOnBugcheck,
          hitTag: o.hitTag,
          maxSteps: o.maxSteps,
          maxHits: o.maxHits,
          scenario: parse(o.text).script.scenarios[o.scenarioIndex]?.name,
        };
        const { value: r, ms } = timedStable(() => run(o.text, options), 2_000);
        assert.ok(ms < 2_000, `simulate took ${ms.toFixed(0)} ms`);
        if ('error' in r) {
          stopped++;
          assert.ok(['budget', 'recursion'].includes(r.error.kind), `unexpected SimulationError ${r.error.kind}: ${r.error.message}`);
          assert.ok(r.error.message.length > 0);
          if (r.error.kind === 'budget') assert.match(r.error.message, /fuzz\.drvm:\d+/, 'the budget message names file and line');
          return;
        }
        finished++;
        assertBalanced(r.result, o.maxSteps, o.maxHits ?? 10_000);
        assertPlainJson(r.result);
        assert.equal(r.result.seed, o.seed);
        if (!o.continueOnBugcheck) assert.equal(r.result.bugchecks, undefined);
      }),
      fcParams(10_000),
    );
    // The generator must exercise both outcomes, or the property proves little.
    assert.ok(finished > stopped, `finished ${finished}, stopped ${stopped}`);
  });

  it('is deterministic: same script, scenario, seed and options give deep-equal results (3,000 runs)', () => {
    fc.assert(
      fc.property(runArb, (o) => {
        const options: SimulationOptions = { seed: o.seed, lowResources: o.lowResources, continueOnBugcheck: o.continueOnBugcheck, hitTag: o.hitTag, maxSteps: o.maxSteps };
        const a = run(o.text, options);
        const b = run(o.text, options);
        if ('error' in a) {
          assert.ok('error' in b);
          assert.equal(a.error.message, b.error.message);
        } else {
          assert.ok('result' in b);
          assert.deepStrictEqual(b.result, a.result);
          assert.equal(JSON.stringify(b.result), JSON.stringify(a.result));
        }
      }),
      fcParams(3_000, 0.3),
    );
  });

  it('PoolHitTag breaks are exactly the allocations and frees of that tag (2,000 runs)', () => {
    let withBreaks = 0;
    let runs = 0;
    fc.assert(
      fc.property(runArb, fc.constantFrom(...TAG_POOL.map((t) => t.slice(1, -1).padEnd(4, ' '))), (o, hitTag) => {
        // Without `hittag` steps the tag is in force for the whole run.
        const text = o.text.replace(/hittag [^;]*;/g, 'snapshot;');
        const r = run(text, { seed: o.seed, hitTag, continueOnBugcheck: o.continueOnBugcheck, maxSteps: MAX_STEPS, maxHits: 1_000_000 });
        if ('error' in r) return;
        const row = r.result.poolused.find((x) => x.tag === hitTag);
        const events = row ? row.nonPaged.allocs + row.nonPaged.frees + row.paged.allocs + row.paged.frees : 0;
        assert.equal(r.result.hits.length + r.result.hitsDropped, events, `breaks for '${hitTag}'`);
        assert.equal(r.result.hitsDropped, 0);
        for (const h of r.result.hits) {
          assert.equal(h.tag, hitTag);
          assert.ok(h.stack.length > 0 && /^nt!/.test(h.stack[0].frame), 'the innermost frame is the API');
        }
        assert.equal(r.result.hits.filter((h) => h.event === 'alloc').length, row ? row.nonPaged.allocs + row.paged.allocs : 0);
        runs++;
        if (events > 0) withBreaks++;
      }),
      fcParams(2_000, 0.2),
    );
    assert.ok(withBreaks > runs / 10, `only ${withBreaks} of ${runs} runs had a break`);
  });

  it('with every allocation failing (--low-resources 100) nothing is ever live', () => {
    fc.assert(
      fc.property(runArb, (o) => {
        const text = o.text.replace(/POOL_FLAG_RAISE_ON_FAILURE/g, 'POOL_FLAG_UNINITIALIZED');
        const r = run(text, { seed: o.seed, lowResources: 100, continueOnBugcheck: true, maxSteps: MAX_STEPS });
        if ('error' in r) return;
        // System-tagged blocks (MDL, IRP, work item, completion context) are not pool allocations
        // of the driver's own; only assert on ExAllocatePool* blocks.
        const pool = r.result.outstanding.filter((b) => b.kind === 'pool');
        assert.deepEqual(pool, [], 'no pool block survives when every allocation fails');
        for (const q of r.result.quota) assert.deepEqual([q.paged, q.nonPaged], [0, 0]);
      }),
      fcParams(1_000, 0.1),
    );
  });
});
