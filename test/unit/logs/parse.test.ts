// Every accepted log format, from fixtures written after Microsoft Learn's documented output
// (each fixture's header names its page), plus errors that name the line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogParseError, parseLog } from '../../../server/src/core/logs';

const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'logs', name), 'utf8');
const counters = (allocs: number, frees: number, diff: number, used: number) => ({ allocs, frees, diff, used });
const zero = counters(0, 0, 0, 0);

test('!poolused default layout: rows, sort, owners appended with no separator (even one starting with digits)', () => {
  const log = parseLog(fixture('poolused-default.txt'));
  assert.equal(log.format, 'poolused');
  assert.equal(log.sort, 'tag');
  assert.deepEqual(
    log.rows!.map((r) => r.tag),
    ['Abc ', 'Ctx ', 'Io  ', 'Lky1', 'Tron'],
  );
  assert.deepEqual(log.rows![0], {
    tag: 'Abc ',
    nonPaged: zero,
    paged: counters(12, 0, 12, 49152),
    owner: "UNKNOWN pooltag 'Abc ', please update pooltag.txt",
  });
  assert.deepEqual(log.rows![2].nonPaged, counters(7, 0, 7, 2240));
  assert.deepEqual(log.rows![2].paged, counters(3, 0, 3, 192));
  assert.equal(log.rows![1].owner, 'Leaky device context , Binary: leaky.sys');
  assert.equal(log.rows![3].paged.used, 0);
  assert.equal(log.rows![3].owner, '1394 style owner starting with digits ');
  assert.equal(log.rows![4].owner, undefined);
});

test('!poolused verbose (newer debugger: wide columns, tab before owner, TOTAL at column 0)', () => {
  const log = parseLog(fixture('poolused-verbose.txt'));
  assert.equal(log.format, 'poolused-verbose');
  assert.deepEqual(log.rows, [
    { tag: 'Abc ', nonPaged: zero, paged: counters(1100, 1088, 12, 49152), owner: "UNKNOWN pooltag 'Abc ', please update pooltag.txt" },
    { tag: 'Abd ', nonPaged: counters(4, 1, 3, 192), paged: zero, owner: 'Leaky debug records , Binary: leaky.sys' },
  ]);
});

test('!poolused: a number wider than its column is read whole', () => {
  const log = parseLog(fixture('poolused-paged-sort.txt'));
  assert.equal(log.sort, 'paged');
  assert.deepEqual(log.rows![0].paged, counters(36405, 0, 36405, 149114880));
  assert.deepEqual(log.rows![1].nonPaged, counters(1, 0, 1, 512));
});

test('PoolMon: Nonp and Paged lines of a tag merge into one row; Mapped_Driver is the owner', () => {
  const log = parseLog(fixture('poolmon.txt'));
  assert.equal(log.format, 'poolmon');
  assert.deepEqual(log.rows!.map((r) => r.tag), ['Abc ', 'Ctx ', 'Io  ', 'Tron']);
  assert.deepEqual(log.rows![0].paged, counters(1100, 1088, 12, 49152));
  assert.equal(log.rows![0].owner, '[leaky.sys - Leaky read buffers]');
  assert.deepEqual(log.rows![2], {
    tag: 'Io  ',
    nonPaged: counters(602113, 602106, 7, 2240),
    paged: counters(4410, 4407, 3, 192),
    owner: 'Unknown Driver',
  });
  assert.deepEqual(log.rows![3], { tag: 'Tron', nonPaged: counters(5, 5, 0, 0), paged: zero });
});

test('PoolMon without a leading space on rows (Learn example 4 layout)', () => {
  const log = parseLog(fixture('poolmon-before.txt'));
  assert.equal(log.rows!.length, 4);
  assert.deepEqual(log.rows![0].paged, counters(400, 380, 20, 81920));
});

test('PoolMon: a later refresh of the same tag replaces the earlier one', () => {
  const text = fixture('poolmon-before.txt') + fixture('poolmon-after.txt');
  const log = parseLog(text);
  assert.deepEqual(log.rows!.find((r) => r.tag === 'LkBf')!.paged, counters(900, 850, 50, 204800));
  assert.ok(log.rows!.some((r) => r.tag === 'LkSm'), 'a tag only in the first refresh stays');
});

test('!poolfind classic lines: pool from the Searching line, hex sizes, Free blocks kept with their state', () => {
  const log = parseLog(fixture('poolfind-classic.txt'));
  assert.equal(log.format, 'poolfind');
  assert.equal(log.tag, 'Abc ');
  assert.deepEqual(log.blocks, [
    { address: 'ffffe000`010a2340', tag: 'Abc ', pool: 'NonPagedPool', size: 0x60, status: 'Allocated' },
    { address: 'ffffe000`010a3000', tag: 'Abc ', pool: 'NonPagedPool', size: 0x30, status: 'Free' },
    { address: 'ffffc000`00012340', tag: 'Abc ', pool: 'PagedPool', size: 0x1010, status: 'Allocated' },
    { address: 'ffffc000`00013350', tag: 'Abc ', pool: 'PagedPool', size: 0x210, status: 'Allocated' },
  ]);
});

