import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits } from '../../../server/src/core/fixes';
import { lint, validateRulesConfig } from '../../../server/src/core/linter';
import { RULES } from '../../../server/src/core/rules/index';
import type { RuleDefinition } from '../../../server/src/core/rules/rule';
import { applyFix, fixNamed, leakyText, locate, positions, script } from './helpers';

const QUOTA_DPC = script(
  'dpc D {',
  "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
  "    ExFreePoolWithTag(a, 'Qa  ');",
  "    b = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qb  ');",
  "    ExFreePoolWithTag(b, 'Qb  ');",
  '}',
);

describe('linter: pipeline', () => {
  it('finds the context and tag findings of leaky.drvm, sorted by position', () => {
    const { diagnostics } = lint(leakyText(), { file: 'leaky.drvm' });
    const mine = new Set(['quota-in-dpc', 'paged-free-at-dispatch', 'shared-tag', 'deprecated-allocator']);
    const got = diagnostics.filter((d) => mine.has(d.rule)).map((d) => `${d.rule}@${d.range.start.line}`);
    assert.deepEqual(got, [
      'deprecated-allocator@14',
      'shared-tag@14',
      'deprecated-allocator@23',
      'shared-tag@23',
      'deprecated-allocator@28',
      'quota-in-dpc@28',
      'paged-free-at-dispatch@31',
    ]);
    for (let i = 1; i < diagnostics.length; i++) {
      assert.ok(diagnostics[i - 1].range.start.offset <= diagnostics[i].range.start.offset, 'sorted by position');
    }
  });

  it('appends "Disable <rule> for this line" last to every diagnostic', () => {
    const { diagnostics } = lint(leakyText());
    assert.ok(diagnostics.length > 0);
    for (const d of diagnostics) assert.equal(d.fixes?.at(-1)?.title, `Disable ${d.rule} for this line`);
  });

  it('still reports every other finding in a script with a syntax error', () => {
    const text = script(
      'dispatch IRP_MJ_READ R {',
      '    x = ;',
      '}',
      'dpc D {',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ')",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      '}',
    );
    const { diagnostics } = lint(text);
    const rules = diagnostics.map((d) => `${d.rule}@${d.range.start.line}`);
    assert.ok(rules.filter((r) => r.startsWith('syntax-error')).length >= 1, rules.join());
    assert.ok(rules.includes('quota-in-dpc@5'), rules.join());
  });

  it('keeps going when a rule throws: only its findings are lost, the error is recorded', () => {
    const broken: RuleDefinition = {
      name: 'shared-tag',
      defaultSeverity: 'warning',
      check() {
        throw new Error('boom');
      },
    };
    const result = lint(QUOTA_DPC, { ruleSet: [broken, ...RULES.filter((r) => r.name !== 'shared-tag')] });
    assert.deepEqual(result.internalErrors, [{ rule: 'shared-tag', message: 'boom' }]);
    assert.deepEqual(positions(QUOTA_DPC, 'quota-in-dpc'), [[2, 9], [4, 9]]);
    assert.equal(result.diagnostics.filter((d) => d.rule === 'quota-in-dpc').length, 2);
    assert.equal(lint(QUOTA_DPC).internalErrors, undefined);
  });

  it('never throws on arbitrary text', () => {
    for (const text of ['', '}}}{{{', 'dpc', "dpc D { a = ExAllocatePoolWithQuotaTag(", '\u0000\uFFFD', 'routine R(a,,) { R(a); }']) {
      assert.doesNotThrow(() => lint(text));
    }
  });
});

describe('linter: silencing comments', () => {
  it('poolscope-disable-next-line silences the listed rules on the next line only', () => {
    const text = script(
      'dpc D {',
      '    // poolscope-disable-next-line quota-in-dpc, deprecated-allocator',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      "    b = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qb  ');",
      "    ExFreePoolWithTag(b, 'Qb  ');",
      '}',
    );
    assert.deepEqual(positions(text, 'quota-in-dpc'), [[5, 9]]);
    assert.deepEqual(positions(text, 'deprecated-allocator'), [[5, 9]]);
  });

  it('names may be separated by spaces, and a `-- reason` is ignored', () => {
    const text = script(
      'dpc D {',
      '    // poolscope-disable-next-line quota-in-dpc deprecated-allocator -- the model of a legacy driver',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      '}',
    );
    assert.deepEqual(positions(text, 'quota-in-dpc'), []);
    assert.deepEqual(positions(text, 'deprecated-allocator'), []);
    assert.deepEqual(positions(text, 'unknown-rule'), []);
  });

  it('poolscope-disable silences a rule for the rest of the file', () => {
    const text = script(
      'dpc D {',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      '    // poolscope-disable quota-in-dpc',
      "    b = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qb  ');",
      "    ExFreePoolWithTag(b, 'Qb  ');",
      '}',
      'dpc E {',
      "    c = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qc  ');",
      "    ExFreePoolWithTag(c, 'Qc  ');",
      '}',
    );
    assert.deepEqual(positions(text, 'quota-in-dpc'), [[2, 9]]);
    assert.deepEqual(positions(text, 'deprecated-allocator'), [[2, 9], [5, 9], [9, 9]]);
  });

  it('reports an unknown rule name on that name, with a suggestion, and still applies the known ones', () => {
    const text = script(
      'dpc D {',
      '    // poolscope-disable-next-line quota-in-dcp, deprecated-allocator',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      '}',
      '/* poolscope-disable no-such-rule */',
    );
    const unknown = lint(text).diagnostics.filter((d) => d.rule === 'unknown-rule');
    const typo = locate(text, 'quota-in-dcp');
    const bogus = locate(text, 'no-such-rule');
    assert.deepEqual(unknown.map((d) => [d.range.start.line, d.range.start.column, d.range.end.column, d.severity]), [
      [2, typo.column, typo.column + 'quota-in-dcp'.length, 'warning'],
      [6, bogus.column, bogus.column + 'no-such-rule'.length, 'warning'],
    ]);
    assert.deepEqual([typo.line, typo.column, bogus.line, bogus.column], [2, 36, 6, 22]);
    assert.match(unknown[0].message, /'quota-in-dcp'.*did you mean 'quota-in-dpc'/);
    assert.deepEqual(positions(text, 'quota-in-dpc'), [[3, 9]]);
    assert.deepEqual(positions(text, 'deprecated-allocator'), []);
  });

  it('a directive without names silences every rule; block comments work too', () => {
    const text = script(
      'dpc D {',
      '    /* poolscope-disable-next-line */',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      "    b = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qb  ');",
      "    ExFreePoolWithTag(b, 'Qb  ');",
      '}',
    );
    assert.deepEqual(lint(text).diagnostics.filter((d) => d.range.start.line === 3), []);
    assert.deepEqual(positions(text, 'quota-in-dpc'), [[5, 9]]);
    const rest = script('// poolscope-disable', 'dpc D {', "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa');", '}');
    assert.deepEqual(lint(rest).diagnostics, []);
  });

  it('text that merely mentions the directive inside a comment does nothing', () => {
    const text = script(
      'dpc D {',
      '    // see poolscope-disable-next-line quota-in-dpc in the docs',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      '}',
    );
    assert.deepEqual(positions(text, 'quota-in-dpc'), [[3, 9]]);
  });
});

