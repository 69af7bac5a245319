import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freeTagMismatch as RULE } from '../../../server/src/core/rules/freeTagMismatch';
import { at, run, script } from './ownershipHelpers';

const LEAKY = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'leaky.drvm'), 'utf8');

describe('free-tag-mismatch', () => {
  it('leaky.drvm has none (the tags match, also through g_Pending)', () => {
    assert.deepEqual(at(LEAKY, RULE), []);
  });

  it('ExFreePoolWithTag / ExFreePool2 with another tag, on the free call, predicting 0xC2 / 0x0A; ExFreePool is not checked', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Abc ');",
      "    ExFreePoolWithTag(a, 'Abd ');",
      "    b = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Pl2 ');",
      "    if (chance(50%)) ExFreePool2(b, 'Pl3 '); else ExFreePool2(b, 'Pl2 ');",
      "    c = ExAllocatePoolWithTag(PagedPool, 8, 'Abc ');",
      '    ExFreePool(c);',
      '    d = ExAllocatePool(PagedPool, 8);',
      "    ExFreePoolWithTag(d, 'Abc ');",
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.severity]), [
      [3, 5, 'error'],
      [5, 22, 'error'],
      [9, 5, 'error'],
    ]);
    assert.match(found[0].message, /tag 'Abd '.*'Abc '.*0xC2 \/ 0x0A/);
    assert.match(found[2].message, /'None'/);
  });

  it('across routines: a global and a list hold the tags of whatever is stored in them anywhere', () => {
    const text = script(
      'global g_Ctx;',
      'list g_Pending;',
      "entry E { g_Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Ctx '); }",
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Rd  ');",
      '    if (a != NULL) push g_Pending, a;',
      '}',
      'dispatch IRP_MJ_WRITE W {',
      "    b = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Wr  ');",
      '    if (b != NULL) push g_Pending, b;',
      '}',
      'dpc D {',
      '    p = pop g_Pending;',
      "    if (p != NULL) ExFreePoolWithTag(p, 'Rd  ');",
      '}',
      'unload U {',
      "    foreach q in g_Pending { ExFreePool(q); }",
      "    ExFreePoolWithTag(g_Ctx, 'Ctx2');",
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [
      [14, 20],
      [18, 5],
    ]);
    assert.match(found[0].message, /list 'g_Pending'.*'Wr  '/);
    assert.deepEqual(found[0].related?.map((r) => r.range.start.line), [9]);
    assert.match(found[1].message, /global 'g_Ctx' with tag 'Ctx2'.*'Ctx '/);
  });

  it('a helper that frees its parameter with the wrong tag: reported on the helper free, naming the call', () => {
    const text = script(
      "routine Release(x) { ExFreePoolWithTag(x, 'Hlp '); }",
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    Release(a);',
      "    b = ExAllocatePoolWithTag(PagedPool, 8, 'Oops');",
      '    Release(b);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[1, 22]]);
    assert.match(found[0].message, /'Oops'.*Release at line 6/);
  });
});
