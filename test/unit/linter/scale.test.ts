import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { check } from '../../../server/src/core/checker';
import { parse } from '../../../server/src/core/parser';
import { deprecatedAllocator } from '../../../server/src/core/rules/deprecatedAllocator';
import { pagedAtDispatch } from '../../../server/src/core/rules/pagedAtDispatch';
import { pagedFreeAtDispatch } from '../../../server/src/core/rules/pagedFreeAtDispatch';
import { quotaInDpc } from '../../../server/src/core/rules/quotaInDpc';
import type { RuleDefinition } from '../../../server/src/core/rules/rule';
import { sharedTag } from '../../../server/src/core/rules/sharedTag';
import { untaggedAllocation } from '../../../server/src/core/rules/untaggedAllocation';

const MINE: RuleDefinition[] = [quotaInDpc, pagedFreeAtDispatch, pagedAtDispatch, sharedTag, untaggedAllocation, deprecatedAllocator];

/** Runs the context and tag rules; returns the findings and the time they took. */
function runMine(lines: string[]): { found: string[]; ms: number } {
  const text = lines.join('\n') + '\n';
  const { script } = parse(text);
  const { symbols } = check(script);
  const t0 = performance.now();
  const found = MINE.flatMap((r) => r.check({ text, file: 't.drvm', script, symbols })).map((d) => `${d.rule}@${d.range.start.line}`);
  return { found, ms: performance.now() - t0 };
}

// Generous bounds: the machine is shared; quadratic behaviour would take minutes here, not seconds.
const BOUND_MS = 8000;

describe('context and tag rules at scale', () => {
  it('5,000 allocations sharing one tag in one routine', () => {
    const body: string[] = [];
    for (let i = 0; i < 5000; i++) body.push(`    a${i} = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Many');`, `    if (a${i} != NULL) ExFreePoolWithTag(a${i}, 'Many');`);
    const { found, ms } = runMine(['dispatch IRP_MJ_WRITE W {', ...body, '}']);
    assert.equal(found.filter((f) => f.startsWith('shared-tag@')).length, 5000);
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });

  it('2,000 branches that may take one of nine spin locks, then a paged free', () => {
    const body = ["    p = ExAllocatePoolWithTag(PagedPool, 8, 'Pgd ');"];
    for (let i = 0; i < 2000; i++) body.push(`    if (chance(1%)) { KeAcquireSpinLock(L${i % 9}); q = p; } else { KeReleaseSpinLock(L${i % 9}); q = NULL; }`);
    body.push("    ExFreePoolWithTag(q, 'Pgd ');");
    const { found, ms } = runMine(['dispatch IRP_MJ_READ R {', ...body, '}']);
    assert.deepEqual(found.filter((f) => f.startsWith('paged-')), ['paged-free-at-dispatch@2003']);
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });

  it('loops nested 60 deep and a chain of 300 helpers', () => {
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < 60; i++) {
      open.push(`repeat 2 { if (chance(5%)) KeAcquireSpinLock(L${i});`);
      close.push('}');
    }
    const nested = ['dispatch IRP_MJ_READ R {', ...open, "b = ExAllocatePoolWithTag(PagedPool, 8, 'Deep'); ExFreePoolWithTag(b, 'Deep');", ...close, '}'];
    const helpers: string[] = ['dpc D { H0(); }'];
    for (let i = 0; i < 300; i++) helpers.push(`routine H${i} { H${i + 1}(); }`);
    helpers.push("routine H300 { s = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Deep'); ExFreePool(s); }");
    const { found, ms } = runMine([...nested, ...helpers]);
    assert.ok(found.includes('paged-at-dispatch@62'), found.join());
    assert.ok(found.includes(`quota-in-dpc@${123 + 1 + 300 + 1}`), found.join());
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });
});
