/**
 * Property tests of incremental parsing (core/incremental.ts): after any sequence of edits —
 * typing, deleting, pasting braces, comment openers, keywords, line breaks, CRLF — the parse
 * that reuses the previous version's trees is exactly the parse from scratch: the same
 * declarations, comments, diagnostics and positions. A wrong reuse would show as a stale or
 * shifted position, a lost or doubled diagnostic, or a declaration parsed in the wrong state.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/core/parser';
import { parseIncremental, type ParseSnapshot } from '../../server/src/core/incremental';
import { scriptArb, anyScriptArb } from './arbitraries';
import { fcParams, fixtureTexts } from './config';

const fixtures = fixtureTexts();

/** The parse as plain data: every field and position that a consumer could read. */
function plain(text: string, snapshot: ReturnType<typeof parse>): string {
  return JSON.stringify({ script: snapshot.script, diagnostics: snapshot.diagnostics, length: text.length });
}

const PIECES = ['{', '}', ';', '\n', '\r\n', '/*', '*/', '//', "'", '"', 'routine R(p) { ', 'dpc D { ', 'scenario s { load; }\n', 'x = ', 'ExFreePool(p);', '  ', 'global g;\n', 'unload', ' if (p == NULL) return;'];

/** An edit: replace text[at, at+remove) by insert (positions as fractions of the length). */
const editArb = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 40 }),
  insert: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }), fc.constant('')),
});

function applyEdit(text: string, e: { at: number; remove: number; insert: string }): string {
  const at = Math.floor(e.at * text.length);
  return text.slice(0, at) + e.insert + text.slice(Math.min(text.length, at + e.remove));
}

/** Several generated scripts one after another: long enough to have declarations to reuse. */
const documentArb = fc.oneof(
  fc.array(scriptArb({ depth: 2, maxStatements: 3 }), { minLength: 2, maxLength: 5 }).map((parts) => parts.join('\n')),
  fc.array(anyScriptArb(fixtures, { depth: 2, maxStatements: 3 }), { minLength: 2, maxLength: 4 }).map((parts) => parts.join('\n')),
);

describe('incremental parsing', () => {
  it('equals the parse from scratch after every edit of a sequence (3,000 sequences)', () => {
    let reusedAny = 0;
    fc.assert(
      fc.property(documentArb, fc.array(editArb, { minLength: 1, maxLength: 6 }), (start, edits) => {
        let text = start;
        let snapshot: ParseSnapshot = parseIncremental(text, undefined, 0).snapshot;
        for (const e of edits) {
          text = applyEdit(text, e);
          const inc = parseIncremental(text, snapshot, 0);
          if (inc.reused > 0) reusedAny++;
          assert.equal(plain(text, inc.result), plain(text, parse(text)));
          snapshot = inc.snapshot;
        }
      }),
      fcParams(3_000),
    );
    // The property must exercise reuse, not only the fallback.
    assert.ok(reusedAny > 1000, `only ${reusedAny} edits reused declarations`);
  });

  it('an edit inside one routine of a long script re-parses only around it', () => {
    const routines = Array.from({ length: 200 }, (_, i) => `routine H${i}(p) {\n    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, ${16 + i}, 'T${i % 10}  ');\n    ExFreePool(b);\n}\n`);
    const text = routines.join('\n');
    const { snapshot } = parseIncremental(text, undefined);
    const at = text.indexOf('H100(p)');
    const edited = text.slice(0, at) + 'X' + text.slice(at);
    const inc = parseIncremental(edited, snapshot);
    assert.ok(inc.reused >= 197, `reused ${inc.reused} of 200`);
    assert.equal(plain(edited, inc.result), plain(edited, parse(edited)));
    assert.equal(inc.result.script.routines[100].name.name, 'XH100');
    assert.equal(inc.result.script.routines[150].range.start.offset, edited.indexOf('routine H150'));
  });
});
