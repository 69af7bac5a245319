import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { doubleFree as RULE } from '../../../server/src/core/rules/doubleFree';
import { at, locate, run, script } from './ownershipHelpers';

const LEAKY = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'leaky.drvm'), 'utf8');

describe('double-free', () => {
  it('leaky.drvm has none', () => {
    assert.deepEqual(at(LEAKY, RULE), []);
  });

  it('the same block freed twice on some path: on the second free, predicting 0xC2 / 0x07', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      "    p = ExAllocatePoolWithTag(PagedPool, 8, 'Twic');",
      '    if (p == NULL) return;',
      '    if (chance(5%)) {',
      "        ExFreePoolWithTag(p, 'Twic');",
      '    }',
      '    ExFreePool(p);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.severity]), [[7, 5, 'error']]);
    assert.match(found[0].message, /'p' is freed a second time/);
    assert.match(found[0].message, /line 5/);
    assert.match(found[0].message, /0xC2 \/ 0x07/);
    assert.deepEqual(found[0].related?.map((r) => r.range.start.line), [5]);
  });

  it('through an alias and through a helper that frees its parameter', () => {
    const text = script(
      'routine Release(x) { ExFreePoolWithTag(x, \'Hlp \'); }',
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    b = a;',
      '    ExFreePool(a);',
      '    ExFreePool(b);',
      "    c = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    Release(c);',
      "    ExFreePoolWithTag(c, 'Hlp ');",
      "    d = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      "    ExFreePoolWithTag(d, 'Hlp ');",
      '    Release(d);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [
      [6, 5],
      [9, 5],
      [12, 5],
    ]);
    assert.match(found[2].message, /Release frees it at line 1/);
  });

  it('free-then-NULL, pop-per-call and NULL-checked frees are not double frees', () => {
    const text = script(
      'global g_Ctx;',
      'list L;',
      'dispatch IRP_MJ_CLOSE Close {',
      "    if (g_Ctx != NULL) ExFreePoolWithTag(g_Ctx, 'Ctx ');",
      '    g_Ctx = NULL;',
      '    p = pop L;',
      "    if (p != NULL) ExFreePoolWithTag(p, 'Lst ');",
      '    q = pop L;',
      "    if (q != NULL) ExFreePoolWithTag(q, 'Lst ');",
      '}',
      'dispatch IRP_MJ_READ R {',
      "    x = ExAllocatePoolWithTag(PagedPool, 8, 'Lst ');",
      '    if (x == NULL) return;',
      '    push L, x;',
      "    y = ExAllocatePoolWithTag(PagedPool, 8, 'Tmp ');",
      "    ExFreePoolWithTag(y, 'Tmp ');",
      '    y = NULL;',
      "    if (y != NULL) ExFreePoolWithTag(y, 'Tmp ');",
      '}',
      'entry E { g_Ctx = ExAllocatePoolWithTag(PagedPool, 8, \'Ctx \'); }',
      "unload U { if (g_Ctx != NULL) ExFreePoolWithTag(g_Ctx, 'Ctx '); foreach p in L { ExFreePool(p); } }",
    );
    assert.deepEqual(at(text, RULE), []);
  });

  it('a global freed by IRP_MJ_CLOSE and left dangling is freed again by unload', () => {
    const text = script(
      'global g_Ctx;',
      "entry E { g_Ctx = ExAllocatePoolWithTag(PagedPool, 8, 'Ctx '); }",
      'dispatch IRP_MJ_CLOSE Close {',
      "    ExFreePoolWithTag(g_Ctx, 'Ctx ');",
      '}',
      'unload U {',
      "    if (g_Ctx != NULL) ExFreePoolWithTag(g_Ctx, 'Ctx ');",
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [locate(text, 'ExFreePoolWithTag(g_Ctx', 2)]);
    assert.match(found[0].message, /'g_Ctx' may already have been freed by Close at line 4/);
    assert.match(found[0].message, /Set 'g_Ctx' to NULL/);
    assert.deepEqual(found[0].related?.map((r) => r.range.start.line), [4]);
    const fixed = text.replace("ExFreePoolWithTag(g_Ctx, 'Ctx ');\n}", "ExFreePoolWithTag(g_Ctx, 'Ctx ');\n    g_Ctx = NULL;\n}");
    assert.deepEqual(at(fixed, RULE), []);
  });

  it('a global freed once by IRP_MJ_CLOSE (not set to NULL) and never again is not a double free', () => {
    const text = script(
      'global g_Ctx;',
      "entry E { g_Ctx = ExAllocatePoolWithTag(PagedPool, 8, 'Ctx '); }",
      "dispatch IRP_MJ_CLOSE Close { ExFreePoolWithTag(g_Ctx, 'Ctx '); }",
      'unload U { }',
    );
    assert.deepEqual(at(text, RULE), []);
  });
});
