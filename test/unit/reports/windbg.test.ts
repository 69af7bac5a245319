// !poolfind, !verifier 0x3 and the PoolHitTag/kb breaks, against simulator.md's examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatHits,
  formatKbStack,
  formatPoolFind,
  formatPoolMon,
  formatVerifier,
  syntheticChildSp,
} from '../../../server/src/core/reports';
import { ctxBlock, helperBlock, leakyResult, readBlock } from './fixtures';

test('!poolfind: one section per pool, blocks in address order, size in hex as the example', () => {
  assert.equal(
    formatPoolFind([helperBlock, ctxBlock, readBlock], 'Abc'),
    [
      'Searching NonPaged pool for Tag: Abc ',
      '',
      'Searching Paged pool for Tag: Abc ',
      'ffffc000`00012340 size:  1000 (Allocated) Abc ',
      'ffffc000`00013350 size:   200 (Allocated) Abc ',
      '',
    ].join('\n'),
  );
});

test('!poolfind finds only the tag asked for (case-sensitive) and accepts wildcards', () => {
  const text = formatPoolFind([readBlock, ctxBlock], 'C*');
  assert.ok(text.includes('Searching NonPaged pool for Tag: C*\nffffc000`00011000 size:   200 (Allocated) Ctx \n'), text);
  assert.ok(!text.includes('Abc'), text);
  assert.ok(!formatPoolFind([readBlock], 'abc').includes('ffffc000'));
});

test('!verifier 0x3 prints the example block: counts and bytes as 0x%08x, then the table', () => {
  assert.equal(
    formatVerifier(leakyResult(), 'examples/leaky.drvm'),
    [
      'Pool Allocation Statistics: ( NonPagedPool / PagedPool )',
      'Current Pool Allocations: ( 0x00000001 / 0x00000002 )',
      'Current Pool Bytes:       ( 0x00000200 / 0x00001200 )',
      '      Address             Length      Tag   Caller',
      '      ------------------  ----------  ----  ------------------------------',
      '      ffffc000`00012340   0x00001000  Abc   Leaky!ReadDispatch+0x9 (leaky.drvm:9)',
      '      ffffc000`00013350   0x00000200  Abc   Leaky!AllocHelper+0x28 (leaky.drvm:40)',
      '      ffffc000`00011000   0x00000200  Ctx   Leaky!DriverEntry+0xa (leaky.drvm:10)',
      '',
    ].join('\n'),
  );
});

test('!verifier with nothing outstanding prints zero counts and an empty table', () => {
  const lines = formatVerifier({ outstanding: [] }).split('\n');
  assert.equal(lines[1], 'Current Pool Allocations: ( 0x00000000 / 0x00000000 )');
  assert.equal(lines.length, 6);
});

test('PoolHitTag break: banner, kb header, frame numbers and Child-SP as the example, driver frame with [file @ line]', () => {
  const result = leakyResult();
  const lines = formatHits(result.hits, 0, 'leaky.drvm').split('\n');
  assert.equal(lines[0], "Break instruction exception - PoolHitTag 'Abc ' (allocate, PagedPool, 0x1000 bytes, ffffc000`00012340)");
  assert.equal(lines[1], ' # Child-SP          RetAddr           Call Site');
  assert.match(lines[2], /^00 ffffd000`10000f38 fffff800`2000[0-9a-f]{4} nt!ExAllocatePoolWithTag$/);
  assert.match(lines[3], /^01 ffffd000`10000f40 fffff800`2000[0-9a-f]{4} Leaky!ReadDispatch\+0x9 \[leaky\.drvm @ 9\]$/);
  assert.match(lines[4], /^02 ffffd000`10000f80 fffff800`2000[0-9a-f]{4} nt!IofCallDriver$/);
  assert.match(lines[5], /^03 ffffd000`10000fc0 fffff800`2000[0-9a-f]{4} nt!NtReadFile$/);
  assert.equal(lines[6], '');
  assert.equal(lines[7], "Break instruction exception - PoolHitTag 'Abc ' (free, PagedPool, 0x1000 bytes, ffffc000`00012340)");
  assert.match(lines[10], /^01 ffffd000`10000f40 fffff800`2000[0-9a-f]{4} Leaky!DriverUnload\+0x23 \[leaky\.drvm @ 35\]$/);
});

