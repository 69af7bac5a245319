/**
 * Every counterexample the fuzzers ever found lives in test/fixtures/regressions/ (with the
 * examples beside it) and runs here through the whole core with the same invariants as the
 * property tests, plus the specific outcome that was wrong when it was found. A known failure
 * that is not fixed yet is a `todo` test naming the owner, never a silent skip.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from '../../server/src/core/parser';
import { check } from '../../server/src/core/checker';
import { lint } from '../../server/src/core/linter';
import { applyEdits } from '../../server/src/core/fixes';
import { LogParseError, parseLog } from '../../server/src/core/logs/index';
import { readdirSync } from 'node:fs';
import { ROOT, fixtureFiles } from './config';
import { OPEN_REGRESSIONS } from './knownIssues';
import { astRangeProblems, diagnosticProblems, fixKeepsSyntax } from './invariants';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

interface Expectation {
  what: string;
  check: (text: string) => void;
  /** Set while the owner has not fixed it: the reason, the owner, input/expected/actual. */
  todo?: string;
  /** The generic "every quick fix keeps the syntax" check is done by this expectation instead. */
  coversFixes?: boolean;
  /** The generic AST-range check is done by this expectation instead. */
  coversAst?: boolean;
}

/** The specific outcome each regression file pins down. */
const EXPECTATIONS: Record<string, Expectation[]> = {
  'invalid-tag-raw-escape.drvm': [
    {
      what: 'the invalid-tag message shows the ESC characters escaped, not raw',
      check: (text) => {
        const invalid = lint(text).diagnostics.filter((d) => d.rule === 'invalid-tag');
        assert.equal(invalid.length, 1);
        assert.doesNotMatch(invalid[0].message, CONTROL, JSON.stringify(invalid[0].message));
      },
    },
  ],
  'poolused-empty.txt': [
    {
      what: 'the TOTAL-only !poolused table PoolScope prints for a run with no allocation reads back as zero rows',
      check: (text) => assert.deepEqual(parseLog(text).rows, []),
    },
  ],
  'truncated-routine-fix.drvm': [
    {
      what: '"Free \'buf\' before ReadDispatch returns" on a routine cut before its `}` keeps the call intact (regression: free was inserted inside the call)',
      check: (text) => {
        const before = parse(text).diagnostics.filter((d) => d.rule === 'syntax-error').length;
        for (const d of lint(text).diagnostics) {
          for (const f of d.fixes ?? []) {
            const after = parse(applyEdits(text, f.edits)).diagnostics.filter((x) => x.rule === 'syntax-error').length;
            assert.ok(fixKeepsSyntax(before, after), `fix "${f.title}": ${before} → ${after} syntax errors`);
          }
        }
      },
      coversFixes: true,
    },
    {
      what: '"Free \'g_Ctx\' in DriverUnload" on a file cut inside a routine adds the unload routine, which parses',
      check: (text) => {
        const d = lint(text).diagnostics.find((x) => x.rule === 'leak-at-unload');
        assert.ok(d, 'leak-at-unload is reported');
        const fix = d.fixes!.find((f) => /DriverUnload/.test(f.title));
        assert.ok(fix, 'the fix is offered');
        const fixed = parse(applyEdits(text, fix.edits));
        assert.ok(fixed.script.routines.some((r) => r.kind === 'unload'), 'the unload routine exists');
        assert.equal(lint(applyEdits(text, fix.edits)).diagnostics.filter((x) => x.rule === 'leak-at-unload').length, 0);
      },
    },
  ],
  'poolmon-negative-diff.txt': [
    {
      what: 'a PoolMon row whose Diff is -1 (Allocs 1, Frees 0) is refused with the line, or read back consistent and non-negative',
      check: (text) => {
        let rows;
        try {
          rows = parseLog(text).rows ?? [];
        } catch (e) {
          assert.ok(e instanceof LogParseError);
          assert.equal(e.line, 9, 'the error names the LkCt line');
          return;
        }
        for (const r of rows) {
          for (const c of [r.nonPaged, r.paged]) {
            assert.ok(c.allocs >= 0 && c.frees >= 0 && c.diff >= 0 && c.used >= 0, `${r.tag}: ${JSON.stringify(c)}`);
            assert.equal(c.allocs - c.frees, c.diff, `${r.tag}: allocs − frees = diff`);
          }
        }
      },
    },
  ],
  'skipped-assign-misplaced.drvm': [
    {
      what: 'the local declared by skipped text stays inside its own block (every AST node inside its parent)',
      check: (text) => assert.deepEqual(astRangeProblems(text, parse(text).script), []),
      coversAst: true,
    },
    {
      what: 'one syntax error, and the routine still declares a, b and c',
      check: (text) => {
        const p = parse(text);
        assert.equal(p.diagnostics.length, 1);
        const c = check(p.script);
        const locals = c.symbols.locals.get(p.script.routines[0]);
        for (const n of ['a', 'b', 'c']) assert.ok(locals?.has(n), `${n} is a local`);
      },
    },
  ],
  'stray-braces.drvm': [
    {
      what: 'a run of 200 stray `}` is one syntax error, and the scenario after it still parses',
      check: (text) => {
        const r = parse(text);
        assert.equal(r.script.scenarios.length, 1);
        assert.equal(r.diagnostics.filter((d) => d.rule === 'syntax-error').length, 1);
      },
    },
    {
      what: 'the scenario after the stray braces still parses',
      check: (text) => assert.equal(parse(text).script.scenarios.length, 1),
    },
  ],
};

