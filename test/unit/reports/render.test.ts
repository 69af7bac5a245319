// renderReports / parseReportSpec as simulate --report uses them, plus quota, timeline and pooltag.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatQuota,
  formatTimeline,
  lookupOwner,
  lookupPoolTag,
  parsePoolTagFile,
  parseReportSpec,
  renderReports,
} from '../../../server/src/core/reports';
import { leakyResult } from './fixtures';

test('parseReportSpec: every form of cli.md', () => {
  assert.deepEqual(parseReportSpec('poolused'), { kind: 'poolused', flags: 0 });
  assert.deepEqual(parseReportSpec('poolused:4'), { kind: 'poolused', flags: 4 });
  assert.deepEqual(parseReportSpec('poolused:0x5'), { kind: 'poolused', flags: 5 });
  assert.deepEqual(parseReportSpec('poolused:1:Ab*'), { kind: 'poolused', flags: 1, pattern: 'Ab*' });
  assert.deepEqual(parseReportSpec("poolused:0:'Abc '"), { kind: 'poolused', flags: 0, pattern: 'Abc ' });
  assert.deepEqual(parseReportSpec('poolfind:Abc'), { kind: 'poolfind', tag: 'Abc ' });
  assert.deepEqual(parseReportSpec('poolfind:0x636f7250'), { kind: 'poolfind', tag: 'Proc' });
  for (const k of ['verifier', 'hits', 'quota', 'timeline', 'bugcheck', 'all']) assert.deepEqual(parseReportSpec(k), { kind: k });
});

test('parseReportSpec: clear errors naming the spec', () => {
  assert.throws(() => parseReportSpec('pooluse'), /invalid report 'pooluse': expected poolused\[:FLAGS\[:PATTERN\]\]\|poolfind:TAG\|/);
  assert.throws(() => parseReportSpec('poolused:6'), /invalid report 'poolused:6': flags 0x2 and 0x4 cannot be used together/);
  assert.throws(() => parseReportSpec('poolused:zz'), /flags 'zz' are not a hex number/);
  assert.throws(() => parseReportSpec('poolused:0:Abcde'), /longer than four characters/);
  assert.throws(() => parseReportSpec('poolfind'), /poolfind needs a tag/);
  assert.throws(() => parseReportSpec('verifier:3'), /verifier takes no arguments/);
});

test('renderReports: reports in order, a blank line apart; file name used for frame suffixes', () => {
  const text = renderReports(leakyResult(), ['quota', 'poolused:4:Ctx'], { file: '/home/me/drv/leaky.drvm' });
  assert.equal(
    text,
    [
      'Quota charged per process (bytes currently charged):',
      ' Process                     NonPaged        Paged',
      ' app.exe                           64            0',
      ' TOTAL                             64            0',
      '',
      '   Sorting by Paged Pool Consumed',
      '',
      '  Pool Used:',
      '            NonPaged            Paged',
      ' Tag    Allocs     Used    Allocs     Used',
      ' Ctx         1      512         0        0',
      ' TOTAL       1      512         0        0',
      '',
    ].join('\n'),
  );
  assert.ok(renderReports(leakyResult(), ['verifier'], { file: 'C:\\drv\\leaky.drvm' }).includes('(leaky.drvm:9)'));
  assert.ok(renderReports(leakyResult(), ['verifier']).includes('(script.drvm:9)'));
});

test('renderReports: default is bugcheck then poolused:4; all covers every report', () => {
  const result = leakyResult();
  const def = renderReports(result, []);
  assert.ok(def.indexOf('DRIVER_VERIFIER_DETECTED_VIOLATION (c4)') < def.indexOf('   Sorting by Paged Pool Consumed'));
  const all = renderReports(result, ['all'], { file: 'leaky.drvm' });
  for (const marker of ['Bugcheck Analysis', 'Sorting by Paged Pool Consumed', 'Pool Allocation Statistics', 'PoolHitTag', 'Quota charged', 'Pool use over the run'])
    assert.ok(all.includes(marker), marker);
});

test('renderReports: an invalid spec throws before rendering anything', () => {
  assert.throws(() => renderReports(leakyResult(), ['quota', 'bogus']), /invalid report 'bogus'/);
});

test('renderReports: clean run and hit tag never set', () => {
  const clean = leakyResult({ bugcheck: null, hits: [], hitTag: null });
  assert.equal(renderReports(clean, ['bugcheck']), 'No bug check: the scenario ran clean.\n');
  assert.match(renderReports(clean, ['hits']), /^PoolHitTag is not set/);
});

test('quota: one row per process, current charge; empty says so', () => {
  const lines = formatQuota([{ process: 'a-very-long-process-name.exe', nonPaged: 64, paged: 4096 }, { process: 'System', nonPaged: 0, paged: 0 }]).split('\n');
  // The process column widens to the longest name + 2; numbers stay right-aligned under the headers.
  assert.equal(lines[1], ' Process                           NonPaged        Paged');
  assert.equal(lines[2], ' a-very-long-process-name.exe            64         4096');
  assert.equal(lines[3], ' System                                   0            0');
  assert.equal(lines[4], ' TOTAL                                   64         4096');
  assert.equal(formatQuota([]), 'Quota charged per process: no quota allocations.\n');
});

test('timeline: step, label, paged, non-paged and the top three tags by bytes', () => {
  const lines = formatTimeline(leakyResult().timeline).split('\n');
  assert.deepEqual(lines.slice(1, 4), [
    '      Step  Label         Paged     NonPaged  Top tags',
    "         1  load              0          512  'Ctx ' 512",
    "       500  -             40960          576  'Abc ' 40960, 'Ctx ' 512, 'Tron' 64",
  ]);
});

test('pooltag.txt: comments, two- and three-field lines, odd lines skipped, first definition wins', () => {
  const db = parsePoolTagFile(
    ['// pooltag.txt', '', '8042 - i8042prt.sys - PS/2 kb and mouse', 'AcdN - TDI AcdObjectInfoG', 'Io   - nt!io - general IO allocations // trailing', 'garbage line', 'Toolong - x - y', '8042 - other.sys - duplicate', 'NtFB - ntfs.sys - BitmpSup.c - bitmap'].join('\r\n'),
  );
  assert.equal(lookupOwner(db, '8042'), 'PS/2 kb and mouse , Binary: i8042prt.sys');
  assert.equal(lookupOwner(db, 'AcdN'), 'TDI AcdObjectInfoG ');
  assert.equal(lookupOwner(db, 'Io'), 'general IO allocations , Binary: nt!io');
  assert.equal(lookupOwner(db, 'Io  '), 'general IO allocations , Binary: nt!io');
  assert.equal(lookupPoolTag(db, 'NtFB')?.description, 'BitmpSup.c - bitmap');
  assert.equal(lookupOwner(db, 'Zzzz'), undefined);
  assert.deepEqual(db.skippedLines, [6, 7]);
});

test('pooltag.txt: 100,000 lines parse quickly', () => {
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) lines.push(`${(i % 46656).toString(36).padStart(3, '0')}${i % 10} - drv${i}.sys - Description number ${i}`);
  const t0 = process.hrtime.bigint();
  const db = parsePoolTagFile(lines.join('\n'));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(db.entries.size > 40_000);
  assert.equal(lookupOwner(db, '0000'), 'Description number 0 , Binary: drv0.sys');
  assert.ok(ms < 1000, `took ${ms} ms`);
});
