import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFix, findings, fixNamed, leakyText, positions, script } from '../linter/helpers';

const RULE = 'untagged-allocation';

describe('untagged-allocation', () => {
  it('warns on ExAllocatePool and ExAllocatePoolWithQuota calls, on the whole call', () => {
    const text = script(
      'entry E {',
      '    a = ExAllocatePool(NonPagedPoolNx, 8);',
      '    if (a != NULL) ExFreePool(a);',
      '}',
      'workitem W {',
      '    b = ExAllocatePoolWithQuota(PagedPool, 8);',
      '    ExFreePool(b);',
      '}',
    );
    const found = findings(text, RULE);
    assert.deepEqual(found.map((d) => [d.range.start.line, d.range.start.column, d.range.end.column, d.severity]), [
      [2, 9, 42, 'warning'],
      [6, 9, 46, 'warning'],
    ]);
    assert.match(found[0].message, /'None'/);
  });

  it('is quiet on tagged allocations and on leaky.drvm', () => {
    assert.deepEqual(positions(leakyText(), RULE), []);
    const text = script(
      'entry E {',
      "    a = ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'Tg  ');",
      "    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Tg2 ');",
      '    m = IoAllocateMdl(a, 8);',
      '}',
    );
    assert.deepEqual(positions(text, RULE), []);
  });

  it('its fix switches to ExAllocatePool2 with a tag of its own', () => {
    const text = script('entry DriverEntry {', '    a = ExAllocatePool(NonPagedPool, 8);', '    ExFreePool(a);', '}');
    const [d] = findings(text, RULE);
    assert.equal(d.fixes?.[0].isPreferred, true);
    const fixed = applyFix(text, fixNamed(d, 'Use ExAllocatePool2 with a tag of its own'));
    assert.equal(fixed.split('\n')[1], "    a = ExAllocatePool2(POOL_FLAG_NON_PAGED_EXECUTE, 8, 'Driv');");
    assert.deepEqual(positions(fixed, RULE), []);
  });
});
