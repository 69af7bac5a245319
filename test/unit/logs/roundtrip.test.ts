// Reports PoolScope prints read back by parseLog give the same data; diffLogs orders growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffLogs, formatLogDiff, parseLog } from '../../../server/src/core/logs';
import { formatHits, formatPoolFind, formatPoolMon, formatPoolUsed, parsePoolTagFile } from '../../../server/src/core/reports';
import type { PoolUsedRow } from '../../../server/src/core/simulator/result';
import { leakyResult, row } from '../reports/fixtures';

const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'logs', name), 'utf8');
const byTag = (rows: readonly PoolUsedRow[]) => [...rows].sort((a, b) => (a.tag < b.tag ? -1 : 1));

const rows = [
  row('Abc ', [0, 0, 0, 0], [36405, 0, 36405, 149114880]),
  row('Ctx ', [1, 0, 1, 512], [0, 0, 0, 0]),
  row('Io  ', [9, 2, 7, 2240], [4, 1, 3, 192]),
  row('a?b*', [3, 3, 0, 0], [0, 0, 0, 0]),
];

test('round trip, verbose layout: every counter of every row comes back', () => {
  for (const flags of [1, 3, 5]) {
    const log = parseLog(formatPoolUsed(rows, flags));
    assert.equal(log.format, 'poolused-verbose');
    assert.deepEqual(byTag(log.rows!), byTag(rows), `flags ${flags}`);
  }
});

test('round trip, default layout: outstanding blocks and bytes come back (all the layout shows)', () => {
  for (const flags of [0, 2, 4]) {
    const log = parseLog(formatPoolUsed(rows, flags));
    assert.equal(log.format, 'poolused');
    assert.equal(log.sort, flags === 4 ? 'paged' : flags === 2 ? 'nonPaged' : 'tag');
    assert.deepEqual(
      byTag(log.rows!).map((r) => [r.tag, r.nonPaged.diff, r.nonPaged.used, r.paged.diff, r.paged.used]),
      byTag(rows).map((r) => [r.tag, r.nonPaged.diff, r.nonPaged.used, r.paged.diff, r.paged.used]),
    );
  }
});

test('round trip with pooltag owners, including one that begins with a digit', () => {
  // 'Abc ' uses 149114880 bytes: wider than its column, with the owner appended after it.
  const db = parsePoolTagFile('Abc  - leaky.sys - Leaky read buffers\nCtx  - 1394 controller context\nIo   - 99 problems\n');
  const log = parseLog(formatPoolUsed(rows, 1, undefined, db));
  const owners = Object.fromEntries(log.rows!.map((r) => [r.tag, r.owner]));
  assert.deepEqual(owners, {
    'Abc ': 'Leaky read buffers , Binary: leaky.sys',
    'Ctx ': '1394 controller context ',
    'Io  ': '99 problems ',
    'a?b*': "UNKNOWN pooltag 'a?b*', please update pooltag.txt",
  });
  assert.deepEqual(byTag(log.rows!).map(({ owner, ...r }) => r), byTag(rows));
  // A big number followed by an owner that starts with a digit gets a space; small ones stay mashed as on Learn.
  const big = formatPoolUsed([row('Big ', [0, 0, 0, 0], [1, 0, 1, 123456789])], 0, undefined, parsePoolTagFile('Big  - 1394 thing\n'));
  assert.ok(big.includes('\n Big         0        0         1 123456789 1394 thing \n'), big);
  assert.equal(parseLog(big).rows![0].paged.used, 123456789);
  assert.equal(parseLog(big).rows![0].owner, '1394 thing ');
});

