/**
 * language.md, "Error recovery": a statement that fails to parse contributes no allocation, free
 * or call to the analysis — "no follow-on findings from half a statement". A half-typed free,
 * push, KeReleaseSpinLock or KeLowerIrql must not turn into a leak, a leak at unload or a
 * paged-at-dispatch finding: the only finding is the one syntax-error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lint } from '../../../server/src/core/linter';
import { parse } from '../../../server/src/core/parser';
import { script } from './helpers';

/** `rule@line` of every finding that is not a deprecated-allocator hint. */
function rulesAt(text: string): string[] {
  return lint(text)
    .diagnostics.filter((d) => d.rule !== 'deprecated-allocator')
    .map((d) => `${d.rule}@${d.range.start.line}`);
}

/** `    v = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Tag ');` */
const alloc = (v: string, tag: string): string => `    ${v} = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, '${tag}');`;

describe('recovery: no follow-on findings from half a statement', () => {
  it('a half-typed free, free with tag, push or if header: one syntax-error each, no unbalanced-allocation', () => {
    const text = script(
      'global g;', // 1
      'entry E {', // 2
      alloc('buf', 'Aaa1'), // 3
      '    ExFreePool(buf;', // 4
      '}', // 5
      'dispatch IRP_MJ_READ R {', // 6
      alloc('b2', 'Aaa2'), // 7
      "    ExFreePoolWithTag(b2 'Aaa2');", // 8
      alloc('b3', 'Aaa3'), // 9
      '    push g b3;', // 10
      alloc('b4', 'Aaa4'), // 11
      '    if (b4 != NULL { ExFreePool(b4); }', // 12
      '}', // 13
      'unload U { ExFreePool(g); }', // 14
    );
    assert.deepEqual(rulesAt(text), ['syntax-error@4', 'syntax-error@8', 'syntax-error@10', 'syntax-error@12']);
  });

  it('the broken statement records the names it mentions (keywords excluded)', () => {
    const text = script('entry E {', "    if (b4 != NULL { ExFreePoolWithTag(b4, 'Aaa4'); }", '}');
    const [broken] = parse(text).script.routines[0].body.statements;
    assert.equal(broken.type, 'error');
    assert.deepEqual(broken.type === 'error' ? broken.names : undefined, ['b4', 'ExFreePoolWithTag']);
  });

  it('a half-typed free of a global or drain of a list in unload: no leak-at-unload', () => {
    const text = script(
      'global g_Ctx;', // 1
      'list L;', // 2
      'entry E {', // 3
      alloc('g_Ctx', 'Ctx '), // 4
      alloc('x', 'Lst '), // 5
      '    push L, x;', // 6
      '}', // 7
      'unload U {', // 8
      '    ExFreePool(g_Ctx;', // 9
      '    foreach p in L ExFreePool(p);', // 10
      '}', // 11
    );
    assert.deepEqual(rulesAt(text), ['syntax-error@9', 'syntax-error@10']);
    // The same script with the two lines written correctly has nothing to report either, and
    // with them missing altogether both blocks leak at unload: the broken lines were the fix.
    const fixed = text.replace('ExFreePool(g_Ctx;', 'ExFreePool(g_Ctx);').replace('in L ExFreePool(p);', 'in L { ExFreePool(p); }');
    assert.deepEqual(rulesAt(fixed), []);
    const missing = text.replace('    ExFreePool(g_Ctx;\n', '').replace('    foreach p in L ExFreePool(p);\n', '');
    assert.deepEqual(rulesAt(missing), ['leak-at-unload@4', 'leak-at-unload@5']);
  });

  it('a half-typed KeReleaseSpinLock or KeLowerIrql still ends its region: no paged-at-dispatch after it', () => {
    const paged = (tag: string): string => `    p = ExAllocatePool2(POOL_FLAG_PAGED, 8, '${tag}'); ExFreePool(p);`;
    const text = script(
      'dispatch IRP_MJ_READ R {', // 1
      '    KeAcquireSpinLock(Lk);', // 2
      '    KeReleaseSpinLock(Lk;', // 3
      paged('Pgd1'), // 4
      '    KeRaiseIrql(DISPATCH_LEVEL);', // 5
      '    KeLowerIrql(;', // 6
      paged('Pgd2'), // 7
      '}', // 8
    );
    assert.deepEqual(rulesAt(text), ['syntax-error@3', 'syntax-error@6']);
  });

  it('a broken re-assignment: the local no longer holds the freed block (no double-free after it)', () => {
    const text = script(
      'entry E {',
      "    buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Aaa1'); ExFreePool(buf);",
      "    buf = ExAllocatePool2(POOL_FLAG_NON_PAGED 8, 'Aaa1');", // 3: missing ','
      '    ExFreePool(buf);',
      '}',
    );
    assert.deepEqual(rulesAt(text), ['syntax-error@3']);
  });

  it('a missing semicolon is treated as inserted: the complete statement is analysed as usual', () => {
    const text = script('entry E {', "    t = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Aaa2')", '}');
    assert.deepEqual(rulesAt(text), ['unbalanced-allocation@2', 'syntax-error@2']);
  });
});
