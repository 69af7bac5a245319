/**
 * Hostile input (issue #7): scripts whose tags, names and strings carry HTML/script
 * injection, terminal escape sequences, NUL bytes, bidi overrides and invalid UTF-8. The
 * core keeps them as data — values come back byte-for-byte where the language allows them,
 * are rejected with a diagnostic where it does not — and never lets them drive a terminal
 * through a diagnostic message. Escaping for HTML is the webview's job (test/vscode, H7);
 * here the point is that nothing is lost, interpreted or crashes on the way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/core/parser';
import { lint } from '../../server/src/core/linter';
import { check } from '../../server/src/core/checker';
import { runnableErrors, simulate } from '../../server/src/core/simulator/index';
import { formatPoolUsed, parsePoolTagFile, renderReports } from '../../server/src/core/reports/index';
import type { ProcessStep, RepeatStep, ScenarioStep, SnapshotStep } from '../../server/src/core/ast';
import { fcParams } from './config';
import { diagnosticProblems } from './invariants';

export const HOSTILE_STRINGS: readonly string[] = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '\u001b[31mRED\u001b[0m',
  '\u001b]0;owned\u0007',
  'NUL\u0000inside',
  'bidi \u202eexe.txt',
  '&lt;&amp;&#39;',
  "it's a 'quote'",
  '${process.exit(1)}',
  '\ufffd\ufffd',
];

/** The same strings as a file would bring them: invalid UTF-8 decoded with U+FFFD. */
export function decodeLikeTheCli(bytes: number[]): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}

