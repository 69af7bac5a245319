/**
 * Property tests of the lexer and parser (issue #7): for any text — generated scripts,
 * damaged fixtures, random binary — `parse` returns (never throws, never reports an internal
 * error), in bounded time, with every diagnostic and every AST node range inside the document
 * and consistent with the text. Grammatical scripts parse without syntax errors, and the
 * error-recovery contract of language.md holds on them: one missing `;` is one error, one
 * missing `}` before the next routine is one error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/core/parser';
import { tokenize } from '../../server/src/core/lexer';
import { anyScriptArb, scriptArb, splitTokens } from './arbitraries';
import { fcParams, fixtureTexts } from './config';
import { astRangeProblems, diagnosticProblems, timedStable } from './invariants';

const fixtures = fixtureTexts();
/** A small script's parse taking longer than this is a hang or a quadratic blow-up. */
const PER_INPUT_MS = 500;

function syntaxErrors(text: string) {
  return parse(text).diagnostics.filter((d) => d.rule === 'syntax-error');
}

describe('parser fuzz', () => {
  it('never throws; diagnostics and AST ranges are in the document and consistent (10,000 inputs)', () => {
    let slowest = 0;
    fc.assert(
      fc.property(anyScriptArb(fixtures, { depth: 2, maxStatements: 3 }), (text) => {
        const { value: r, ms } = timedStable(() => parse(text), PER_INPUT_MS);
        slowest = Math.max(slowest, ms);
        assert.ok(ms < PER_INPUT_MS, `parse took ${ms.toFixed(0)} ms`);
        assert.equal(r.script.type, 'script');
        assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
        assert.deepEqual(astRangeProblems(text, r.script), []);
        for (const d of r.diagnostics) assert.equal(d.rule, 'syntax-error', `parse reports only syntax errors, got ${d.rule}`);
      }),
      fcParams(10_000),
    );
    assert.ok(slowest < PER_INPUT_MS);
  });

  it('the lexer covers every character: tokens and comments tile the text in order', () => {
    fc.assert(
      fc.property(anyScriptArb(fixtures, { depth: 2, maxStatements: 3 }), (text) => {
        const { tokens, comments } = tokenize(text);
        const pieces = [...tokens.filter((t) => t.kind !== 'eof'), ...comments.map((c) => ({ start: c.range.start, end: c.range.end }))].sort(
          (a, b) => a.start.offset - b.start.offset,
        );
        let at = 0;
        for (const p of pieces) {
          assert.ok(p.start.offset >= at, `token at ${p.start.offset} overlaps the previous one ending at ${at}`);
          // Between tokens only whitespace (including the odd spaces the lexer accepts).
          assert.match(text.slice(at, p.start.offset), /^[\s\u00a0\ufeff]*$/u, `untokenized text at ${at}`);
          at = p.end.offset;
        }
        assert.match(text.slice(at), /^[\s\u00a0\ufeff]*$/u, `untokenized text at the end, from ${at}`);
      }),
      fcParams(10_000, 0.5),
    );
  });

  it('grammatical scripts parse without syntax errors (10,000 generated scripts)', () => {
    fc.assert(
      fc.property(scriptArb({ depth: 3, maxStatements: 3 }), (text) => {
        const errors = syntaxErrors(text);
        assert.deepEqual(
          errors.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`),
          [],
        );
      }),
      fcParams(10_000),
    );
  });

  it('one missing `;` in a grammatical script is exactly one syntax error', () => {
    const withSemicolon = scriptArb({ depth: 2, maxStatements: 3 }).chain((text) => {
      const toks = splitTokens(text);
      const semis = toks.flatMap((t, i) => (t === ';' ? [i] : []));
      return fc.constant(text).chain(() => fc.nat({ max: Math.max(0, semis.length - 1) }).map((k) => ({ text, toks, at: semis[k] })));
    });
    fc.assert(
      fc.property(withSemicolon, ({ text, toks, at }) => {
        fc.pre(at !== undefined);
        const damaged = toks.filter((_, i) => i !== at).join('');
        const errors = syntaxErrors(damaged);
        assert.equal(errors.length, 1, `deleting the ';' at token ${at} of\n${text}\ngave ${JSON.stringify(errors.map((e) => `${e.range.start.line}:${e.range.start.column} ${e.message}`))}`);
      }),
      fcParams(2_000),
    );
  });

  it('one missing `}` at the end of a routine followed by another declaration is exactly one syntax error', () => {
    fc.assert(
      fc.property(scriptArb({ depth: 2, maxStatements: 3 }), fc.nat(), (text, pickIndex) => {
        // A routine's closing brace: a `}` alone on its line, followed by a blank line and a declaration.
        const closes = [...text.matchAll(/\n\}\n\n(?=entry|unload|dispatch|dpc|completion|workitem|routine|scenario)/g)].map((m) => m.index! + 1);
        fc.pre(closes.length > 0);
        const at = closes[pickIndex % closes.length];
        const damaged = text.slice(0, at) + text.slice(at + 1);
        const before = parse(text).script;
        const r = parse(damaged);
        const errors = r.diagnostics.filter((d) => d.rule === 'syntax-error');
        assert.equal(errors.length, 1, `removing the } at offset ${at} gave ${JSON.stringify(errors.map((e) => e.message))}`);
        assert.equal(r.script.routines.length, before.routines.length, 'every routine is still declared');
        assert.equal(r.script.scenarios.length, before.scenarios.length, 'every scenario is still declared');
      }),
      fcParams(2_000),
    );
  });
});