test('!poolfind one-line format: pool named on each line', () => {
  const log = parseLog(fixture('poolfind-oneline.txt'));
  assert.equal(log.tag, 'Lky1');
  assert.deepEqual(log.blocks, [
    { address: 'ffffa88d`4e0a1340', tag: 'Lky1', pool: 'NonPagedPool', size: 4096, status: 'Allocated' },
    { address: 'ffffa88d`4e0b2460', tag: 'Lky1', pool: 'NonPagedPool', size: 512, status: 'Allocated' },
    { address: 'ffffb20c`9a0c4010', tag: 'Lky1', pool: 'PagedPool', size: 64, status: 'Allocated' },
  ]);
});

test('kb on x64: frame numbers, Child-SP, RetAddr, module!function+offset [file @ line], inline frames', () => {
  const log = parseLog(fixture('kb-x64.txt'));
  assert.equal(log.format, 'kb');
  assert.equal(log.frames!.length, 6);
  assert.deepEqual(log.frames![0], { frame: 'nt!ExAllocatePoolWithTag', number: 0, childSp: 'fffff80a`5e2c6a08', retAddr: 'fffff806`3b81c2ad' });
  assert.deepEqual(log.frames![1], {
    frame: 'leaky!ReadDispatch',
    offset: '0x5d',
    file: 'd:\\src\\leaky\\read.c',
    line: 118,
    number: 1,
    childSp: 'fffff80a`5e2c6a10',
    retAddr: 'fffff806`3b8140e1',
  });
  assert.equal(log.frames![2].childSp, '(Inline Function)');
  assert.equal(log.frames![2].frame, 'leaky!ValidateRequest');
  assert.equal(log.frames![5].frame, 'nt!KiSystemServiceCopyEnd');
});

test('kb with Args to Child and !analyze STACK_TEXT rows without frame numbers', () => {
  const kb = parseLog(fixture('kb-args.txt'));
  assert.deepEqual(kb.frames!.map((f) => [f.frame, f.line]), [
    ['nt!ExAllocatePoolWithTag', undefined],
    ['Leaky!ReadDispatch', 9],
    ['nt!IofCallDriver', undefined],
  ]);
  const st = parseLog(fixture('stack-text.txt'));
  assert.deepEqual(st.frames!.map((f) => f.frame), ['nt!KeBugCheckEx', 'nt!VerifierBugCheckIfAppropriate', 'nt!VfPoolCheckForLeaks', 'nt!IopUnloadDriver']);
  assert.equal(st.frames![1].offset, '0x3c');
  assert.equal(st.frames![0].number, undefined);
});

