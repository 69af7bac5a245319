import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, findings, fixNamed, leakyText, positions, script } from '../linter/helpers';

const RULE = 'paged-at-dispatch';

describe('paged-at-dispatch', () => {
  it('flags PagedPool, POOL_FLAG_PAGED and RtlAnsiStringToUnicodeString in a DPC, predicting 0xC4 / 0x01', () => {
    const text = script(
      'dpc D {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Pa  ');",
      "    b = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_UNINITIALIZED, 8, 'Pb  ');",
      '    s = RtlAnsiStringToUnicodeString("name");',
      "    c = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Pc  ');",
      '}',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.severity]), [
      [2, 9, 'error'],
      [3, 9, 'error'],
      [4, 9, 'error'],
    ]);
    for (const d of found) assert.match(d.message, /0xC4 \/ 0x01/);
    assert.match(found[0].message, /DPC routine D/);
  });

  it('flags between KeAcquireSpinLock and KeReleaseSpinLock only, pointing at the acquire', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      "    before = ExAllocatePoolWithTag(PagedPool, 8, 'Pa  ');",
      '    KeAcquireSpinLock(QueueLock);',
      "    inside = ExAllocatePoolWithTag(PagedPool, 8, 'Pb  ');",
      "    fine = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Pc  ');",
      '    KeReleaseSpinLock(QueueLock);',
      "    after = ExAllocatePoolWithTag(PagedPool, 8, 'Pd  ');",
      '}',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[4, 14]]);
    assert.match(found[0].message, /spin lock 'QueueLock' is held \(KeAcquireSpinLock, line 3\)/);
    assert.deepEqual(found[0].related?.map((r) => [r.range.start.line, r.range.start.column]), [[3, 5]]);
  });

  it('flags after KeRaiseIrql until KeLowerIrql, and on a branch that may hold a lock', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    KeRaiseIrql(DISPATCH_LEVEL);',
      "    a = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Pa  ');",
      '    KeLowerIrql();',
      "    b = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Pb  ');",
      '    if (chance(10%)) KeAcquireSpinLock(L);',
      "    c = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Pc  ');",
      '    KeRaiseIrql(APC_LEVEL);',
      "    d = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Pd  ');",
      '}',
    );
    assert.deepEqual(positions(text, RULE), [[3, 9], [7, 9], [9, 9]]);
  });

  it('follows helpers reached at DISPATCH_LEVEL and names the chain', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    KeAcquireSpinLock(L);',
      '    MakeBuffer();',
      '    KeReleaseSpinLock(L);',
      '}',
      'routine MakeBuffer {',
      "    p = ExAllocatePoolWithTag(PagedPool, 8, 'Pa  ');",
      "    ExFreePoolWithTag(p, 'Pa  ');",
      '}',
      'routine OnlyPassive {',
      "    q = ExAllocatePoolWithTag(PagedPool, 8, 'Pb  ');",
      "    ExFreePoolWithTag(q, 'Pb  ');",
      '}',
      'unload U { OnlyPassive(); }',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[7, 9]]);
    assert.match(found[0].message, /R → MakeBuffer/);
    assert.deepEqual(found[0].related?.map((r) => r.range.start.line), [3, 2]);
  });

  it("follows the caller's spin lock into a helper until the helper releases it", () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    KeAcquireSpinLock(QueueLock);',
      '    ReleaseAndLog();',
      '}',
      'routine ReleaseAndLog {',
      "    before = ExAllocatePoolWithTag(PagedPool, 8, 'Pa  ');",
      '    KeReleaseSpinLock(QueueLock);',
      "    after = ExAllocatePoolWithTag(PagedPool, 8, 'Pb  ');",
      "    ExFreePoolWithTag(before, 'Pa  ');",
      "    ExFreePoolWithTag(after, 'Pb  ');",
      '}',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[6, 14]]);
    assert.match(found[0].message, /in ReleaseAndLog, called from R while spin lock 'QueueLock' is held \(KeAcquireSpinLock, line 2\)/);
    assert.deepEqual(positions(text, 'paged-free-at-dispatch'), []);
  });

  it('stays quiet on leaky.drvm, non-paged allocations under spin locks and unreachable code', () => {
    assert.deepEqual(positions(leakyText(), RULE), []);
    const text = script(
      'dpc D {',
      "    a = ExAllocatePoolWithTag(NonPagedPool, 8, 'Pa  ');",
      "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Pb  ');",
      '    m = IoAllocateMdl(a, 8);',
      '    return;',
      "    c = ExAllocatePoolWithTag(PagedPool, 8, 'Pc  ');",
      '}',
    );
    assert.deepEqual(positions(text, RULE), []);
  });

  it('"Allocate from non-paged pool" removes the finding', () => {
    const text = script(
      'dpc D {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Pa  ');",
      "    b = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA, 8, 'Pb  ');",
      '}',
    );
    let fixed = text;
    for (let i = 1; i >= 0; i--) {
      const d = findings(fixed, RULE)[i];
      assert.equal(d.fixes?.[0].isPreferred, true);
      fixed = applyFix(fixed, fixNamed(d, 'Allocate from non-paged pool'));
    }
    assert.deepEqual(positions(fixed, RULE), []);
    assert.match(fixed, /ExAllocatePoolWithTag\(NonPagedPoolNx, 8/);
    assert.match(fixed, /ExAllocatePool2\(POOL_FLAG_NON_PAGED \| POOL_FLAG_USE_QUOTA, 8/);
  });
});