const REGRESSIONS = join(ROOT, 'test/fixtures/regressions');
const files = fixtureFiles();
/** Debugger-log regressions (inputs of `poolscope logs`). */
const logFiles = readdirSync(REGRESSIONS)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => join(REGRESSIONS, f));

describe('regressions and fixtures through the whole core', () => {
  it('the regression folder is not empty and every expectation names an existing file', () => {
    const names = new Set([...files, ...logFiles].map((f) => basename(f)));
    assert.ok(files.some((f) => f.includes(join('fixtures', 'regressions'))));
    for (const name of Object.keys(EXPECTATIONS)) assert.ok(names.has(name), `${name} exists`);
    const open = Object.entries(EXPECTATIONS)
      .filter(([, es]) => es.some((e) => e.todo))
      .map(([n]) => n)
      .sort();
    assert.deepEqual(open, [...OPEN_REGRESSIONS].sort(), 'knownIssues.ts lists exactly the fixtures with a todo expectation');
  });

  for (const file of files) {
    const name = file.slice(ROOT.length + 1);
    const text = readFileSync(file, 'utf8');
    it(`${name}: parse and lint keep every invariant; every quick fix applies without new syntax errors`, () => {
      const p = parse(text);
      assert.deepEqual(diagnosticProblems(text, p.diagnostics), []);
      if (!(EXPECTATIONS[basename(file)] ?? []).some((e) => e.coversAst)) assert.deepEqual(astRangeProblems(text, p.script), []);
      const r = lint(text, { file: name });
      assert.deepEqual(r.internalErrors ?? [], []);
      assert.deepEqual(diagnosticProblems(text, r.diagnostics), []);
      const before = p.diagnostics.filter((d) => d.rule === 'syntax-error').length;
      if ((EXPECTATIONS[basename(file)] ?? []).some((e) => e.coversFixes)) return;
      for (const d of r.diagnostics) {
        for (const f of d.fixes ?? []) {
          const fixed = applyEdits(text, f.edits);
          const after = parse(fixed).diagnostics.filter((x) => x.rule === 'syntax-error').length;
          assert.ok(fixKeepsSyntax(before, after), `fix "${f.title}" for ${d.rule} at ${d.range.start.line}: ${before} → ${after} syntax errors`);
        }
      }
    });
    for (const e of EXPECTATIONS[basename(file)] ?? []) {
      it(`${name}: ${e.what}`, e.todo ? { todo: e.todo } : {}, () => e.check(text));
    }
  }

  for (const file of logFiles) {
    const name = file.slice(ROOT.length + 1);
    const text = readFileSync(file, 'utf8');
    it(`${name}: parseLog returns or throws LogParseError`, () => {
      try {
        parseLog(text);
      } catch (e) {
        assert.ok(e instanceof LogParseError, String(e));
      }
    });
    for (const e of EXPECTATIONS[basename(file)] ?? []) {
      it(`${name}: ${e.what}`, e.todo ? { todo: e.todo } : {}, () => e.check(text));
    }
  }
});
