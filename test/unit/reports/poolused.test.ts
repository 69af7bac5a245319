import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatPoolUsed,
  parsePoolTagFile,
  sortPoolUsed,
} from '../../../server/src/core/reports';
import { row } from './fixtures';

const spec = [row('Abc ', [0, 0, 0, 0], [36405, 0, 36405, 33930272])];

test('default layout reproduces simulator.md example exactly', () => {
  assert.equal(
    formatPoolUsed(spec, 4),
    [
      '   Sorting by Paged Pool Consumed',
      '',
      '  Pool Used:',
      '            NonPaged            Paged',
      ' Tag    Allocs     Used    Allocs     Used',
      ' Abc         0        0     36405 33930272',
      ' TOTAL       0        0     36405 33930272',
      '',
    ].join('\n'),
  );
});

test('default layout: Allocs is the number of live blocks (diff), not allocation operations', () => {
  const text = formatPoolUsed([row('Abc ', [0, 0, 0, 0], [1000, 990, 10, 40960])], 0);
  assert.ok(text.includes('\n Abc         0        0        10    40960\n'), text);
});

test('sort lines for 0, 0x2, 0x4', () => {
  assert.equal(formatPoolUsed(spec, 0).split('\n')[0], '   Sorting by Tag');
  assert.equal(formatPoolUsed(spec, 2).split('\n')[0], '   Sorting by NonPaged Pool Consumed');
  assert.equal(formatPoolUsed(spec, 4).split('\n')[0], '   Sorting by Paged Pool Consumed');
  assert.equal(formatPoolUsed(spec, 5).split('\n')[0], '   Sorting by Paged Pool Consumed');
});

test('verbose layout: Allocs Frees Diff Used per pool, columns right-aligned under the header', () => {
  const rows = [row('Tron', [1, 1, 0, 0], [0, 0, 0, 0]), row('Abc ', [0, 0, 0, 0], [1000, 990, 10, 40960])];
  const lines = formatPoolUsed(rows, 1).split('\n');
  assert.equal(lines[4], ' Tag    Allocs    Frees     Diff     Used   Allocs    Frees     Diff     Used');
  assert.equal(lines[5], ' Abc         0        0        0        0     1000      990       10    40960');
  assert.equal(lines[6], ' Tron        1        1        0        0        0        0        0        0');
  assert.equal(lines[7], ' TOTAL       1        1        0        0     1000      990       10    40960');
  // Every number ends under the last letter of its header word.
  const header = lines[4];
  const ends = [...header.matchAll(/\S+/g)].slice(1).map((m) => m.index! + m[0].length);
  for (const line of lines.slice(5, 8)) {
    const numberEnds = [...line.slice(5).matchAll(/\d+/g)].map((m) => 5 + m.index! + m[0].length);
    assert.deepEqual(numberEnds, ends, line);
  }
});

test('default order is by tag in code-unit order (upper case before lower case)', () => {
  const rows = [row('abcd', [1, 0, 1, 1], [0, 0, 0, 0]), row('AcdN', [1, 0, 1, 1], [0, 0, 0, 0]), row('AGP ', [1, 0, 1, 1], [0, 0, 0, 0])];
  assert.deepEqual(sortPoolUsed(rows, 0).map((r) => r.tag), ['AGP ', 'AcdN', 'abcd']);
});

test('0x4 sorts by paged bytes, 0x2 by non-paged bytes, largest first, ties by tag', () => {
  const rows = [
    row('Aaaa', [0, 0, 0, 0], [1, 0, 1, 10]),
    row('Bbbb', [2, 0, 2, 500], [1, 0, 1, 300]),
    row('Cccc', [1, 0, 1, 700], [1, 0, 1, 300]),
  ];
  assert.deepEqual(sortPoolUsed(rows, 4).map((r) => r.tag), ['Bbbb', 'Cccc', 'Aaaa']);
  assert.deepEqual(sortPoolUsed(rows, 2).map((r) => r.tag), ['Cccc', 'Bbbb', 'Aaaa']);
  assert.deepEqual(rows.map((r) => r.tag), ['Aaaa', 'Bbbb', 'Cccc'], 'input left untouched');
});

test('pattern filters rows and the TOTAL row sums only what is shown', () => {
  const rows = [row('Abc ', [0, 0, 0, 0], [3, 0, 3, 300]), row('Abd ', [0, 0, 0, 0], [1, 0, 1, 50]), row('Ctx ', [1, 0, 1, 512], [0, 0, 0, 0])];
  const lines = formatPoolUsed(rows, 0, 'Ab?').split('\n');
  assert.deepEqual(lines.slice(5), [
    ' Abc         0        0         3      300',
    ' Abd         0        0         1       50',
    ' TOTAL       0        0         4      350',
    '',
  ]);
});

test('with pooltag.txt each row ends with the owner as WinDbg prints it; unknown tags say so', () => {
  const db = parsePoolTagFile('// test\nAbc  - leaky.sys - Leaky read buffers\nCtx  - Leaky device context\n');
  const rows = [row('Abc ', [0, 0, 0, 0], [2, 0, 2, 8192]), row('Ctx ', [1, 0, 1, 512], [0, 0, 0, 0]), row('Zzz ', [1, 0, 1, 16], [0, 0, 0, 0])];
  const lines = formatPoolUsed(rows, 0, undefined, db).split('\n');
  assert.equal(lines[5], ' Abc         0        0         2     8192Leaky read buffers , Binary: leaky.sys');
  assert.equal(lines[6], ' Ctx         1      512         0        0Leaky device context ');
  assert.equal(lines[7], " Zzz         1       16         0        0UNKNOWN pooltag 'Zzz ', please update pooltag.txt");
  assert.equal(lines[8], ' TOTAL       2      528         2     8192');
});

test('a number wider than its column widens the row (printf), TOTAL keeps a space after the label', () => {
  const lines = formatPoolUsed([row('Big ', [123456789, 0, 123456789, 1], [0, 0, 0, 0])], 0).split('\n');
  assert.equal(lines[5], ' Big  123456789        1         0        0');
  assert.equal(lines[6], ' TOTAL 123456789        1         0        0');
});

test('invalid flags are refused with the reason', () => {
  assert.throws(() => formatPoolUsed(spec, 6), /0x2 and 0x4 cannot be used together/);
  assert.throws(() => formatPoolUsed(spec, 8), /session pool/);
});
