/**
 * Property tests of the whole lint pipeline (parse → check → rules → silencing → fixes):
 * for any text it returns without throwing, no rule fails internally, every diagnostic,
 * related location and quick-fix edit lies inside the document, and every quick fix applies
 * (edits non-overlapping, the same result through core/fixes.ts and an independent
 * application) to a text that parses without new syntax errors. "Disable <rule> for this
 * line" really silences the finding it is offered on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lint, RULE_NAMES } from '../../server/src/core/linter';
import { parse } from '../../server/src/core/parser';
import { applyEdits } from '../../server/src/core/fixes';
import type { ConfiguredSeverity, Diagnostic } from '../../server/src/core/diagnostics';
import { anyScriptArb, scriptArb } from './arbitraries';
import { fcParams, fixtureTexts } from './config';
import { applyEditsIndependently, diagnosticProblems, fixKeepsSyntax, timedStable } from './invariants';

const fixtures = fixtureTexts();

function syntaxErrorCount(text: string): number {
  return parse(text).diagnostics.filter((d) => d.rule === 'syntax-error').length;
}

function describeDiag(d: Diagnostic): string {
  return `${d.rule} ${d.range.start.line}:${d.range.start.column} ${d.message}`;
}

/** Scripts for the linter: mostly well-formed (the rules have something to find), some damaged. */
const lintInput = fc.oneof(
  { weight: 3, arbitrary: scriptArb({ depth: 2, maxStatements: 3 }) },
  { weight: 1, arbitrary: scriptArb({ runnable: true, depth: 2, maxStatements: 3 }) },
  { weight: 2, arbitrary: anyScriptArb(fixtures, { depth: 2, maxStatements: 3 }) },
);

describe('linter fuzz', () => {
  it('never throws, no rule fails internally, every range in the document (10,000 inputs)', () => {
    fc.assert(
      fc.property(lintInput, (text) => {
        const { value: r, ms } = timedStable(() => lint(text, { file: 'fuzz.drvm' }), 1_000);
        assert.ok(ms < 1_000, `lint took ${ms.toFixed(0)} ms`);
        assert.deepEqual(r.internalErrors ?? [], []);
        assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
        for (const d of r.diagnostics) {
          assert.ok(d.fixes && d.fixes.length >= 1, `${describeDiag(d)} has no fix (the disable fix is always offered)`);
          assert.match(d.fixes[d.fixes.length - 1].title, /^Disable .* for this line$/, 'the disable fix comes last');
        }
      }),
      fcParams(10_000),
    );
  });

  it('every quick fix applies cleanly and adds no syntax error (2,000 inputs, every fix)', () => {
    fc.assert(
      fc.property(lintInput, (text) => {
        const r = lint(text, { file: 'fuzz.drvm' });
        const before = syntaxErrorCount(text);
        for (const d of r.diagnostics) {
          for (const f of d.fixes ?? []) {
            const fixed = applyEdits(text, f.edits);
            assert.equal(fixed, applyEditsIndependently(text, f.edits), `fix "${f.title}" applies differently`);
            const after = syntaxErrorCount(fixed);
            assert.ok(
              fixKeepsSyntax(before, after),
              `fix "${f.title}" for ${describeDiag(d)} adds syntax errors (${before} → ${after}):\n${JSON.stringify(f.edits)}\n--- fixed text:\n${fixed}`,
            );
          }
        }
      }),
      fcParams(2_000, 0.2),
    );
  });

  it('"Disable <rule> for this line" silences that finding (1,000 inputs)', () => {
    fc.assert(
      fc.property(scriptArb({ depth: 2, maxStatements: 3 }), fc.nat(), (text, k) => {
        const r = lint(text, { file: 'fuzz.drvm' });
        const candidates = r.diagnostics.filter((d) => d.rule !== 'syntax-error');
        fc.pre(candidates.length > 0);
        const d = candidates[k % candidates.length];
        const fix = d.fixes![d.fixes!.length - 1];
        const fixed = applyEdits(text, fix.edits);
        const again = lint(fixed, { file: 'fuzz.drvm' });
        const count = (ds: Diagnostic[], rule: string) => ds.filter((x) => x.rule === rule).length;
        assert.ok(
          count(again.diagnostics, d.rule) < count(r.diagnostics, d.rule),
          `after "${fix.title}" for ${describeDiag(d)} the rule still reports ${count(again.diagnostics, d.rule)} finding(s)`,
        );
        assert.equal(count(again.diagnostics, 'unknown-rule'), count(r.diagnostics, 'unknown-rule'), 'the inserted comment names a known rule');
      }),
      fcParams(1_000, 0.1),
    );
  });
});