test('kb values are synthetic but deterministic: same stack, same text; RetAddr columns line up', () => {
  const stack = leakyResult().hits[0].stack;
  assert.deepEqual(formatKbStack(stack, 'a.drvm'), formatKbStack(stack, 'a.drvm'));
  for (const line of formatKbStack(stack, 'a.drvm').slice(1)) {
    assert.equal(line.indexOf(' ', 3), 20);
    assert.equal(line.indexOf(' ', 21), 38);
  }
  assert.equal(syntheticChildSp(0), 'ffffd000`10000f38');
  assert.equal(syntheticChildSp(4), 'ffffd000`10001000');
});

test('dropped breaks get a final line; no breaks says so', () => {
  const text = formatHits(leakyResult().hits.slice(0, 1), 12345, 'leaky.drvm');
  assert.ok(text.endsWith('\n12,345 more PoolHitTag breaks were dropped (break cap reached).\n'), text);
  assert.equal(formatHits([], 0), 'No PoolHitTag breaks.\n');
  assert.equal(formatHits([], 1), 'No PoolHitTag breaks.\n\n1 more PoolHitTag break was dropped (break cap reached).\n');
});

test('!verifier caller: a block whose stack has no driver frame shows its innermost frame', () => {
  const irp = { ...readBlock, tag: 'Irp ', kind: 'irp' as const, size: 0x118, stack: [{ frame: 'nt!IoAllocateIrp' }] };
  const lines = formatVerifier({ outstanding: [irp] }, 'leaky.drvm').split('\n');
  assert.equal(lines[5], '      ffffc000`00012340   0x00000118  Irp   nt!IoAllocateIrp');
  const none = formatVerifier({ outstanding: [{ ...irp, stack: [] }] }).split('\n');
  assert.equal(none[5], '      ffffc000`00012340   0x00000118  Irp   <unknown>');
});

test('!poolfind line for a freed block keeps the tag column (parsed logs)', () => {
  const text = formatPoolFind([{ address: '826fa130', tag: 'SeSd', pool: 'NonPagedPool', size: 0xc0, status: 'Free' }], 'SeSd');
  assert.equal(text.split('\n')[1], '826fa130 size:    c0 (Free)      SeSd');
});

test('PoolMon layout: columns under the header as in Learn, per-alloc = bytes / diff, owner last', () => {
  const text = formatPoolMon([
    { tag: 'Io  ', nonPaged: { allocs: 1021112, frees: 1020985, diff: 127, used: 91912 }, paged: { allocs: 0, frees: 0, diff: 0, used: 0 } },
    { tag: 'Abc ', nonPaged: { allocs: 0, frees: 0, diff: 0, used: 0 }, paged: { allocs: 1100, frees: 1088, diff: 12, used: 49152 }, owner: '[leaky.sys]' },
  ]);
  assert.deepEqual(text.split('\n'), [
    ' Tag  Type     Allocs            Frees            Diff   Bytes       Per Alloc',
    '',
    ' Abc  Paged      1100 (   0)      1088 (   0)       12   49152 (     0)   4096 [leaky.sys]',
    ' Io   Nonp    1021112 (   0)   1020985 (   0)      127   91912 (     0)    723',
    '',
  ]);
});

test('the PoolHitTag example of simulator.md prints exactly as documented', () => {
  const text = formatHits(
    [
      {
        event: 'alloc',
        tag: 'Abc ',
        address: 'ffffc000`00012340',
        size: 0x1000,
        pool: 'PagedPool',
        stack: [{ frame: 'nt!ExAllocatePoolWithTag' }, { frame: 'Leaky!ReadDispatch', line: 9 }, { frame: 'nt!IofCallDriver' }, { frame: 'nt!NtReadFile' }],
      },
    ],
    0,
    'leaky.drvm',
  );
  assert.equal(
    text,
    [
      "Break instruction exception - PoolHitTag 'Abc ' (allocate, PagedPool, 0x1000 bytes, ffffc000`00012340)",
      ' # Child-SP          RetAddr           Call Site',
      '00 ffffd000`10000f38 fffff800`20000a10 nt!ExAllocatePoolWithTag',
      '01 ffffd000`10000f40 fffff800`20001c2c Leaky!ReadDispatch+0x9 [leaky.drvm @ 9]',
      '02 ffffd000`10000f80 fffff800`20002e40 nt!IofCallDriver',
      '03 ffffd000`10000fc0 fffff800`20003a00 nt!NtReadFile',
      '',
    ].join('\n'),
  );
});
