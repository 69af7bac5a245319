import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, findings, fixNamed, leakyText, locate, positions, script } from '../linter/helpers';

const RULE = 'deprecated-allocator';
const TITLE = 'Use ExAllocatePool2';

describe('deprecated-allocator', () => {
  it('hints at the three deprecated calls of leaky.drvm (lines 14, 23, 28), not at ExAllocatePool2', () => {
    const text = leakyText();
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column]), [
      [14, locate(text, 'ExAllocatePoolWithTag(PagedPool, 4K').column],
      [23, locate(text, 'ExAllocatePoolWithTag(PagedPool, 512').column],
      [28, locate(text, 'ExAllocatePoolWithQuotaTag').column],
    ]);
    for (const d of found) {
      assert.equal(d.severity, 'hint');
      assert.match(d.message, /Windows 10, version 2004/);
    }
  });

  it('flags all four deprecated allocators and none of the replacements or WDK wrappers', () => {
    const text = script(
      'entry E {',
      "    a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Da  ');",
      "    b = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Db  ');",
      '    c = ExAllocatePool(NonPagedPoolNx, 8);',
      '    d = ExAllocatePoolWithQuota(NonPagedPoolNx, 8);',
      "    e = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'De  ');",
      "    f = ExAllocatePool3(POOL_FLAG_NON_PAGED, 8, 'Df  ');",
      "    g = ExAllocatePoolZero(NonPagedPoolNx, 8, 'Dg  ');",
      '}',
    );
    assert.deepEqual(positions(text, RULE), [[2, 9], [3, 9], [4, 9], [5, 9]]);
  });

  it('rewrites each pool type and quota form to ExAllocatePool2 with the equivalent flags', () => {
    const text = script(
      'entry E {',
      "    a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Da  ');",
      "    b = ExAllocatePoolWithTag(NonPagedPool, 8, 'Db  ');",
      "    c = ExAllocatePoolWithTag(NonPagedPoolExecute, 8, 'Dc  ');",
      "    d = ExAllocatePoolWithTag(PagedPool, 8, 'Dd  ');",
      "    e = ExAllocatePoolWithQuotaTag(PagedPool, 8, 'De  ');",
      '}',
    );
    const expected = [
      "a = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Da  ');",
      "b = ExAllocatePool2(POOL_FLAG_NON_PAGED_EXECUTE, 8, 'Db  ');",
      "c = ExAllocatePool2(POOL_FLAG_NON_PAGED_EXECUTE, 8, 'Dc  ');",
      "d = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Dd  ');",
      "e = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA, 8, 'De  ');",
    ];
    const found = findings(text, RULE);
    assert.equal(found.length, 5);
    found.forEach((d, i) => {
      assert.equal(d.fixes?.[0].title, TITLE);
      assert.equal(d.fixes?.[0].isPreferred, true);
      assert.equal(d.fixes?.at(-1)?.title, 'Disable deprecated-allocator for this line');
      const fixed = applyFix(text, fixNamed(d, TITLE));
      assert.equal(fixed.split('\n')[i + 1].trim(), expected[i]);
      assert.deepEqual(positions(fixed, RULE).map(([l]) => l).includes(i + 2), false);
    });
  });

  it('gives an untagged call a tag unused in the document, and distinct ones to several calls', () => {
    const text = script(
      'dispatch IRP_MJ_READ ReadDispatch {',
      '    a = ExAllocatePool(NonPagedPoolNx, 8);',
      '    b = ExAllocatePoolWithQuota(PagedPool, 16);',
      "    c = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Read');",
      '    ExFreePool(a);',
      '    ExFreePool(b);',
      "    ExFreePoolWithTag(c, 'Read');",
      '}',
    );
    const found = findings(text, RULE);
    const tags = found.map((d) => {
      const fixed = applyFix(text, fixNamed(d, TITLE));
      const line = fixed.split('\n')[d.range.start.line - 1];
      const m = /ExAllocatePool2\((POOL_FLAG_[A-Z_ |]+), (\d+), '(....)'\);/.exec(line);
      assert.ok(m, line);
      assert.deepEqual(positions(fixed, 'untagged-allocation').map(([l]) => l).includes(d.range.start.line), false);
      return [m[1], m[3]];
    });
    assert.deepEqual(tags, [
      ['POOL_FLAG_NON_PAGED', 'Rea1'],
      ['POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA', 'Rea2'],
    ]);
  });

  it('applying every fix to leaky.drvm removes every hint and keeps the script valid', () => {
    let text = leakyText();
    for (let guard = 0; guard < 5; guard++) {
      const [d] = findings(text, RULE);
      if (!d) break;
      text = applyFix(text, fixNamed(d, TITLE));
    }
    assert.deepEqual(positions(text, RULE), []);
    assert.deepEqual(findings(text, 'bad-argument'), []);
    assert.match(text, /ExAllocatePool2\(POOL_FLAG_NON_PAGED_EXECUTE \| POOL_FLAG_USE_QUOTA, 64, 'Tron'\)/);
  });
});
