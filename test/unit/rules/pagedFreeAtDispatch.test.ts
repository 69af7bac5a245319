import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findings, leakyText, locate, positions, script } from '../linter/helpers';

const RULE = 'paged-free-at-dispatch';

describe('paged-free-at-dispatch', () => {
  it('flags the free in TimerDpc of leaky.drvm (line 31): g_Pending holds paged blocks pushed by ReadDispatch', () => {
    const text = leakyText();
    const found = findings(text, RULE);
    const free = locate(text, "ExFreePoolWithTag(buf, 'Abc ')");
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[31, free.column]]);
    assert.equal(found[0].range.end.column, free.column + "ExFreePoolWithTag(buf, 'Abc ')".length);
    assert.equal(found[0].severity, 'error');
    assert.match(found[0].message, /0xC4 \/ 0x11/);
    // Related information points at the paged allocation in ReadDispatch.
    const alloc = locate(text, 'ExAllocatePoolWithTag(PagedPool, 4K');
    assert.deepEqual(found[0].related?.map((r) => [r.range.start.line, r.range.start.column]), [[alloc.line, alloc.column]]);
  });

  it('follows a block through a local, a global, a list and a helper parameter', () => {
    const text = script(
      'global g_Buf;',
      'list g_Q;',
      'entry DriverEntry {',
      "    g_Buf = ExAllocatePoolWithTag(PagedPool, 8, 'Gb  ');",
      "    p = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Lq  ');",
      '    push g_Q, p;',
      '}',
      'dpc D {',
      "    local = ExAllocatePoolWithTag(PagedPool, 8, 'Lc  ');",
      "    ExFreePoolWithTag(local, 'Lc  ');",
      "    ExFreePoolWithTag(g_Buf, 'Gb  ');",
      "    foreach x in g_Q { ExFreePoolWithTag(x, 'Lq  '); }",
      '    q = pop g_Q;',
      '    Drop(q);',
      '}',
      'routine Drop(b) {',
      "    if (b != NULL) ExFreePoolWithTag(b, 'Lq  ');",
      '}',
    );
    assert.deepEqual(positions(text, RULE), [[10, 5], [11, 5], [12, 24], [17, 20]]);
    const helper = findings(text, RULE)[3];
    assert.match(helper.message, /D → Drop/);
  });

  it('flags RtlFreeUnicodeString at DISPATCH_LEVEL, and a free between KeRaiseIrql and KeLowerIrql', () => {
    const text = script(
      'dispatch IRP_MJ_CREATE C {',
      '    s = RtlAnsiStringToUnicodeString("name");',
      "    p = ExAllocatePoolWithTag(PagedPool, 8, 'Pp  ');",
      '    KeRaiseIrql(DISPATCH_LEVEL);',
      "    ExFreePoolWithTag(p, 'Pp  ');",
      '    KeLowerIrql();',
      '    KeAcquireSpinLock(L);',
      '    RtlFreeUnicodeString(s);',
      '    KeReleaseSpinLock(L);',
      '}',
    );
    assert.deepEqual(positions(text, RULE), [[5, 5], [8, 5]]);
  });

  it('does not flag non-paged frees at DISPATCH_LEVEL nor paged frees at PASSIVE_LEVEL', () => {
    const text = script(
      'list g_Q;',
      'dispatch IRP_MJ_READ R {',
      "    n = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Np  ');",
      '    push g_Q, n;',
      "    p = ExAllocatePoolWithTag(PagedPool, 8, 'Pp  ');",
      '    KeAcquireSpinLock(L);',
      "    ExFreePoolWithTag(n, 'Np  ');",
      '    KeReleaseSpinLock(L);',
      "    ExFreePoolWithTag(p, 'Pp  ');",
      '}',
      'dpc D {',
      '    x = pop g_Q;',
      "    ExFreePoolWithTag(x, 'Np  ');",
      "    p = ExAllocatePoolWithTag(PagedPool, 8, 'Pq  ');",
      '    p = NULL;',
      '    ExFreePool(p);',
      '}',
    );
    assert.deepEqual(positions(text, RULE), []);
  });
});