describe('linter: "Disable <rule> for this line"', () => {
  it('inserts an indented comment above the line, which silences the finding', () => {
    const { diagnostics } = lint(QUOTA_DPC);
    const d = diagnostics.find((x) => x.rule === 'quota-in-dpc')!;
    const fixed = applyFix(QUOTA_DPC, fixNamed(d, 'Disable quota-in-dpc for this line'));
    assert.equal(fixed.split('\n')[1], '    // poolscope-disable-next-line quota-in-dpc');
    assert.deepEqual(positions(fixed, 'quota-in-dpc'), [[5, 9]]);
  });

  it('extends an existing poolscope-disable-next-line comment instead of adding a second', () => {
    const text = script(
      'dpc D {',
      '    // poolscope-disable-next-line deprecated-allocator -- legacy',
      "    a = ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'Qa  ');",
      "    ExFreePoolWithTag(a, 'Qa  ');",
      '}',
    );
    const d = lint(text).diagnostics.find((x) => x.rule === 'quota-in-dpc')!;
    const fixed = applyFix(text, fixNamed(d, 'Disable quota-in-dpc for this line'));
    assert.equal(fixed.split('\n')[1], '    // poolscope-disable-next-line deprecated-allocator, quota-in-dpc -- legacy');
    assert.deepEqual(positions(fixed, 'quota-in-dpc'), []);
    assert.deepEqual(positions(fixed, 'deprecated-allocator'), []);
  });

  it('keeps CRLF line endings', () => {
    const text = QUOTA_DPC.replace(/\n/g, '\r\n');
    const d = lint(text).diagnostics.find((x) => x.rule === 'quota-in-dpc')!;
    const fixed = applyEdits(text, fixNamed(d, 'Disable quota-in-dpc for this line').edits);
    assert.ok(fixed.includes('    // poolscope-disable-next-line quota-in-dpc\r\n    a = '));
    assert.deepEqual(positions(fixed, 'quota-in-dpc'), [[5, 9]]);
  });
});

describe('linter: configured severities', () => {
  it('overrides severities and removes rules set to off', () => {
    const text = leakyText();
    const { diagnostics } = lint(text, { rules: { 'shared-tag': 'error', 'deprecated-allocator': 'off', 'quota-in-dpc': 'info' } });
    assert.deepEqual(diagnostics.filter((d) => d.rule === 'deprecated-allocator'), []);
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === 'shared-tag').map((d) => [d.range.start.line, d.severity]),
      [
        [14, 'error'],
        [23, 'error'],
      ],
    );
    assert.deepEqual(
      diagnostics.filter((d) => d.rule === 'quota-in-dpc').map((d) => [d.range.start.line, d.severity]),
      [[28, 'info']],
    );
  });

  it('validates a rules configuration: unknown rules and severities are problems, the rest is kept', () => {
    const v = validateRulesConfig({ 'shared-tag': 'off', 'quota-in-dpc': 'fatal', 'shared-tags': 'error' });
    assert.deepEqual(v.rules, { 'shared-tag': 'off' });
    assert.deepEqual(
      v.problems.map((p) => p.rule),
      ['quota-in-dpc', 'shared-tags'],
    );
    assert.match(v.problems[0].message, /unknown severity "fatal".*off, hint, info, warning, error/);
    assert.match(v.problems[1].message, /unknown rule 'shared-tags' \(did you mean 'shared-tag'\?\)/);
    assert.deepEqual(validateRulesConfig(undefined), { rules: {}, problems: [] });
    assert.equal(validateRulesConfig(['x']).problems.length, 1);
  });
});
