/**
 * Limits (issue #7 item 2): each input far beyond what a driver model needs, each with a
 * time bound and an asserted outcome. Bounds are generous for a loaded 2-core CI machine;
 * the point is "finishes, and says something sensible", not a benchmark (bench/ has those).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../server/src/core/parser';
import { diagnosticProblems, timed } from './invariants';

/** ~5 MB of realistic script: many routines with allocations, frees and comments. */
export function bigScript(targetBytes: number): string {
  const parts: string[] = ['driver "Big.sys";', 'global g_Ctx;', 'list g_Pending;', 'entry DriverEntry { g_Ctx = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, \'Ctx \'); }'];
  let size = parts.join('\n').length;
  for (let i = 0; size < targetBytes; i++) {
    const tag = `'T${(i % 1000).toString().padStart(3, '0')}'`;
    const r = [
      `// helper ${i}: allocates, maybe queues, frees`,
      `routine Helper${i}(p) {`,
      `    buf = ExAllocatePoolWithTag(NonPagedPoolNx, ${(i % 64) + 1}K, ${tag});`,
      `    if (buf == NULL) return;`,
      `    if (chance(10%)) { push g_Pending, buf; return; }`,
      `    ExFreePoolWithTag(buf, ${tag});`,
      `}`,
      '',
    ].join('\n');
    parts.push(r);
    size += r.length + 1;
  }
  parts.push('unload DriverUnload { foreach p in g_Pending { ExFreePool(p); } ExFreePool(g_Ctx); }');
  parts.push('scenario s { load; unload; }');
  return parts.join('\n');
}

function nested(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

describe('limits: parser', () => {
  it('a 5 MB script parses in bounded time with no syntax error', () => {
    const text = bigScript(5 * 1024 * 1024);
    assert.ok(text.length >= 5 * 1024 * 1024);
    const { value: r, ms } = timed(() => parse(text));
    assert.ok(ms < 20_000, `parse took ${ms.toFixed(0)} ms`);
    assert.deepEqual(r.diagnostics, []);
    assert.ok(r.script.routines.length > 10_000);
  });

  it('1,000 nested blocks: one clear syntax error about nesting, no stack overflow', () => {
    const text = `entry E ${nested(1000, '{ ', '} ', 'return;')}\nroutine After { return; }\n`;
    const { value: r, ms } = timed(() => parse(text));
    assert.ok(ms < 2_000, `parse took ${ms.toFixed(0)} ms`);
    const errors = r.diagnostics.filter((d) => d.rule === 'syntax-error');
    assert.equal(errors.length, 1, JSON.stringify(errors.map((e) => e.message)));
    assert.match(errors[0].message, /nest/i);
    assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
    assert.ok(r.script.routines.some((x) => x.name.name === 'After'), 'the routine after the deep one is still parsed');
  });

  it('1,000 nested ifs: one clear syntax error about nesting, no stack overflow', () => {
    const text = `entry E { ${'if (chance(50%)) '.repeat(1000)}return; }\nroutine After { return; }\n`;
    const { value: r, ms } = timed(() => parse(text));
    assert.ok(ms < 2_000, `parse took ${ms.toFixed(0)} ms`);
    const errors = r.diagnostics.filter((d) => d.rule === 'syntax-error');
    assert.equal(errors.length, 1, JSON.stringify(errors.map((e) => e.message)));
    assert.match(errors[0].message, /nest/i);
    assert.ok(r.script.routines.some((x) => x.name.name === 'After'));
  });

  it('1,000 nested scenario repeats: one clear syntax error about nesting, no stack overflow', () => {
    const text = `entry E { }\nscenario s { load; ${nested(1000, 'repeat 2 { ', '} ', 'load;')} }\nscenario t { load; }\n`;
    const { value: r, ms } = timed(() => parse(text));
    assert.ok(ms < 2_000, `parse took ${ms.toFixed(0)} ms`);
    const errors = r.diagnostics.filter((d) => d.rule === 'syntax-error');
    assert.equal(errors.length, 1, JSON.stringify(errors.map((e) => e.message)));
    assert.match(errors[0].message, /nest/i);
    assert.equal(r.script.scenarios.length, 2);
  });

  it('100,000 unclosed `{` or `(`: bounded time, one error, diagnostics in the document', () => {
    for (const text of ['entry E ' + '{'.repeat(100_000), '('.repeat(100_000), 'entry E { x = ' + '('.repeat(100_000) + ' }']) {
      const { value: r, ms } = timed(() => parse(text));
      assert.ok(ms < 5_000, `parse took ${ms.toFixed(0)} ms`);
      assert.ok(r.diagnostics.length >= 1);
      assert.ok(r.diagnostics.length < 100, `a cascade of ${r.diagnostics.length} errors`);
      assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
    }
  });

  it(
    '100,000 stray `}` after a routine: bounded time and a bounded number of errors',
    {
      todo:
        'known failure, parser (H1): every stray top-level `}` is its own syntax-error, so N stray braces give N diagnostics ' +
        '(100,000 here); a run of stray tokens at the top level should be one error, as a run of other stray tokens already is',
    },
    () => {
      const text = 'entry E { }' + '}'.repeat(100_000);
      const { value: r, ms } = timed(() => parse(text));
      assert.ok(ms < 5_000, `parse took ${ms.toFixed(0)} ms`);
      assert.ok(r.diagnostics.length < 100, `a cascade of ${r.diagnostics.length} errors`);
    },
  );

  it('100,000 stray `}` after a routine: bounded time, diagnostics in the document', () => {
    for (const text of ['entry E { }' + '}'.repeat(100_000)]) {
      const { value: r, ms } = timed(() => parse(text));
      assert.ok(ms < 5_000, `parse took ${ms.toFixed(0)} ms`);
      assert.ok(r.diagnostics.length >= 1);
      assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
    }
  });

  it('a 5 MB string, comment, tag and identifier (terminated or not): bounded time', () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const texts = [
      `driver "${big}";`,
      `driver "${big}`,
      `/* ${big}`,
      `// ${big}\nglobal g;`,
      `entry E { p = ExAllocatePoolWithTag(PagedPool, 1, '${big}'); }`,
      `global ${big};`,
      `entry E { x = ${'9'.repeat(100_000)}; }`,
    ];
    for (const text of texts) {
      const { value: r, ms } = timed(() => parse(text));
      assert.ok(ms < 5_000, `parse took ${ms.toFixed(0)} ms`);
      assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
      for (const d of r.diagnostics) assert.ok(d.message.length < 2_000, `a diagnostic message of ${d.message.length} characters`);
    }
  });
});
