import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBugCheck, formatBugChecks, wrapParagraph } from '../../../server/src/core/reports';
import { dpcQuotaBugCheck, leakBugCheck } from './fixtures';

test('no bug check: one clear line', () => {
  assert.equal(formatBugCheck(null), 'No bug check: the scenario ran clean.\n');
  assert.equal(formatBugChecks([]), 'No bug check: the scenario ran clean.\n');
});

test('0xC4/0x62: name (code), description, Arguments with their meanings, !verifier hint', () => {
  const lines = formatBugCheck(leakBugCheck, 'leaky.drvm').split('\n');
  const at = lines.indexOf('DRIVER_VERIFIER_DETECTED_VIOLATION (c4)');
  assert.ok(at > 0, 'name line');
  assert.equal(lines[0], '*'.repeat(79));
  assert.equal(lines[2], '*                        Bugcheck Analysis                                    *');
  assert.deepEqual(lines.slice(at + 1, at + 4), [
    'The driver unloaded while it still owned 3 pool allocations. Driver Verifier',
    'Pool Tracking checks at unload that every allocation the driver made has been',
    'freed.',
  ]);
  assert.deepEqual(lines.slice(at + 4, at + 11), [
    'Arguments:',
    'Arg1: 0000000000000062, A driver has forgotten to free its pool allocations prior to unloading.',
    'Arg2: ffffc00000001000, name of the driver having the issue.',
    'Arg3: ffffc00000002000, verifier internal structure with driver information.',
    "Arg4: 0000000000000003, total # of (paged+nonpaged) allocations that weren't freed.",
    '\tType !verifier 3 Leaky.sys for info on the allocations',
    '\tthat were leaked that caused the bugcheck.',
  ]);
  assert.ok(lines.includes('BUGCHECK_CODE:  c4'));
  assert.ok(lines.includes('BUGCHECK_P1: 62'));
  assert.ok(lines.includes('BUGCHECK_P4: 3'));
  assert.ok(lines.includes('MODULE_NAME: Leaky'));
  assert.ok(lines.includes('IMAGE_NAME:  Leaky.sys'));
});

test('STACK_TEXT is a kb table that starts in nt!KeBugCheckEx', () => {
  const lines = formatBugCheck(leakBugCheck, 'leaky.drvm').split('\n');
  const at = lines.indexOf('STACK_TEXT:');
  assert.equal(lines[at + 1], ' # Child-SP          RetAddr           Call Site');
  assert.match(lines[at + 2], /^00 ffffd000`10000f38 fffff800`2000[0-9a-f]{4} nt!KeBugCheckEx$/);
  assert.match(lines[at + 3], / nt!VfPoolCheckForLeaks$/);
  assert.match(lines[at + 4], /^02 .* Leaky!DriverUnload\+0x24 \[leaky\.drvm @ 36\]$/);
  assert.match(lines[at + 5], /^03 .* nt!IopUnloadDriver$/);
});

test('unload culprits are the outstanding blocks in a !verifier table', () => {
  const lines = formatBugCheck(leakBugCheck, 'leaky.drvm').split('\n');
  const at = lines.indexOf('CULPRITS: 3 outstanding allocations');
  assert.ok(at > 0);
  assert.deepEqual(lines.slice(at + 1, at + 6), [
    '      Address             Length      Tag   Caller',
    '      ------------------  ----------  ----  ------------------------------',
    '      ffffc000`00012340   0x00001000  Abc   Leaky!ReadDispatch+0x9 (leaky.drvm:9)',
    '      ffffc000`00013350   0x00000200  Abc   Leaky!AllocHelper+0x28 (leaky.drvm:40)',
    '      ffffc000`00011000   0x00000200  Ctx   Leaky!DriverEntry+0xa (leaky.drvm:10)',
  ]);
});

test('0xC4/0x10B: the offending site is the culprit, arguments reserved', () => {
  const text = formatBugCheck(dpcQuotaBugCheck, 'leaky.drvm');
  assert.ok(text.includes('\nArg1: 000000000000010b, Quota charged from a DPC routine'), text);
  assert.ok(text.includes('\nArg2: 0000000000000000, Reserved\n'), text);
  assert.ok(text.includes("\nOFFENDING_SITE: Leaky!TimerDpc+0x1c (leaky.drvm:28, column 13) — tag 'Tron'\n"), text);
  assert.ok(!text.includes('Type !verifier 3'));
});

test('0xC2 and 0xCB parameters are named from Parameter 1', () => {
  const wrongTag = formatBugCheck({ ...dpcQuotaBugCheck, code: '0xC2', name: 'BAD_POOL_CALLER', params: ['0x0A', '0xffffc00000012340', '0x20636241', '0x20646241'] });
  assert.ok(wrongTag.includes('BAD_POOL_CALLER (c2)\n'));
  assert.ok(wrongTag.includes("Arg3: 0000000020636241, allocator's tag (ULONG)\n"));
  assert.ok(wrongTag.includes('Arg4: 0000000020646241, tag used in the attempted free (ULONG)\n'));
  const locked = formatBugCheck({ ...dpcQuotaBugCheck, code: '0xCB', name: 'DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS', params: ['0x0', '0x0', '0xffffc00000020000', '0x3'] });
  assert.ok(locked.includes('Arg3: ffffc00000020000, address of the MDL containing the locked pages\n'));
  assert.ok(locked.includes('Arg4: 0000000000000003, number of locked pages\n'));
});

test('--continue-on-bugcheck: every bug check, numbered with its step', () => {
  const text = formatBugChecks([dpcQuotaBugCheck, leakBugCheck], 'leaky.drvm');
  assert.ok(text.startsWith('Bug check 1 of 2 (step 2):\n****'));
  assert.ok(text.includes('\nBug check 2 of 2 (step 1012):\n****'));
});

test('wrapParagraph keeps lines within 79 columns', () => {
  const lines = wrapParagraph('word '.repeat(60));
  assert.ok(lines.every((l) => l.length <= 79));
  assert.equal(lines.join(' ').split(' ').length, 60);
});
