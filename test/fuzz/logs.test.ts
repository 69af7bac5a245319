/**
 * Property tests of the debugger-log parsers (`poolscope logs`): for any text — damaged real
 * logs, random lines, binary — `parseLog` returns or throws its own LogParseError (naming a
 * line that exists), in bounded time. And what PoolScope prints, it reads back: a formatted
 * `!poolused` (default or verbose, any sort, with owners) parses to the same rows; a formatted
 * `!poolfind` to the same blocks; PoolHitTag `kb` stacks of real simulation runs to the same
 * frames.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LogParseError, parseLog } from '../../server/src/core/logs/index';
import { formatPoolUsed } from '../../server/src/core/reports/poolused';
import { formatPoolFind } from '../../server/src/core/reports/poolfind';
import { formatHits } from '../../server/src/core/reports/hits';
import { parse } from '../../server/src/core/parser';
import { check } from '../../server/src/core/checker';
import { canRun, simulate, SimulationError } from '../../server/src/core/simulator/index';
import type { OutstandingBlock, PoolUsedRow } from '../../server/src/core/simulator/result';
import { applyByteEdits, scriptArb } from './arbitraries';
import { ROOT, fcParams } from './config';
import { lineStartsOf, timedStable } from './invariants';

const LOG_DIR = join(ROOT, 'test/fixtures/logs');
const logs = readdirSync(LOG_DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => readFileSync(join(LOG_DIR, f), 'utf8'));

/** Line-level damage: drop, duplicate, swap, truncate or splice in a line of another log. */
const lineEdit = fc.record({ op: fc.constantFrom('drop', 'dup', 'swap', 'cut', 'splice', 'chars'), at: fc.nat(), other: fc.nat(), n: fc.nat(80) });

function damageLines(text: string, edits: Array<{ op: string; at: number; other: number; n: number }>): string {
  let lines = text.split('\n');
  for (const e of edits) {
    if (lines.length === 0) lines = [''];
    const i = e.at % lines.length;
    const j = e.other % lines.length;
    switch (e.op) {
      case 'drop':
        lines.splice(i, 1);
        break;
      case 'dup':
        lines.splice(i, 0, lines[i]);
        break;
      case 'swap':
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      case 'cut':
        lines[i] = lines[i].slice(0, e.n);
        break;
      case 'splice': {
        const other = logs[e.other % logs.length].split('\n');
        lines.splice(i, 0, other[e.n % other.length]);
        break;
      }
      case 'chars':
        lines[i] = lines[i].slice(0, e.n) + ' 99999999999999999999 \t\u0000x' + lines[i].slice(e.n);
        break;
    }
  }
  return lines.join('\n');
}

const logText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...logs), fc.array(lineEdit, { minLength: 1, maxLength: 4 })).map(([t, es]) => damageLines(t, es)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...logs), fc.array(fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }))
      .map(([t, es]) => applyByteEdits(t, es)),
  },
  { weight: 1, arbitrary: fc.constantFrom(...logs) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom(' Tag    Allocs     Used    Allocs     Used', ' Abc         1        8         0        0', ' TOTAL', 'Searching Paged pool', '00 ffff`0000 fffff`1 nt!X', '', 'kd> ', ' Tag  Type     Allocs'), { maxLength: 8 })
      .map((ls) => ls.join('\n')),
  },
);

const tagChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_<>&!#$%.@'.split(''));
/** A tag as `!poolused` prints it: a non-blank first character, then up to 3 more (spaces allowed), padded. */
const tagArb = fc
  .tuple(tagChar, fc.array(fc.oneof(tagChar, fc.constant(' ')), { maxLength: 3 }))
  .map(([first, rest]) => (first + rest.join('') + '    ').slice(0, 4));
const count = fc.oneof(fc.nat(100), fc.nat(100_000_000), fc.constant(0));
const counters = fc.tuple(count, count, fc.oneof(fc.nat(10_000), fc.nat(2 ** 40))).map(([allocs, freed, used]) => {
  const frees = Math.min(freed, allocs);
  return { allocs, frees, diff: allocs - frees, used: allocs - frees === 0 ? 0 : used };
});
const ownerArb = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('Leaky read buffers , Binary: leaky.sys', 'PS/2 kb and mouse , Binary: i8042prt.sys', 'TDI AcdObjectInfoG ', "UNKNOWN pooltag 'Abc ', please update pooltag.txt"),
);
const rowsArb = fc
  .uniqueArray(fc.record({ tag: tagArb, nonPaged: counters, paged: counters, owner: ownerArb }), { selector: (r) => r.tag, minLength: 1, maxLength: 30 })
  // Plain objects (fast-check records have a null prototype, which deepStrictEqual would see).
  .map((rows) =>
    rows.map((r): PoolUsedRow => {
      const row: PoolUsedRow = { tag: r.tag, nonPaged: { ...r.nonPaged }, paged: { ...r.paged } };
      if (r.owner !== undefined) row.owner = r.owner;
      return row;
    }),
  );

