// The shipped example, examples/leaky.drvm: the two bug checks it is written to show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bugcheckOf, frames, run } from './helpers';

const leaky = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'leaky.drvm'), 'utf8');

test('steady_reads ends in 0xC4 / 0x62 with P4 = the outstanding blocks = the poolused diff', () => {
  const r = run(leaky, { scenario: 'steady_reads' });
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xC4');
  assert.equal(bc.name, 'DRIVER_VERIFIER_DETECTED_VIOLATION');
  assert.equal(bc.params[0], '0x62');
  assert.equal(bc.params[1], '0xFFFFC00000001000');
  assert.equal(bc.params[2], '0xFFFFC00000002000');
  const diff = r.poolused.reduce((n, row) => n + row.paged.diff + row.nonPaged.diff, 0);
  assert.ok(diff > 0);
  assert.equal(BigInt(bc.params[3]), BigInt(diff));
  assert.equal(r.outstanding.length, diff);
  assert.equal(bc.culprits.length, diff);
  assert.equal(r.allocations - r.frees, diff);
  // Only the reads leak, on the 2% path: every leaked block is an 'Abc ' read buffer from line 14.
  for (const b of r.outstanding) {
    assert.equal(b.tag, 'Abc ');
    assert.equal(b.size, 4096);
    assert.equal(b.pool, 'PagedPool');
    assert.deepEqual(b.site, { line: 14, column: 11 });
    assert.deepEqual(frames(b.stack), ['Leaky!ReadDispatch:14', 'nt!IofCallDriver', 'nt!NtReadFile']);
  }
  // 1 'Ctx ' + 1000 reads + 100 writes, all successful.
  assert.equal(r.allocations, 1101);
  const abc = r.poolused.find((row) => row.tag === 'Abc ')!;
  assert.deepEqual(abc.paged, { allocs: 1100, frees: 1100 - diff, diff, used: diff * 4096 });
  assert.deepEqual(abc.nonPaged, { allocs: 0, frees: 0, diff: 0, used: 0 });
  const ctx = r.poolused.find((row) => row.tag === 'Ctx ')!;
  assert.deepEqual(ctx.nonPaged, { allocs: 1, frees: 1, diff: 0, used: 0 });
  assert.deepEqual(frames(bc.stack), ['nt!MmUnloadSystemImage', 'nt!IopUnloadDriver']);
  assert.equal(bc.step, r.steps);
  // The process named by the scenario is listed, with nothing charged (no quota allocation).
  assert.deepEqual(r.quota, [{ process: 'app.exe', nonPaged: 0, paged: 0 }]);
});

test('timer ends in 0xC4 / 0x10B at the quota allocation of TimerDpc', () => {
  const r = run(leaky, { scenario: 'timer' });
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xC4');
  assert.deepEqual(bc.params, ['0x10B', '0x00', '0x00', '0x00']);
  assert.deepEqual(frames(bc.stack), ['nt!ExAllocatePoolWithQuotaTag', 'Leaky!TimerDpc:28', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList']);
  assert.deepEqual(bc.culprits[0].site, { line: 28, column: 13 });
  // The state at the crash: g_Ctx allocated by DriverEntry, nothing else.
  assert.equal(r.allocations, 1);
  assert.equal(r.outstanding.length, 1);
  assert.equal(r.outstanding[0].tag, 'Ctx ');
  assert.deepEqual(frames(r.outstanding[0].stack), ['Leaky!DriverEntry:10', 'nt!IopLoadDriver']);
});

test('same seed gives byte-identical results; another seed changes the chance outcomes', () => {
  const a = JSON.stringify(run(leaky, { scenario: 'steady_reads', seed: 7 }));
  const b = JSON.stringify(run(leaky, { scenario: 'steady_reads', seed: 7 }));
  assert.equal(a, b);
  const leaks = (seed: number): string[] => run(leaky, { scenario: 'steady_reads', seed }).outstanding.map((o) => o.address);
  const s1 = leaks(1);
  const s2 = leaks(2);
  assert.notDeepEqual(s1, s2);
  assert.deepEqual(leaks(1), s1);
});

test('the default scenario is the first one', () => {
  const r = run(leaky);
  assert.equal(r.scenario, 'steady_reads');
  assert.equal(r.driver, 'Leaky.sys');
  assert.equal(r.seed, 1);
});
