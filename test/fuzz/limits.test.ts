/**
 * Limits (issue #7 item 2): each input far beyond what a driver model needs, each with a
 * time bound and an asserted outcome. Bounds are generous for a loaded 2-core CI machine;
 * the point is "finishes, and says something sensible", not a benchmark (bench/ has those).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../server/src/core/parser';
import { parsePoolTagFile, renderReports } from '../../server/src/core/reports/index';
import type { OutstandingBlock, PoolUsedRow, SimulationResult } from '../../server/src/core/simulator/result';
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

// ------------------------------------------------------------------ reports

/** The n-th 4-character printable tag (base-62 digits), distinct for n < 62^4. */
export function nthTag(n: number): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (let i = 0; i < 4; i++) {
    s = digits[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return s;
}

/** A simulation result with `tags` tags, each with one live block in each pool. */
export function bigResult(tags: number): SimulationResult {
  const poolused: PoolUsedRow[] = [];
  const outstanding: OutstandingBlock[] = [];
  for (let i = 0; i < tags; i++) {
    const tag = nthTag(i);
    poolused.push({
      tag,
      nonPaged: { allocs: i + 2, frees: i + 1, diff: 1, used: 64 + i },
      paged: { allocs: 3, frees: 2, diff: 1, used: 4096 },
    });
    outstanding.push({
      address: `ffffc000\`${(0x10000 + i * 16).toString(16).padStart(8, '0')}`,
      tag,
      pool: 'NonPagedPool',
      size: 64 + i,
      kind: 'pool',
      site: { line: 3, column: 5 },
      stack: [{ frame: 'nt!ExAllocatePoolWithTag' }, { frame: 'Big!Helper', line: 3, column: 5 }, { frame: 'nt!IopLoadDriver' }],
    });
  }
  return {
    driver: 'Big.sys',
    scenario: 's',
    seed: 1,
    steps: tags * 2,
    allocations: tags * 2,
    frees: 0,
    bugcheck: null,
    poolused,
    outstanding,
    quota: [],
    hits: [],
    hitsDropped: 0,
    timeline: [],
    hitTag: null,
  };
}

describe('limits: reports', () => {
  it('!poolused over 100,000 tags renders in bounded time, one row per tag plus TOTAL', () => {
    const result = bigResult(100_000);
    for (const spec of ['poolused:4', 'poolused:1', 'poolused:2', 'poolused']) {
      const { value: text, ms } = timed(() => renderReports(result, [spec]));
      assert.ok(ms < 10_000, `${spec} took ${ms.toFixed(0)} ms`);
      const rows = text.split('\n').filter((l) => /^ \S{4} /.test(l) || /^ \S{1,4}\s+\d/.test(l));
      assert.ok(rows.length >= 100_000, `${spec}: ${rows.length} rows`);
      assert.match(text, /TOTAL/);
      assert.ok(text.includes(` ${nthTag(99_999)} `), `${spec}: the last tag is listed`);
    }
  });

  it('!poolused with a wildcard pattern over 100,000 tags selects in bounded time', () => {
    const result = bigResult(100_000);
    const { value: text, ms } = timed(() => renderReports(result, ['poolused:4:00A*']));
    assert.ok(ms < 10_000, `took ${ms.toFixed(0)} ms`);
    const listed = result.poolused.filter((r) => r.tag.startsWith('00A')).map((r) => r.tag);
    assert.equal(listed.length, 62);
    for (const t of listed) assert.ok(text.includes(` ${t} `), `${t} listed`);
    assert.ok(!text.includes(` ${nthTag(99_999)} `), 'a tag outside the pattern is not listed');
  });

  it('!verifier 0x3 and !poolfind over 100,000 outstanding blocks render in bounded time', () => {
    const result = bigResult(100_000);
    const { value: v, ms } = timed(() => renderReports(result, ['verifier']));
    assert.ok(ms < 10_000, `verifier took ${ms.toFixed(0)} ms`);
    assert.ok(v.split('\n').length >= 100_000);
    const { value: f, ms: ms2 } = timed(() => renderReports(result, [`poolfind:${nthTag(500)}`]));
    assert.ok(ms2 < 5_000, `poolfind took ${ms2.toFixed(0)} ms`);
    assert.match(f, /size:/);
  });

  it('a 100,000-line pooltag.txt parses in bounded time, and owners show in !poolused', () => {
    const lines: string[] = ['// pooltag.txt: 100,000 entries'];
    for (let i = 0; i < 100_000; i++) lines.push(`${nthTag(i)} - drv${i}.sys - owner number ${i}`);
    const text = lines.join('\r\n');
    const { value: db, ms } = timed(() => parsePoolTagFile(text));
    assert.ok(ms < 5_000, `parse took ${ms.toFixed(0)} ms`);
    assert.equal(db.entries.size, 100_000);
    assert.deepEqual(db.skippedLines, []);
    const { value: report, ms: ms2 } = timed(() => renderReports(bigResult(100_000), ['poolused:4'], { pooltag: db }));
    assert.ok(ms2 < 10_000, `render took ${ms2.toFixed(0)} ms`);
    assert.match(report, /owner number 99999/);
  });

  it('a 100,000-line pooltag.txt of garbage parses in bounded time, every line skipped', () => {
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(i % 2 ? `\u0000\u001b[31m<script>${i}` : `TooLongTag${i} - x - y`);
    const { value: db, ms } = timed(() => parsePoolTagFile(lines.join('\n')));
    assert.ok(ms < 5_000, `parse took ${ms.toFixed(0)} ms`);
    assert.equal(db.entries.size, 0);
    assert.equal(db.skippedLines.length, 100_000);
  });
});
