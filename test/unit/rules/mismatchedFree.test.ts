import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mismatchedFree as RULE } from '../../../server/src/core/rules/mismatchedFree';
import { at, run, script } from './ownershipHelpers';

const LEAKY = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'leaky.drvm'), 'utf8');

describe('mismatched-free', () => {
  it('leaky.drvm has none', () => {
    assert.deepEqual(at(LEAKY, RULE), []);
  });

  it('the wrong release API, on the free call: 0xC2 / 0x99, or 0xC4 / 0x105 for ExFreePool* on an IRP', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    m = IoAllocateMdl(buffer, 4096);',
      '    ExFreePool(m);',
      "    p = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'Blk ');",
      '    IoFreeMdl(p);',
      '    i = IoAllocateIrp(2);',
      "    ExFreePoolWithTag(i, 'Irp ');",
      "    s = ExAllocatePoolWithTag(PagedPool, 16, 'Str ');",
      '    RtlFreeUnicodeString(s);',
      '    u = RtlAnsiStringToUnicodeString("name");',
      '    ExFreePool(u);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.severity]), [
      [3, 5, 'error'],
      [5, 5, 'error'],
      [7, 5, 'error'],
      [9, 5, 'error'],
      [11, 5, 'error'],
    ]);
    assert.match(found[0].message, /ExFreePool releases the MDL 'Mdl '.*IoFreeMdl.*0xC2 \/ 0x99/);
    assert.match(found[1].message, /IoFreeMdl releases the pool block 'Blk '.*ExFreePoolWithTag.*0xC2 \/ 0x99/);
    assert.match(found[2].message, /IRP.*0xC4 \/ 0x105/);
    assert.match(found[3].message, /RtlFreeUnicodeString releases the pool block 'Str '/);
    assert.match(found[4].message, /string buffer.*RtlFreeUnicodeString/);
  });

  it('the right APIs are quiet: IoFreeMdl, IoFreeIrp, IoFreeWorkItem, RtlFreeUnicodeString, ExFreePool2', () => {
    const text = script(
      'completion Done(irp) { IoFreeIrp(irp); }',
      'workitem Work(w) { IoFreeWorkItem(w); }',
      'dispatch IRP_MJ_READ R {',
      '    m = IoAllocateMdl(buffer, 4096);',
      '    if (m != NULL) IoFreeMdl(m);',
      '    u = RtlAnsiStringToUnicodeString("name");',
      '    if (u != NULL) RtlFreeUnicodeString(u);',
      "    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'P2  ');",
      "    if (p != NULL) ExFreePool2(p, 'P2  ');",
      '    w = IoAllocateWorkItem();',
      '    if (w != NULL) IoQueueWorkItem(w, Work);',
      '    i = IoAllocateIrp(1);',
      '    if (i == NULL) return;',
      '    IoSetCompletionRoutineEx(i, Done);',
      '    IoCallDriver(i);',
      '}',
    );
    assert.deepEqual(at(text, RULE), []);
  });

  it('through a hand-off and through a list: a completion routine that ExFreePools its IRP; IoFreeMdl on popped pool blocks', () => {
    const text = script(
      'list L;',
      'completion Done(irp) { ExFreePool(irp); }',
      'dispatch IRP_MJ_READ R {',
      '    i = IoAllocateIrp(1);',
      '    if (i == NULL) return;',
      '    IoSetCompletionRoutineEx(i, Done);',
      '    IoCallDriver(i);',
      "    b = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Lst ');",
      '    if (b != NULL) push L, b;',
      '}',
      'unload U { foreach m in L { IoFreeMdl(m); } }',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [
      [2, 24],
      [11, 29],
    ]);
    assert.match(found[0].message, /0xC4 \/ 0x105/);
    assert.match(found[0].message, /IoCallDriver at line 7/);
    assert.match(found[1].message, /list 'L'/);
  });
});
