import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { unbalancedAllocation as RULE } from '../../../server/src/core/rules/unbalancedAllocation';
import { applyPreferred, at, locate, run, script } from './ownershipHelpers';

const LEAKY = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'leaky.drvm'), 'utf8');

/** Lints, applies the preferred fix, checks the finding is gone. */
function fixRemovesFinding(text: string): string {
  const [d] = run(text, RULE);
  assert.ok(d, 'expected a finding');
  const fixed = applyPreferred(text, d).text;
  assert.deepEqual(at(fixed, RULE), [], `still leaking after the fix:\n${fixed}`);
  return fixed;
}

describe('unbalanced-allocation', () => {
  it('leaky.drvm: buf leaks on the 2% path, on the allocation call, leaving at the return', () => {
    const found = run(LEAKY, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.range.end.line, d.range.end.column]), [
      [...locate(LEAKY, "ExAllocatePoolWithTag(PagedPool, 4K"), 14, 55],
    ]);
    const d = found[0];
    assert.equal(d.severity, 'warning');
    assert.match(d.message, /'buf'/);
    assert.match(d.message, /'Abc '/);
    assert.match(d.message, /line 17/);
    assert.deepEqual(d.related?.map((r) => r.range.start.line), [17]);
    assert.equal(d.fixes?.[0].title, "Free 'buf' before this return");
    const fixed = fixRemovesFinding(LEAKY);
    assert.match(fixed, /ExFreePoolWithTag\(buf, 'Abc '\);\n {8}return;/);
  });

  it('a NULL check right after the allocation is not a leak; each chance branch is explored', () => {
    const ok = script(
      'dispatch IRP_MJ_READ R {',
      "    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Okay');",
      '    if (p == NULL) return;',
      '    if (chance(50%)) {',
      "        ExFreePoolWithTag(p, 'Okay');",
      '    } else {',
      "        ExFreePool(p);",
      '    }',
      '}',
    );
    assert.deepEqual(at(ok, RULE), []);
    const bad = script(
      'dispatch IRP_MJ_READ R {',
      "    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Okay');",
      '    if (p != NULL) {',
      '        if (chance(50%)) {',
      "            ExFreePoolWithTag(p, 'Okay');",
      '        }',
      '    }',
      '}',
    );
    const found = run(bad, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[2, 9]]);
    assert.match(found[0].message, /leaves R at line 8/);
  });

  it('an unbraced `if (...) return;` exit gets a fix wrapped in braces that still parses', () => {
    const text = script(
      'dispatch IRP_MJ_WRITE W {',
      "    t = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Wrt ');",
      '    if (t == NULL) return;',
      '    if (chance(1%)) return;',
      "    ExFreePoolWithTag(t, 'Wrt ');",
      '}',
    );
    assert.deepEqual(at(text, RULE), [[2, 9]]);
    const fixed = fixRemovesFinding(text);
    assert.match(fixed, /if \(chance\(1%\)\) \{ ExFreePoolWithTag\(t, 'Wrt '\); return; \}/);
  });

  it('a path that leaves at the closing brace: the message names that line and the fix inserts before it', () => {
    const text = script(
      'workitem Work {',
      "    p = ExAllocatePoolWithTag(PagedPool, 64, 'Wk  ');",
      '    if (p == NULL) return;',
      '    if (chance(10%)) {',
      "        ExFreePoolWithTag(p, 'Wk  ');",
      '        return;',
      '    }',
      '}',
    );
    const [d] = run(text, RULE);
    assert.deepEqual([d.range.start.line, d.range.start.column], [2, 9]);
    assert.match(d.message, /at line 8/);
    assert.deepEqual(d.related?.map((r) => r.range.start.line), [8]);
    const fixed = fixRemovesFinding(text);
    assert.match(fixed, /\n {4}ExFreePoolWithTag\(p, 'Wk  '\);\n\}/);
  });

  it('an unchecked allocation that leaks gets a NULL-checked free', () => {
    const text = script('dpc D {', '    m = IoAllocateMdl(buffer, 8192);', '}');
    const [d] = run(text, RULE);
    assert.deepEqual([d.range.start.line, d.range.start.column], [2, 9]);
    assert.match(d.message, /'m' \(MDL 'Mdl '\)/);
    const fixed = fixRemovesFinding(text);
    assert.match(fixed, /if \(m != NULL\) IoFreeMdl\(m\);/);
  });

  it('a local overwritten while it still holds a block leaks (also across repeat iterations)', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'One ');",
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Two ');",
      "    if (a != NULL) ExFreePoolWithTag(a, 'Two ');",
      '    repeat 3 {',
      "        b = ExAllocatePoolWithTag(PagedPool, 8, 'Rep ');",
      '    }',
      "    if (b != NULL) ExFreePoolWithTag(b, 'Rep ');",
      '    repeat 3 {',
      "        c = ExAllocatePoolWithTag(PagedPool, 8, 'Ok  ');",
      "        if (c != NULL) ExFreePoolWithTag(c, 'Ok  ');",
      '    }',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [
      [2, 9],
      [6, 13],
    ]);
    assert.match(found[0].message, /'a' .*overwritten at line 3/);
    assert.match(found[1].message, /'b' .*overwritten at line 6/);
  });

  it('foreach bodies run more than once: an allocation kept only in a local leaks', () => {
    const text = script(
      'list L;',
      'dispatch IRP_MJ_CLOSE C {',
      '    foreach x in L {',
      "        copy = ExAllocatePoolWithTag(PagedPool, 8, 'Cpy ');",
      '        ExFreePool(x);',
      '    }',
      "    if (copy != NULL) ExFreePool(copy);",
      '}',
    );
    assert.deepEqual(at(text, RULE), [[4, 16]]);
  });

  it('a stored block is balanced: global, list, helper that frees or stores on every non-NULL path', () => {
    const text = script(
      'global g;',
      'list L;',
      'routine Release(x) {',
      '    if (x == NULL) return;',
      "    ExFreePoolWithTag(x, 'Hlp ');",
      '}',
      'routine Park(x) { push L, x; }',
      'routine Keep(x) { g = x; }',
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    Release(a);',
      "    b = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    Park(b);',
      "    c = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    if (c == NULL) return;',
      '    Keep(c);',
      "    g = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      "    d = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    push L, d;',
      '}',
    );
    // `g = Alloc` overwrites what Keep stored in g: c's block is then held only by the local c.
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[14, 9]]);
    assert.match(found[0].message, /leaves R at line 20/);
  });

  it('a helper that frees only on some paths leaves the block leaking in the caller', () => {
    const text = script(
      'routine MaybeFree(x) {',
      "    if (chance(50%)) ExFreePool(x);",
      '}',
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Hlp ');",
      '    MaybeFree(a);',
      '}',
    );
    const found = run(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[5, 9]]);
    assert.match(found[0].message, /leaves R at line 7/);
  });

  it('hand-offs: a work routine that frees its work item, a completion routine that frees its IRP, ExQueueWorkItem context', () => {
    const ok = script(
      'workitem FreeSelf(w) { IoFreeWorkItem(w); }',
      'workitem FreeCtx(ctx) { if (ctx != NULL) ExFreePoolWithTag(ctx, \'Ctx \'); }',
      'completion Done(irp) { IoFreeIrp(irp); }',
      'dispatch IRP_MJ_DEVICE_CONTROL Ioctl {',
      '    w = IoAllocateWorkItem();',
      '    if (w == NULL) return;',
      '    IoQueueWorkItem(w, FreeSelf);',
      "    ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Ctx ');",
      '    if (ctx == NULL) return;',
      '    ExQueueWorkItem(ctx, FreeCtx);',
      '    i = IoAllocateIrp(2);',
      '    if (i == NULL) return;',
      '    IoSetCompletionRoutineEx(i, Done);',
      '    IoCallDriver(i);',
      '}',
    );
    assert.deepEqual(at(ok, RULE), []);
    const bad = script(
      'workitem NoParam { }',
      'workitem Loses(w) { w = NULL; }',
      'completion Ignore { }',
      'dispatch IRP_MJ_DEVICE_CONTROL Ioctl {',
      '    w = IoAllocateWorkItem();',
      '    if (w == NULL) return;',
      '    IoQueueWorkItem(w, NoParam);',
      '    w2 = IoAllocateWorkItem();',
      '    if (w2 == NULL) return;',
      '    IoQueueWorkItem(w2, Loses);',
      '    i = IoAllocateIrp(2);',
      '    if (i == NULL) return;',
      '    IoSetCompletionRoutineEx(i, Ignore);',
      '    IoCallDriver(i);',
      '    j = IoAllocateIrp(2);',
      '    if (j == NULL) return;',
      '    IoCallDriver(j);',
      '}',
    );
    assert.deepEqual(at(bad, RULE), [
      [5, 9],
      [8, 10],
      [11, 9],
      [15, 9],
    ]);
  });

  it('a release by the wrong API or with the wrong tag still counts as a release (one mistake, one finding)', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      "    p = ExAllocatePoolWithTag(PagedPool, 8, 'Abc ');",
      "    ExFreePoolWithTag(p, 'Xyz ');",
      '    m = IoAllocateMdl(buffer, 100);',
      '    ExFreePool(m);',
      '}',
    );
    assert.deepEqual(at(text, RULE), []);
  });

  it('a discarded allocation result leaks', () => {
    const text = script('dispatch IRP_MJ_READ R {', "    ExAllocatePoolWithTag(PagedPool, 8, 'Lost');", '}');
    const [d] = run(text, RULE);
    assert.deepEqual([d.range.start.line, d.range.start.column], [2, 5]);
    assert.match(d.message, /not assigned/);
  });

  it('recursion and syntax errors do not throw; a broken statement contributes nothing', () => {
    const text = script(
      'routine Loop(x) { Loop(x); }',
      'dispatch IRP_MJ_READ R {',
      "    p = ExAllocatePoolWithTag(PagedPool, 8, 'Rec ');",
      '    Loop(p);',
      "    q = ExAllocatePoolWithTag(PagedPool, 8 'Bad ');",
      '    r = = ;',
      '}',
    );
    assert.deepEqual(at(text, RULE), []);
  });

  it('fixes keep CRLF line breaks and the indentation of the surrounding code', () => {
    const crlf = LEAKY.replace(/\r?\n/g, '\r\n');
    const fixed = fixRemovesFinding(crlf);
    assert.match(fixed, /\r\n {8}ExFreePoolWithTag\(buf, 'Abc '\);\r\n {8}return;/);
    assert.ok(!/[^\r]\n/.test(fixed), 'a bare \\n was inserted');
  });

  it('an overwrite fix frees the old block before the overwriting assignment', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'One ');",
      "    a = ExAllocatePoolWithTag(PagedPool, 8, 'Two ');",
      "    if (a != NULL) ExFreePoolWithTag(a, 'Two ');",
      '}',
    );
    const [d] = run(text, RULE);
    assert.equal(d.fixes?.[0].title, "Free 'a' before it is overwritten");
    const fixed = fixRemovesFinding(text);
    assert.match(fixed, /if \(a != NULL\) ExFreePoolWithTag\(a, 'One '\);\n {4}a = ExAllocatePoolWithTag\(PagedPool, 8, 'Two '\);/);
  });

  it("the fix is \"Free 'buf' before this return\" also when the path leaves at the closing brace, or at several exits", () => {
    const atEnd = script(
      'dispatch IRP_MJ_READ R {', // 1
      "    buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Endl');", // 2
      '}', // 3
    );
    const [d] = run(atEnd, RULE);
    assert.equal(d.range.start.line, 2);
    assert.equal(d.fixes?.[0].title, "Free 'buf' before this return");
    assert.equal(d.fixes?.[0].isPreferred, true);
    assert.match(fixRemovesFinding(atEnd), /ExFreePoolWithTag\(buf, 'Endl'\);\n\}/);

    const twoExits = script(
      'dispatch IRP_MJ_READ R {', // 1
      "    buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Two ');", // 2
      '    if (buf == NULL) return;', // 3
      '    if (chance(5%)) {', // 4
      '        return;', // 5
      '    }', // 6
      '}', // 7
    );
    const [e] = run(twoExits, RULE);
    assert.equal(e.range.start.line, 2);
    assert.deepEqual(e.related?.map((r) => r.range.start.line), [5, 7]);
    assert.equal(e.fixes?.[0].title, "Free 'buf' before this return");
    const fixed = fixRemovesFinding(twoExits);
    assert.equal(fixed.match(/ExFreePoolWithTag\(buf, 'Two '\);/g)?.length, 2);
  });
});