/** Characters that drive a terminal or end a C string: must never reach a message raw. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function quoted(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

export function hostileScript(s: string, tag: string): string {
  return [
    `driver ${quoted(s)};`,
    'global g_Ctx;',
    'entry DriverEntry {',
    `    g_Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 64, '${tag}');`,
    `    s = RtlAnsiStringToUnicodeString(${quoted(s)});`,
    '    RtlFreeUnicodeString(s);',
    '}',
    `unload DriverUnload { ExFreePoolWithTag(g_Ctx, '${tag}'); }`,
    `scenario ${quoted(s)} {`,
    '    load;',
    `    process ${quoted(s)} { snapshot ${quoted(s)}; }`,
    '    unload;',
    '}',
    '',
  ].join('\n');
}

function steps(ss: ScenarioStep[]): ScenarioStep[] {
  return ss.flatMap((s) => [s, ...(s.type === 'process' || s.type === 'repeat' ? steps((s as ProcessStep | RepeatStep).steps) : [])]);
}

describe('hostile input: parse and lint', () => {
  for (const s of HOSTILE_STRINGS) {
    it(`keeps ${JSON.stringify(s)} as data in driver, scenario, process and snapshot names`, () => {
      const text = hostileScript(s, 'Ctx ');
      const p = parse(text);
      assert.deepEqual(
        p.diagnostics.map((d) => d.message),
        [],
      );
      assert.equal(p.script.driver?.name.value, s);
      const sc = p.script.scenarios[0];
      assert.equal(sc.name, s);
      const all = steps(sc.steps);
      assert.equal((all.find((x) => x.type === 'process') as ProcessStep).name.value, s);
      assert.equal((all.find((x) => x.type === 'snapshot') as SnapshotStep).label?.value, s);
      const r = lint(text, { file: 'hostile.drvm' });
      assert.deepEqual(r.internalErrors ?? [], []);
      assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
      for (const d of r.diagnostics) assert.doesNotMatch(d.message, CONTROL, `raw control character in: ${JSON.stringify(d.message)}`);
    });
  }

  it('tags made of printable HTML characters are valid tags, kept exactly', () => {
    for (const tag of ['<sc>', '<img', '"&\'<', "a'b"]) {
      if (tag.includes("'")) continue; // a quote cannot appear inside a tag literal
      const text = hostileScript('x', tag);
      const r = lint(text, { file: 'hostile.drvm' });
      assert.deepEqual(
        r.diagnostics.filter((d) => d.rule === 'invalid-tag' || d.rule === 'syntax-error').map((d) => d.message),
        [],
        tag,
      );
      const call = JSON.stringify(r.script.routines[0].body);
      assert.ok(call.includes(JSON.stringify(tag).slice(1, -1)), `tag ${tag} kept in the tree`);
    }
  });

  it('tags with escape sequences, NUL or non-ASCII are invalid-tag, reported without raw control characters', () => {
    for (const tag of ['\u001b[1m', 'A\u0000B', 'é', '\ufffd', '\u202e']) {
      const text = hostileScript('x', tag);
      const r = lint(text, { file: 'hostile.drvm' });
      const invalid = r.diagnostics.filter((d) => d.rule === 'invalid-tag');
      assert.ok(invalid.length >= 1, `tag ${JSON.stringify(tag)} is reported invalid`);
      for (const d of r.diagnostics) assert.doesNotMatch(d.message, CONTROL, `raw control character in: ${JSON.stringify(d.message)}`);
      assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
    }
  });

  it('invalid UTF-8 decoded with U+FFFD lints without throwing; strings keep the replacement characters', () => {
    const bad = decodeLikeTheCli([0x3c, 0x73, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x3e]);
    assert.ok(bad.includes('\ufffd'));
    const text = hostileScript(bad, 'Ctx ');
    const p = parse(text);
    assert.equal(p.script.driver?.name.value, bad);
    const r = lint(text, { file: 'hostile.drvm' });
    assert.deepEqual(r.internalErrors ?? [], []);
    // Raw invalid bytes outside strings: one diagnostic each place, never a crash.
    const raw = decodeLikeTheCli([...Buffer.from('entry E { '), 0xff, 0x00, 0x1b, ...Buffer.from(' }\n')]);
    const r2 = lint(raw, { file: 'hostile.drvm' });
    assert.deepEqual(r2.internalErrors ?? [], []);
    assert.ok(r2.diagnostics.some((d) => d.rule === 'syntax-error'));
    for (const d of r2.diagnostics) assert.doesNotMatch(d.message, CONTROL, `raw control character in: ${JSON.stringify(d.message)}`);
    assert.deepEqual(diagnosticProblems(raw, r2.diagnostics), []);
  });

  it(
    'invalid-tag message for a too-long tag escapes control characters (regression: was raw ESC, checker)',
    () => {
      const text = "entry E { p = ExAllocatePool2(POOL_FLAG_PAGED, 8, '\u001b[31mRED\u001b[0m'); ExFreePool(p); }\n";
      const r = lint(text, { file: 'hostile.drvm' });
      const invalid = r.diagnostics.filter((d) => d.rule === 'invalid-tag');
      assert.equal(invalid.length, 1);
      assert.doesNotMatch(invalid[0].message, CONTROL, JSON.stringify(invalid[0].message));
    },
  );

  it('random hostile strings anywhere in a script: messages never carry raw control characters (2,000 inputs)', () => {
    const hostile = fc.oneof(
      fc.constantFrom(...HOSTILE_STRINGS),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: fc.constantFrom('\u0000', '\u001b', '[', '<', '>', '"', "'", '\\', '\ufffd', '\ud800', 'a', ' ', '\n'), maxLength: 12 }),
    );
    fc.assert(
      fc.property(hostile, fc.constantFrom('driver', 'tag', 'ident', 'comment', 'raw'), (s, where) => {
        const text =
          where === 'driver'
            ? `driver ${quoted(s)};\nentry E { }\n`
            : where === 'tag'
              ? `entry E { p = ExAllocatePool2(POOL_FLAG_PAGED, 8, '${s}'); ExFreePool(p); }\n`
              : where === 'ident'
                ? `entry E { ${s} = NULL; ${s}(x); }\nscenario s { call ${s}; }\n`
                : where === 'comment'
                  ? `// ${s}\n/* ${s} */ entry E { }\n`
                  : `entry E { }\n${s}\n`;
        const r = lint(text, { file: 'hostile.drvm' });
        assert.deepEqual(r.internalErrors ?? [], []);
        assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
        for (const d of r.diagnostics) assert.doesNotMatch(d.message, CONTROL, `raw control character in: ${JSON.stringify(d.message)}`);
      }),
      fcParams(2_000, 0.2),
    );
  });
});

describe('hostile input: simulation results and reports keep it as data', () => {
  function hostileRun(s: string, tag: string) {
    const text = [
      `driver ${quoted(s)};`,
      'global g_Ctx;',
      `entry DriverEntry { g_Ctx = ExAllocatePoolWithTag(NonPagedPoolNx, 64, '${tag}'); }`,
      `dispatch IRP_MJ_READ ReadDispatch { q = ExAllocatePoolWithQuotaTag(PagedPool, 32, '${tag}'); }`,
      `scenario ${quoted(s)} {`,
      `    hittag '${tag}';`,
      '    load;',
      `    process ${quoted(s)} { irp IRP_MJ_READ; snapshot ${quoted(s)}; }`,
      '}',
      '',
    ].join('\n');
    const p = parse(text);
    const c = check(p.script);
    assert.deepEqual(runnableErrors([...p.diagnostics, ...c.diagnostics]), []);
    return simulate(p.script, c.symbols, { file: 'hostile.drvm', scenario: s });
  }

  for (const s of HOSTILE_STRINGS) {
    it(`${JSON.stringify(s)} comes back unchanged in driver, scenario, quota process and timeline label`, () => {
      const r = hostileRun(s, '<sc>');
      assert.equal(r.driver, s);
      assert.equal(r.scenario, s);
      assert.ok(r.quota.some((q) => q.process === s), `quota rows: ${JSON.stringify(r.quota.map((q) => q.process))}`);
      assert.ok(r.timeline.some((t) => t.label === s), 'snapshot label kept');
      assert.ok(r.poolused.some((row) => row.tag === '<sc>'));
      assert.ok(r.hits.length >= 2 && r.hits.every((h) => h.tag === '<sc>'));
      // JSON (simulate --json, the worker transport) round-trips the strings exactly.
      const back = JSON.parse(JSON.stringify(r)) as typeof r;
      assert.equal(back.driver, s);
      assert.equal(back.scenario, s);
      // Text reports are text: the tag and names appear verbatim (HTML escaping is the webview's job).
      const text = renderReports(r, ['all'], { file: 'hostile.drvm' });
      assert.ok(text.includes('<sc>'), 'the tag is in the reports');
      assert.ok(text.includes(s) || !text.includes('Quota'), 'the process name is in the quota report');
    });
  }
});

describe('hostile input: pooltag.txt owners', () => {
  it('owner descriptions with markup and escape sequences are kept as data, and never invent tags', () => {
    const text = [
      `Abc  - evil.sys - <img src=x onerror=alert(1)> \u001b[31mred\u001b[0m`,
      `<sc> - <script>.sys - NUL\u0000inside`,
      `\u001b[1m - bad - a tag made of an escape sequence`,
      `// <script>alert(1)</script> - comment - not an entry`,
    ].join('\n');
    const db = parsePoolTagFile(text);
    assert.equal(db.entries.get('Abc ')?.description, '<img src=x onerror=alert(1)> \u001b[31mred\u001b[0m');
    assert.equal(db.entries.get('<sc>')?.binary, '<script>.sys');
    assert.ok(!db.entries.has('// <'), 'a comment is not an entry');
    const rows = [{ tag: 'Abc ', nonPaged: { allocs: 1, frees: 0, diff: 1, used: 8 }, paged: { allocs: 0, frees: 0, diff: 0, used: 0 } }];
    const report = formatPoolUsed(rows, 4, undefined, db);
    assert.ok(report.includes('<img src=x onerror=alert(1)>'), 'the owner is printed as written');
  });
});