describe('linter configuration fuzz', () => {
  const severity = fc.constantFrom('off', 'hint', 'info', 'warning', 'error') as fc.Arbitrary<ConfiguredSeverity>;
  const config = fc.dictionary(fc.constantFrom(...RULE_NAMES), severity, { maxKeys: 6 });

  it('configured severities: `off` removes a rule, any other severity replaces it, nothing else changes (1,000 inputs)', () => {
    fc.assert(
      fc.property(lintInput, config, (text, rules) => {
        const plain = lint(text, { file: 'fuzz.drvm' }).diagnostics;
        const configured = lint(text, { file: 'fuzz.drvm', rules }).diagnostics;
        const key = (d: Diagnostic) => `${d.rule}@${d.range.start.offset}-${d.range.end.offset}:${d.message}`;
        const want = plain.filter((d) => rules[d.rule] !== 'off').map((d) => `${key(d)}/${rules[d.rule] ?? d.severity}`);
        const got = configured.map((d) => `${key(d)}/${d.severity}`);
        assert.deepEqual(got.sort(), want.sort());
      }),
      fcParams(1_000, 0.1),
    );
  });

  it('`// poolscope-disable <rule>` at the top silences that rule everywhere, and only that rule (1,000 inputs)', () => {
    fc.assert(
      fc.property(scriptArb({ depth: 2, maxStatements: 3 }), fc.nat(), (text, k) => {
        const plain = lint(text, { file: 'fuzz.drvm' }).diagnostics.filter((d) => d.rule !== 'syntax-error');
        fc.pre(plain.length > 0);
        const rule = plain[k % plain.length].rule;
        const silenced = lint(`// poolscope-disable ${rule}\n${text}`, { file: 'fuzz.drvm' }).diagnostics;
        assert.deepEqual(silenced.filter((d) => d.rule === rule).map(describeDiag), []);
        const others = (ds: Diagnostic[], shift: number) =>
          ds.filter((d) => d.rule !== rule).map((d) => `${d.rule}@${d.range.start.line - shift}:${d.range.start.column}`).sort();
        assert.deepEqual(others(silenced, 1), others(plain, 0));
      }),
      fcParams(1_000, 0.1),
    );
  });

  it('CRLF line breaks give the same findings at the same lines and columns as LF (1,000 inputs)', () => {
    fc.assert(
      fc.property(scriptArb({ depth: 2, maxStatements: 3 }), (text) => {
        const crlf = text.replace(/\n/g, '\r\n');
        const at = (ds: Diagnostic[]) =>
          ds.map((d) => `${d.rule} ${d.range.start.line}:${d.range.start.column}-${d.range.end.line}:${d.range.end.column} ${d.message}`).sort();
        const lf = lint(text, { file: 'fuzz.drvm' });
        const cr = lint(crlf, { file: 'fuzz.drvm' });
        assert.deepEqual(at(cr.diagnostics), at(lf.diagnostics));
        assert.deepEqual(diagnosticProblems(crlf, cr.diagnostics), []);
        // Fixes keep the file's line breaks: no bare LF inserted into a CRLF file.
        for (const d of cr.diagnostics) for (const f of d.fixes ?? []) for (const e of f.edits) assert.doesNotMatch(e.newText, /(^|[^\r])\n/, `fix "${f.title}" inserts a bare LF`);
      }),
      fcParams(1_000, 0.1),
    );
  });
});