function byTag(rows: readonly PoolUsedRow[]): PoolUsedRow[] {
  return [...rows].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

describe('log parser fuzz', () => {
  it('returns or throws LogParseError naming an existing line, in bounded time (10,000 texts)', () => {
    fc.assert(
      fc.property(logText, (text) => {
        const lineCount = lineStartsOf(text).length;
        const { ms } = timedStable(() => {
          try {
            const r = parseLog(text);
            assert.ok(['poolused', 'poolused-verbose', 'poolmon', 'poolfind', 'kb'].includes(r.format));
            for (const row of r.rows ?? []) {
              // Finite numbers only; that a row is non-negative and consistent is a separate (todo)
              // regression: test/fixtures/regressions/poolmon-negative-diff.txt.
              for (const c of [row.nonPaged, row.paged]) for (const v of Object.values(c)) assert.ok(Number.isFinite(v), `counter ${v}`);
            }
          } catch (e) {
            if (!(e instanceof LogParseError)) throw new Error(`parseLog threw ${e instanceof Error ? e.stack : String(e)}`);
            assert.ok(e.line >= 1 && e.line <= lineCount + 1, `error line ${e.line} of ${lineCount}`);
            assert.ok(e.message.length > 0 && e.message.length < 500);
          }
        }, 500);
        assert.ok(ms < 500, `parseLog took ${ms.toFixed(0)} ms`);
      }),
      fcParams(10_000),
    );
  });

  it('a formatted verbose !poolused parses back to the same rows, owners included (5,000 tables)', () => {
    fc.assert(
      fc.property(rowsArb, fc.constantFrom(1, 3, 5), (rows, flags) => {
        const text = formatPoolUsed(rows, flags);
        const back = parseLog(text);
        assert.equal(back.format, 'poolused-verbose');
        assert.deepEqual(byTag(back.rows ?? []), byTag(rows), text);
      }),
      fcParams(5_000),
    );
  });

  it('a formatted default !poolused parses back to the same live blocks and bytes (5,000 tables)', () => {
    fc.assert(
      fc.property(rowsArb, fc.constantFrom(0, 2, 4), (rows, flags) => {
        const text = formatPoolUsed(rows, flags);
        const back = parseLog(text);
        assert.equal(back.format, 'poolused');
        assert.equal(back.sort, flags === 2 ? 'nonPaged' : flags === 4 ? 'paged' : 'tag');
        const got = byTag(back.rows ?? []).map((r) => [r.tag, r.nonPaged.diff, r.nonPaged.used, r.paged.diff, r.paged.used, r.owner]);
        const want = byTag(rows).map((r) => [r.tag, r.nonPaged.diff, r.nonPaged.used, r.paged.diff, r.paged.used, r.owner]);
        assert.deepEqual(got, want, text);
      }),
      fcParams(5_000),
    );
  });

  it(
    'an empty !poolused table (no allocation, or a pattern that matches nothing) reads back as zero rows',
    () => {
      for (const flags of [0, 1, 4]) {
        const back = parseLog(formatPoolUsed([], flags));
        assert.deepEqual(back.rows, []);
      }
    },
  );

  it('simulated runs: !poolused, !poolfind and PoolHitTag kb stacks parse back (1,000 runs)', () => {
    fc.assert(
      fc.property(scriptArb({ runnable: true, depth: 2, maxStatements: 3, maxRepeat: 3 }), fc.nat(), (text, seed) => {
        const p = parse(text);
        const c = check(p.script);
        fc.pre(canRun([...p.diagnostics, ...c.diagnostics]));
        let r;
        try {
          r = simulate(p.script, c.symbols, { seed, maxSteps: 5_000, continueOnBugcheck: true, hitTag: 'Abc ', maxHits: 20, file: 'fuzz.drvm' });
        } catch (e) {
          if (e instanceof SimulationError) return;
          throw e;
        }
        if (r.poolused.length > 0) {
          const used = parseLog(formatPoolUsed(r.poolused, 1));
          assert.deepEqual(byTag(used.rows ?? []), byTag(r.poolused));
        }
        const tags = [...new Set(r.outstanding.map((b) => b.tag))];
        for (const tag of tags) {
          const found = parseLog(formatPoolFind(r.outstanding, tag));
          assert.equal(found.format, 'poolfind');
          const want = r.outstanding
            .filter((b: OutstandingBlock) => b.tag === tag)
            .map((b) => [b.address, b.pool, b.size, b.tag])
            .sort();
          const got = (found.blocks ?? []).map((b) => [b.address, b.pool, b.size, b.tag]).sort();
          assert.deepEqual(got, want);
        }
        if (r.hits.length > 0) {
          const kb = parseLog(formatHits(r.hits, r.hitsDropped, 'fuzz.drvm'));
          assert.equal(kb.format, 'kb');
          const stacks = kb.stacks ?? (kb.frames ? [kb.frames] : []);
          assert.equal(stacks.length, r.hits.length, 'one stack per break');
          stacks.forEach((s, i) => {
            assert.deepEqual(
              s.map((f) => [f.frame, f.line]),
              r.hits[i].stack.map((f) => [f.frame, f.line]),
            );
          });
        }
      }),
      fcParams(1_000, 0.1),
    );
  });
});
