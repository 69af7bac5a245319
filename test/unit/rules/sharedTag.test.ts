import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, findings, fixNamed, leakyText, locate, positions, script } from '../linter/helpers';
import { freshTag } from '../../../server/src/core/rules/sharedTag';

const RULE = 'shared-tag';
const TITLE = 'Give each call site its own tag';

describe('shared-tag', () => {
  it("flags both 'Abc ' allocation literals of leaky.drvm (lines 14 and 23), each pointing at the other", () => {
    const text = leakyText();
    const found = findings(text, RULE);
    const first = locate(text, "'Abc ');", 1);
    const second = locate(text, "'Abc ');", 2);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.range.end.column]), [
      [14, first.column, first.column + 6],
      [23, second.column, second.column + 6],
    ]);
    assert.equal(first.line, 14);
    assert.equal(second.line, 23);
    for (const d of found) {
      assert.equal(d.severity, 'warning');
      assert.match(d.message, /'Abc ' is shared by 2 allocation call sites/);
    }
    assert.deepEqual(found[0].related?.map((r) => [r.range.start.line, r.range.start.column]), [[23, second.column]]);
    assert.deepEqual(found[1].related?.map((r) => [r.range.start.line, r.range.start.column]), [[14, first.column]]);
  });

  it('counts every sharing site, and ignores frees, system tags and None', () => {
    const text = script(
      'entry E {',
      "    a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Tri ');",
      "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Tri');",
      "    c = ExAllocatePoolZero(NonPagedPoolNx, 8, 'Tri ');",
      "    ExFreePoolWithTag(a, 'Tri ');",
      "    ExFreePoolWithTag(b, 'Tri ');",
      "    ExFreePoolWithTag(c, 'Tri ');",
      '    m1 = IoAllocateMdl(a, 8);',
      '    m2 = IoAllocateMdl(a, 8);',
      '    IoFreeMdl(m1);',
      '    IoFreeMdl(m2);',
      '    u1 = ExAllocatePool(NonPagedPoolNx, 8);',
      '    u2 = ExAllocatePool(NonPagedPoolNx, 8);',
      "    n1 = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'None');",
      "    n2 = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'None');",
      "    ExFreePoolWithTag(n1, 'None');",
      "    ExFreePoolWithTag(n2, 'None');",
      '    ExFreePool(u1);',
      '    ExFreePool(u2);',
      '}',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [[2, 50], [3, 49], [4, 47]]);
    assert.match(found[0].message, /shared by 3 allocation call sites/);
    assert.equal(found[1].related?.length, 2);
  });

  it('fixes leaky.drvm: distinct unused tags per site, frees of each block rewritten too', () => {
    const text = leakyText();
    const [d] = findings(text, RULE);
    const fix = fixNamed(d, TITLE);
    assert.equal(d.fixes?.[0], fix);
    assert.equal(fix.isPreferred, true);
    assert.equal(d.fixes?.at(-1)?.title, 'Disable shared-tag for this line');
    const fixed = applyFix(text, fix);
    assert.deepEqual(positions(fixed, RULE), []);
    assert.deepEqual(findings(fixed, 'free-tag-mismatch'), []);
    // ReadDispatch's block is 'Abc1' everywhere it is freed (TimerDpc, DriverUnload); WriteDispatch's is 'Abc2'.
    const line = (n: number) => fixed.split('\n')[n - 1];
    assert.match(line(14), /ExAllocatePoolWithTag\(PagedPool, 4K, 'Abc1'\)/);
    assert.match(line(23), /ExAllocatePoolWithTag\(PagedPool, 512, 'Abc2'\)/);
    assert.match(line(24), /ExFreePoolWithTag\(tmp, 'Abc2'\)/);
    assert.match(line(31), /ExFreePoolWithTag\(buf, 'Abc1'\)/);
    assert.match(line(35), /ExFreePoolWithTag\(p, 'Abc1'\)/);
    // No code line keeps the shared tag (the header comment of the example still mentions it).
    assert.doesNotMatch(fixed.split('\n').slice(4).join('\n'), /'Abc '/);
  });

  it('skips tags already used in the document or passed in by the workspace', () => {
    const text = script(
      'entry E {',
      "    a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Abc ');",
      "    b = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Abc ');",
      "    c = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Abc1');",
      "    ExFreePoolWithTag(a, 'Abc ');",
      "    ExFreePoolWithTag(b, 'Abc ');",
      "    ExFreePoolWithTag(c, 'Abc1');",
      '}',
    );
    const [d] = findings(text, RULE, { usedTags: new Set(['Abc2']) });
    const fixed = applyFix(text, fixNamed(d, TITLE));
    const line = (n: number) => fixed.split('\n')[n - 1];
    assert.match(line(2), /'Abc3'/);
    assert.match(line(3), /'Abc4'/);
    assert.match(line(5), /ExFreePoolWithTag\(a, 'Abc3'\)/);
    assert.match(line(6), /ExFreePoolWithTag\(b, 'Abc4'\)/);
    assert.deepEqual(positions(fixed, RULE), []);
  });

  it('leaves a free alone when it may release blocks of two sharing sites', () => {
    const text = script(
      'list g_Q;',
      "dispatch IRP_MJ_READ R { a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Mix '); push g_Q, a; }",
      "dispatch IRP_MJ_WRITE W { b = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Mix '); push g_Q, b; }",
      "unload U { foreach p in g_Q { ExFreePoolWithTag(p, 'Mix '); } }",
    );
    const [d] = findings(text, RULE);
    const fixed = applyFix(text, fixNamed(d, TITLE));
    assert.match(fixed.split('\n')[3], /ExFreePoolWithTag\(p, 'Mix '\)/);
    assert.deepEqual(positions(fixed, RULE), []);
  });

  it('offers the whole-file fix as a source action covering every shared tag', () => {
    const text = script(
      'entry E {',
      "    a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Aaa ');",
      "    b = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Aaa ');",
      "    c = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Tron');",
      "    e = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Tron');",
      '}',
    );
    const found = findings(text, RULE);
    assert.equal(found.length, 4);
    const source = fixNamed(found[0], TITLE, 'source');
    const fixed = applyFix(text, source);
    assert.deepEqual(positions(fixed, RULE), []);
    assert.match(fixed, /'Aaa1'[\s\S]*'Aaa2'[\s\S]*'Tro1'[\s\S]*'Tro2'/);
    // The quick fix of one group touches only that group.
    const onlyTron = applyFix(text, fixNamed(found[2], TITLE));
    assert.deepEqual(positions(onlyTron, RULE), [[2, 50], [3, 50]]);
  });

  it('derives fresh tags from the original and never repeats one', () => {
    const used = new Set(['Abc1']);
    assert.equal(freshTag('Abc ', used), 'Abc2');
    assert.equal(freshTag('Abc ', used), 'Abc3');
    assert.equal(freshTag('Tron', used), 'Tro1');
    assert.equal(freshTag('A   ', used), 'A1  ');
    for (let i = 0; i < 12; i++) freshTag('Xy  ', used);
    assert.equal(freshTag('Xy  ', used), 'Xy13');
  });
});