test('round trip of the simulation result fixture: poolused rows, poolfind blocks, hit stacks', () => {
  const result = leakyResult();
  assert.deepEqual(byTag(parseLog(formatPoolUsed(result.poolused, 1)).rows!), byTag(result.poolused));

  const found = parseLog(formatPoolFind(result.outstanding, 'Abc'));
  assert.equal(found.tag, 'Abc ');
  assert.deepEqual(
    found.blocks!.map((b) => [b.address, b.tag, b.pool, b.size]),
    [
      ['ffffc000`00012340', 'Abc ', 'PagedPool', 4096],
      ['ffffc000`00013350', 'Abc ', 'PagedPool', 512],
    ],
  );

  const hits = parseLog(formatHits(result.hits, 3, 'leaky.drvm'));
  assert.equal(hits.format, 'kb');
  assert.equal(hits.stacks!.length, 2);
  assert.deepEqual(
    hits.stacks!.map((s) => s.map((f) => (f.line === undefined ? f.frame : `${f.frame}@${f.line}`))),
    result.hits.map((h) => h.stack.map((f) => (f.line === undefined ? f.frame : `${f.frame}@${f.line}`))),
  );
  assert.deepEqual(hits.frames, hits.stacks![0]);
});

test('diffLogs: per-tag change in allocs and bytes per pool, largest growth first', () => {
  const diff = diffLogs(parseLog(fixture('poolmon-before.txt')), parseLog(fixture('poolmon-after.txt')));
  assert.deepEqual(diff, [
    { tag: 'LkBf', nonPaged: { allocs: 0, bytes: 0 }, paged: { allocs: 30, bytes: 122880 }, allocs: 30, bytes: 122880 },
    { tag: 'LkNw', nonPaged: { allocs: 8, bytes: 1024 }, paged: { allocs: 0, bytes: 0 }, allocs: 8, bytes: 1024 },
    { tag: 'LkIr', nonPaged: { allocs: 2, bytes: 240 }, paged: { allocs: 0, bytes: 0 }, allocs: 2, bytes: 240 },
    { tag: 'LkCt', nonPaged: { allocs: 0, bytes: 0 }, paged: { allocs: 0, bytes: 0 }, allocs: 0, bytes: 0 },
    { tag: 'LkSm', nonPaged: { allocs: 0, bytes: 0 }, paged: { allocs: -10, bytes: -640 }, allocs: -10, bytes: -640 },
  ]);
});

test('diffLogs works across formats (PoolMon before, !poolused after) and on !poolfind block counts', () => {
  const diff = diffLogs(parseLog(fixture('poolmon.txt')), parseLog(fixture('poolused-default.txt')));
  assert.equal(diff[0].tag, 'Lky1');
  assert.deepEqual(diff[0].nonPaged, { allocs: 2, bytes: 80 });
  const blocks = diffLogs([], parseLog(fixture('poolfind-classic.txt')));
  assert.deepEqual(blocks, [{ tag: 'Abc ', nonPaged: { allocs: 1, bytes: 0x60 }, paged: { allocs: 2, bytes: 0x1010 + 0x210 }, allocs: 3, bytes: 0x60 + 0x1010 + 0x210 }]);
  assert.throws(() => diffLogs(parseLog(fixture('kb-x64.txt')), []), /cannot diff the before log: kb output has no per-tag counts/);
});

test('formatLogDiff: signed changes, changed tags only, unchanged counted', () => {
  const text = formatLogDiff(diffLogs(parseLog(fixture('poolmon-before.txt')), parseLog(fixture('poolmon-after.txt'))));
  assert.deepEqual(text.split('\n'), [
    'Pool use change per tag, largest growth first:',
    ' Tag  NonPaged Allocs  NonPaged Bytes    Paged Allocs     Paged Bytes     Total Bytes',
    ' LkBf               0               0             +30         +122880         +122880',
    ' LkNw              +8           +1024               0               0           +1024',
    ' LkIr              +2            +240               0               0            +240',
    ' LkSm               0               0             -10            -640            -640',
    ' (1 tag unchanged)',
    '',
  ]);
});

test('round trip, PoolMon layout: every counter comes back, Nonp and Paged lines merged again', () => {
  const log = parseLog(formatPoolMon(rows));
  assert.equal(log.format, 'poolmon');
  assert.deepEqual(byTag(log.rows!), byTag(rows));
});
