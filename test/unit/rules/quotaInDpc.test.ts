import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, findings, fixNamed, leakyText, locate, positions, script } from '../linter/helpers';

const RULE = 'quota-in-dpc';

describe('quota-in-dpc', () => {
  it('flags the quota allocation of leaky.drvm in TimerDpc (line 28) and predicts 0xC4 / 0x10B', () => {
    const text = leakyText();
    const found = findings(text, RULE);
    const call = locate(text, 'ExAllocatePoolWithQuotaTag(NonPagedPool');
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[28, call.column]]);
    assert.equal(found[0].severity, 'error');
    // Placed on the call: from the API name to the closing ')'.
    assert.equal(found[0].range.end.column, locate(text, "'Tron');").column + "'Tron')".length);
    assert.match(found[0].message, /0xC4 \/ 0x10B/);
    assert.match(found[0].message, /TimerDpc/);
  });

  it('names the chain and points at each call when the allocation sits in a helper', () => {
    const text = script(
      'dpc TimerDpc {',
      '    UpdateStats();',
      '}',
      'routine UpdateStats {',
      '    Charge();',
      '}',
      'routine Charge {',
      "    s = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 64, 'Stat');",
      "    if (s != NULL) ExFreePoolWithTag(s, 'Stat');",
      '}',
    );
    const [d] = findings(text, RULE);
    assert.deepEqual([d.range.start.line, d.range.start.column], [8, 9]);
    assert.match(d.message, /TimerDpc → UpdateStats → Charge/);
    assert.deepEqual(
      d.related?.map((r) => [r.range.start.line, r.range.start.column, r.message]),
      [
        [2, 5, 'TimerDpc calls UpdateStats here'],
        [5, 5, 'UpdateStats calls Charge here'],
      ],
    );
  });

  it('still flags a helper that PASSIVE_LEVEL code also calls: one context is enough', () => {
    const text = script(
      'dispatch IRP_MJ_READ ReadDispatch { UpdateStats(); }',
      'dpc TimerDpc { UpdateStats(); }',
      'routine UpdateStats {',
      "    s = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_USE_QUOTA, 64, 'Stat');",
      "    ExFreePoolWithTag(s, 'Stat');",
      '}',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[4, 9]]);
    assert.match(found[0].message, /TimerDpc → UpdateStats/);
  });

  it('flags every quota form, in a completion routine too, and points at who queues the DPC', () => {
    const text = script(
      'dispatch IRP_MJ_WRITE W {',
      '    KeInsertQueueDpc(D);',
      '    i = IoAllocateIrp(1);',
      '    IoSetCompletionRoutineEx(i, Done);',
      '    IoCallDriver(i);',
      '}',
      'dpc D {',
      '    a = ExAllocatePoolWithQuota(NonPagedPoolNx, 8);',
      "    b = ExAllocatePoolQuotaZero(NonPagedPoolNx, 8, 'Qz  ');",
      '    ExFreePool(a);',
      '    ExFreePool(b);',
      '}',
      'completion Done(irp) {',
      "    c = ExAllocatePool3(POOL_FLAG_USE_QUOTA | POOL_FLAG_NON_PAGED, 8, 'Q3  ');",
      '    ExFreePool(c);',
      '    IoFreeIrp(irp);',
      '}',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[8, 9], [9, 9], [14, 9]]);
    assert.deepEqual(found[0].related?.map((r) => [r.range.start.line, r.message]), [[2, 'D is queued here and runs at DISPATCH_LEVEL in an arbitrary process']]);
    assert.match(found[2].message, /completion routine Done/);
    assert.match(found[2].message, /0x10B/);
  });

  it('does not flag quota at PASSIVE_LEVEL, under a spin lock in a dispatch routine, or non-quota allocations in a DPC', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    KeAcquireSpinLock(L);',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      '    KeReleaseSpinLock(L);',
      "    ExFreePoolWithTag(a, 'Qa  ');",
      '}',
      'workitem Work(w) {',
      "    b = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA, 8, 'Qb  ');",
      "    ExFreePoolWithTag(b, 'Qb  ');",
      '    IoFreeWorkItem(w);',
      '}',
      'dpc D {',
      "    c = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Qc  ');",
      "    ExFreePoolWithTag(c, 'Qc  ');",
      '}',
    );
    assert.deepEqual(positions(text, RULE), []);
  });

  it('"Allocate without quota" comes first, is preferred, and removes the finding', () => {
    const text = script(
      'dpc D {',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_USE_QUOTA | POOL_FLAG_UNINITIALIZED, 8, 'Qb  ');",
      '    c = ExAllocatePoolWithQuota(NonPagedPoolNx, 8);',
      "    e = ExAllocatePoolQuotaZero(NonPagedPoolNx, 8, 'Qe  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      "    ExFreePoolWithTag(b, 'Qb  ');",
      '    ExFreePool(c);',
      '    ExFreePool(e);',
      '}',
    );
    const found = findings(text, RULE);
    assert.equal(found.length, 4);
    let fixed = text;
    // Apply one at a time (re-linting in between), last finding first so offsets stay valid.
    for (let i = found.length - 1; i >= 0; i--) {
      const d = findings(fixed, RULE)[i];
      assert.equal(d.fixes?.[0].title, 'Allocate without quota');
      assert.equal(d.fixes?.[0].isPreferred, true);
      assert.equal(d.fixes?.at(-1)?.title, 'Disable quota-in-dpc for this line');
      fixed = applyFix(fixed, fixNamed(d, 'Allocate without quota'));
    }
    assert.deepEqual(positions(fixed, RULE), []);
    assert.match(fixed, /a = ExAllocatePoolWithTag\(NonPagedPoolNx, 8, 'Qa  '\);/);
    assert.match(fixed, /b = ExAllocatePool2\(POOL_FLAG_NON_PAGED \| POOL_FLAG_UNINITIALIZED, 8, 'Qb  '\);/);
    assert.match(fixed, /c = ExAllocatePool\(NonPagedPoolNx, 8\);/);
    assert.match(fixed, /e = ExAllocatePoolZero\(NonPagedPoolNx, 8, 'Qe  '\);/);
  });

  it('applies the fix to leaky.drvm and re-lints clean for this rule', () => {
    const text = leakyText();
    const [d] = findings(text, RULE);
    const fixed = applyFix(text, fixNamed(d, 'Allocate without quota'));
    assert.deepEqual(positions(fixed, RULE), []);
  });
});