test('unrecognised text is an error naming the line, never an empty table', () => {
  assert.throws(() => parseLog(fixture('garbage.txt')), (e: unknown) => {
    assert.ok(e instanceof LogParseError);
    assert.equal(e.line, 1);
    assert.match(e.message, /^line 1: unrecognised text: not !poolused \(default or verbose\), PoolMon, !poolfind or kb output: 'This is not debugger output\.'$/);
    return true;
  });
  assert.throws(() => parseLog(fixture('poolused-bad-row.txt')), (e: unknown) => {
    assert.ok(e instanceof LogParseError);
    assert.equal(e.line, 8);
    assert.match(e.message, /expected a !poolused row: a tag and 4 numbers: 'Ctx         1      five/);
    return true;
  });
});

test('errors: empty text, header without rows, text after TOTAL, junk inside kb and PoolMon tables', () => {
  const lineOf = (text: string) => {
    try {
      parseLog(text);
    } catch (e) {
      assert.ok(e instanceof LogParseError, String(e));
      return e.line;
    }
    assert.fail('expected a LogParseError');
  };
  assert.equal(lineOf(''), 1);
  assert.equal(lineOf('\n\n0: kd> \n'), 4);
  assert.equal(lineOf(' Tag    Allocs     Used    Allocs     Used\n'), 2);
  assert.equal(lineOf(' Tag    Allocs     Used    Allocs     Used\n Abc         0        0         1       10\n TOTAL       0        0         1       10\nmore\n'), 4);
  assert.equal(lineOf(' # Child-SP          RetAddr           Call Site\n00 ffffd000`10000f38 fffff800`20000a10 nt!Foo\noops\n'), 3);
  assert.equal(lineOf(' Tag  Type     Allocs            Frees            Diff   Bytes       Per Alloc\n Abc  Paged 1 2 3\n'), 2);
  assert.equal(lineOf('Searching Paged pool for Tag: Abc \nffffc000`00012340 size:  1000 (Allocated) Abc \nhello\n'), 3);
});

test('CRLF line endings and a BOM are accepted', () => {
  const text = '\ufeff' + fixture('poolused-default.txt').replace(/\n/g, '\r\n');
  const log = parseLog(text);
  assert.equal(log.rows!.length, 5);
  assert.equal(log.rows![1].owner, 'Leaky device context , Binary: leaky.sys');
});

test('a !poolused paste may start at "Pool Used:" or at the column header', () => {
  const full = fixture('poolused-paged-sort.txt');
  const fromTitle = full.slice(full.indexOf('  Pool Used:'));
  assert.equal(parseLog(fromTitle).rows!.length, 2);
  assert.equal(parseLog(fromTitle).sort, undefined);
  const fromHeader = full.slice(full.indexOf(' Tag '));
  assert.deepEqual(parseLog(fromHeader).rows, parseLog(full).rows);
});

test('a PoolHitTag session: break banners, symbol labels and the int 3 line skipped, one stack per break', () => {
  const log = parseLog(fixture('kb-poolhittag-session.txt'));
  assert.equal(log.format, 'kb');
  assert.deepEqual(
    log.stacks!.map((s) => s.map((f) => f.frame)),
    [
      ['nt!ExAllocatePoolWithTag', 'leaky!LkAllocRecord', 'nt!IofCallDriver'],
      ['nt!ExFreePoolWithTag', 'leaky!LkFreeRecord'],
    ],
  );
  assert.deepEqual([log.stacks![1][1].file, log.stacks![1][1].line], ['d:\\src\\leaky\\record.c', 77]);
  assert.equal(log.frames, log.stacks![0]);
});

test('!poolused of newer debuggers: .cache statistics skipped, wide columns, tab-separated owners', () => {
  const log = parseLog(fixture('poolused-modern.txt'));
  assert.equal(log.format, 'poolused');
  assert.equal(log.sort, 'nonPaged');
  assert.deepEqual(log.rows, [
    { tag: 'LkNw', nonPaged: counters(812, 0, 812, 3325952), paged: zero, owner: "UNKNOWN pooltag 'LkNw', please update pooltag.txt" },
    { tag: 'LkBf', nonPaged: counters(31, 0, 31, 126976), paged: counters(400, 0, 400, 1638400), owner: 'Leaky buffers , Binary: leaky.sys' },
    { tag: 'Irp ', nonPaged: counters(12, 0, 12, 5376), paged: zero, owner: 'Io, IRP packets ' },
  ]);
});

test('an empty !poolused table (header and a zero TOTAL, as for `!poolused 4 Zzz*`) is zero rows; a cut or non-zero one is an error', () => {
  const header = '   Sorting by Tag\n\n  Pool Used:\n            NonPaged            Paged\n Tag    Allocs     Used    Allocs     Used\n';
  const empty = parseLog(header + ' TOTAL       0        0         0        0\n');
  assert.deepEqual([empty.format, empty.rows, empty.sort], ['poolused', [], 'tag']);
  const verbose = ' Tag    Allocs    Frees     Diff     Used   Allocs    Frees     Diff     Used\n TOTAL       0        0        0        0        0        0        0        0\n';
  assert.deepEqual(parseLog(verbose).rows, []);
  const errorOf = (text: string) => {
    try {
      parseLog(text);
    } catch (e) {
      assert.ok(e instanceof LogParseError, String(e));
      return [e.line, e.reason];
    }
    assert.fail('expected a LogParseError');
  };
  assert.deepEqual(errorOf(header), [6, '!poolused table has no rows']);
  assert.deepEqual(errorOf(header + ' TOTAL       1       64         0        0\n'), [6, '!poolused TOTAL row is not zero but the table has no rows']);
});

test('an impossible PoolMon or verbose !poolused row (Diff is not Allocs - Frees, or negative) is an error naming the line', () => {
  const lineOf = (text: string) => {
    try {
      parseLog(text);
    } catch (e) {
      assert.ok(e instanceof LogParseError, String(e));
      assert.match(e.reason, /^impossible (PoolMon|!poolused) row: /);
      return e.line;
    }
    assert.fail('expected a LogParseError');
  };
  const poolmon = ' Tag  Type     Allocs            Frees            Diff   Bytes       Per Alloc\n\n';
  assert.equal(lineOf(poolmon + ' Abc  Nonp          1 (   0)         0 (   0)       -1     512 (     0)    512\n'), 3);
  assert.equal(lineOf(poolmon + ' Abc  Nonp          0 (   0)         1 (   0)       -1       0 (     0)      0\n'), 3);
  assert.equal(lineOf(poolmon + ' Abc  Paged         5 (   0)         1 (   0)        3     512 (     0)    170\n'), 3);
  assert.deepEqual(parseLog(poolmon + ' Abc  Paged         5 (   0)         1 (   0)        4     512 (     0)    128\n').rows![0].paged, counters(5, 1, 4, 512));
  const verbose = ' Tag    Allocs    Frees     Diff     Used   Allocs    Frees     Diff     Used\n';
  assert.equal(lineOf(verbose + ' Abc         3        1        1       64        0        0        0        0\n'), 2);
  assert.equal(lineOf(verbose + ' Abc         3        1        2       64        1        0        0        0\n'), 2);
});
