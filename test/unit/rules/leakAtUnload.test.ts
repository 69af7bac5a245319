import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { leakAtUnload as RULE } from '../../../server/src/core/rules/leakAtUnload';
import { applyPreferred, at, locate, run, script } from './ownershipHelpers';

const LEAKY = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'leaky.drvm'), 'utf8');

function fixRemovesFinding(text: string, index = 0): string {
  const d = run(text, RULE)[index];
  assert.ok(d, 'expected a finding');
  const fixed = applyPreferred(text, d).text;
  const before = run(text, RULE).length;
  assert.equal(run(fixed, RULE).length, before - 1, `the fix did not remove the finding:\n${fixed}`);
  return fixed;
}

describe('leak-at-unload', () => {
  it('leaky.drvm: unload drains g_Pending with foreach and frees g_Ctx, so nothing is reported', () => {
    assert.deepEqual(at(LEAKY, RULE), []);
  });

  it('no unload routine: every block kept in a global is reported on its allocation call; the fix creates DriverUnload', () => {
    const text = script(
      'global g_Ctx;',
      'entry DriverEntry {',
      "    g_Ctx = ExAllocatePool2(POOL_FLAG_NON_PAGED, 0x200, 'Ctx ');",
      '}',
      'scenario s { load; }',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [locate(text, 'ExAllocatePool2')]);
    assert.match(found[0].message, /no unload routine/);
    assert.match(found[0].message, /0xC4 \/ 0x62/);
    assert.equal(found[0].fixes?.[0].title, "Free 'g_Ctx' in DriverUnload");
    const fixed = fixRemovesFinding(text);
    assert.match(fixed, /unload DriverUnload \{\n {4}if \(g_Ctx != NULL\) ExFreePoolWithTag\(g_Ctx, 'Ctx '\);\n\}\nscenario/);
  });

  it('an unload routine that forgets a global: the fix adds the free to it', () => {
    const text = script(
      'global g_Ctx, g_Other;',
      'entry DriverEntry {',
      "    g_Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Ctx ');",
      "    g_Other = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Oth ');",
      '}',
      'unload DriverUnload {',
      "    ExFreePoolWithTag(g_Other, 'Oth ');",
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[3, 13]]);
    assert.match(found[0].message, /global 'g_Ctx'/);
    assert.match(found[0].message, /DriverUnload does not free 'g_Ctx'/);
    const fixed = fixRemovesFinding(text);
    assert.match(fixed, /ExFreePoolWithTag\(g_Other, 'Oth '\);\n {4}if \(g_Ctx != NULL\) ExFreePoolWithTag\(g_Ctx, 'Ctx '\);\n\}/);
  });

  it('a list that nothing drains: reported on every allocation pushed into it; the fix adds a foreach that frees', () => {
    const text = script(
      'list g_Queue;',
      'routine Park(x) { push g_Queue, x; }',
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Que ');",
      '    if (a == NULL) return;',
      '    push g_Queue, a;',
      "    b = ExAllocatePoolWithTag(PagedPool, 8, 'Que ');",
      '    if (b == NULL) return;',
      '    Park(b);',
      '}',
      'unload U {',
      '    p = pop g_Queue;',
      '}',
    );
    assert.deepEqual(at(text, RULE), [
      [4, 9],
      [7, 9],
    ]);
    const fixed = applyPreferred(text, run(text, RULE)[0]).text;
    assert.match(fixed, /foreach p2 in g_Queue \{ ExFreePoolWithTag\(p2, 'Que '\); \}/);
    assert.deepEqual(at(fixed, RULE), []);
  });

  it('IRP_MJ_CLOSE / IRP_MJ_CLEANUP that empty a global or list count as emptied before unload', () => {
    const text = script(
      'global g_Open;',
      'list g_Pending, g_PerOpen;',
      'dispatch IRP_MJ_CREATE Create {',
      "    ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Opn ');",
      '    if (ctx == NULL) return;',
      '    push g_PerOpen, ctx;',
      "    g_Open = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Opn1');",
      '}',
      'dispatch IRP_MJ_READ Read {',
      "    r = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Req ');",
      '    if (r != NULL) push g_Pending, r;',
      '}',
      'dispatch IRP_MJ_CLEANUP Cleanup {',
      "    foreach r in g_Pending { ExFreePoolWithTag(r, 'Req '); }",
      '}',
      'dispatch IRP_MJ_CLOSE Close {',
      '    c = pop g_PerOpen;',
      "    if (c != NULL) ExFreePoolWithTag(c, 'Opn ');",
      "    if (g_Open != NULL) ExFreePoolWithTag(g_Open, 'Opn1');",
      '    g_Open = NULL;',
      '}',
      'unload U { }',
    );
    assert.deepEqual(at(text, RULE), []);
  });

  it('an unload helper that frees counts; a foreach that frees only on some paths does not', () => {
    const text = script(
      'global g;',
      'list L;',
      'routine FreeAll() {',
      "    ExFreePoolWithTag(g, 'Glob');",
      '    foreach p in L {',
      "        if (chance(50%)) ExFreePoolWithTag(p, 'List');",
      '    }',
      '}',
      'entry E {',
      "    g = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Glob');",
      "    x = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'List');",
      '    push L, x;',
      '}',
      'unload U { FreeAll(); }',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[11, 9]]);
    assert.match(found[0].message, /list 'L'/);
  });
});
