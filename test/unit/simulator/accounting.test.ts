// Pool Tracking accounting: !poolused rows, system-tagged blocks, quota, the timeline,
// low-resources failures, the step budget and the recursion limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulationError } from '../../../server/src/core/simulator';
import { MAX_SAMPLES } from '../../../server/src/core/simulator/timeline';
import { run } from './helpers';

test('poolused: per tag and pool, allocs/frees/diff/used; system tags charged like any other', () => {
  const r = run(`driver "Rows.sys";
global g_A, g_Mdl, g_Irp, g_Str, g_Wi;
entry DriverEntry {
    repeat 4 {
        p = ExAllocatePoolWithTag(PagedPool, 100, 'Rows');
        ExFreePoolWithTag(p, 'Rows');
    }
    g_A = ExAllocatePoolWithTag(PagedPool, 300, 'Rows');
    n = ExAllocatePoolWithTag(NonPagedPoolNx, 50, 'Rows');
    u = ExAllocatePool(NonPagedPool, 7);
    g_Mdl = IoAllocateMdl(g_A, 8193);
    g_Irp = IoAllocateIrp(4);
    g_Str = RtlAnsiStringToUnicodeString("name");
    g_Wi = IoAllocateWorkItem();
}
scenario s { load; }
`);
  assert.equal(r.bugcheck, null);
  const rows = Object.fromEntries(r.poolused.map((row) => [row.tag, row]));
  assert.deepEqual(Object.keys(rows), ['IoWI', 'Irp ', 'Mdl ', 'None', 'Rows', 'Strg']);
  assert.deepEqual(rows['Rows'].paged, { allocs: 5, frees: 4, diff: 1, used: 300 });
  assert.deepEqual(rows['Rows'].nonPaged, { allocs: 1, frees: 0, diff: 1, used: 50 });
  assert.deepEqual(rows['None'].nonPaged, { allocs: 1, frees: 0, diff: 1, used: 7 });
  // An MDL for 8193 bytes describes 3 pages: 0x30 header + 3 PFNs.
  assert.deepEqual(rows['Mdl '].nonPaged, { allocs: 1, frees: 0, diff: 1, used: 0x30 + 3 * 8 });
  assert.equal(rows['Strg'].paged.diff, 1);
  assert.equal(rows['Irp '].nonPaged.diff, 1);
  assert.equal(rows['IoWI'].nonPaged.diff, 1);
  assert.deepEqual(
    r.outstanding.map((o) => [o.tag, o.kind, o.pool]),
    [
      ['Rows', 'pool', 'PagedPool'],
      ['Rows', 'pool', 'NonPagedPool'],
      ['None', 'pool', 'NonPagedPool'],
      ['Mdl ', 'mdl', 'NonPagedPool'],
      ['Irp ', 'irp', 'NonPagedPool'],
      ['Strg', 'string', 'PagedPool'],
      ['IoWI', 'workitem', 'NonPagedPool'],
    ],
  );
  // Addresses: 16-byte aligned, distinct, increasing with allocation order.
  const addrs = r.outstanding.map((o) => BigInt('0x' + o.address.replace('`', '')));
  for (let i = 0; i < addrs.length; i++) {
    assert.equal(addrs[i] % 16n, 0n);
    if (i > 0) assert.ok(addrs[i] > addrs[i - 1]);
  }
  assert.deepEqual(r.outstanding[0].site, { line: 8, column: 11 });
});

test('quota: the current charge per process, released by frees', () => {
  const r = run(`driver "Quota.sys";
list g_Open;
dispatch IRP_MJ_CREATE Create {
    c = ExAllocatePoolWithQuotaTag(PagedPool, 1000, 'Open');
    push g_Open, c;
    n = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_USE_QUOTA, 64, 'Ctx2');
    push g_Open, n;
}
dispatch IRP_MJ_CLOSE Close {
    c = pop g_Open;
    ExFreePool(c);
}
scenario s {
    process "a.exe" { repeat 3 { irp IRP_MJ_CREATE; } irp IRP_MJ_CLOSE; }
    process "b.exe" { irp IRP_MJ_CREATE; }
    process "c.exe" { irp IRP_MJ_CLOSE; }
}
`);
  assert.equal(r.bugcheck, null);
  // a.exe: 3 × (1000 paged + 64 non-paged), then the oldest (a 1000-byte paged block) freed —
  // by c.exe's close too (pop takes the oldest): quota goes back to the process charged.
  assert.deepEqual(r.quota, [
    { process: 'a.exe', nonPaged: 3 * 64 - 64, paged: 2000 },
    { process: 'b.exe', nonPaged: 64, paged: 1000 },
    { process: 'c.exe', nonPaged: 0, paged: 0 },
  ]);
});

test('timeline: at most 1,000 evenly spaced samples plus every snapshot, ending at the last step', () => {
  const r = run(`driver "Grow.sys";
list g_Held;
dispatch IRP_MJ_READ Read {
    b = ExAllocatePoolWithTag(PagedPool, 10, 'Grow');
    push g_Held, b;
}
scenario s {
    repeat 20000 { irp IRP_MJ_READ; }
    snapshot "half";
    repeat 20000 { irp IRP_MJ_READ; }
}
`);
  const regular = r.timeline.filter((p) => p.label === null);
  assert.ok(regular.length <= MAX_SAMPLES, `${regular.length} samples`);
  assert.ok(regular.length >= MAX_SAMPLES / 2);
  // Evenly spaced: every regular sample but the final one at a multiple of one interval.
  const steps = regular.slice(0, -1).map((p) => p.step);
  const interval = steps[0];
  assert.equal(interval, 256);
  for (let i = 1; i < steps.length; i++) assert.equal(steps[i] - steps[i - 1], interval);
  assert.equal(regular[regular.length - 1].step, r.steps);
  assert.equal(regular[regular.length - 1].paged, 40000 * 10);
  const half = r.timeline.filter((p) => p.label === 'half');
  assert.equal(half.length, 1);
  assert.equal(half[0].step, 1 + 20000 * 4 + 1);
  assert.equal(half[0].paged, 20000 * 10);
  assert.equal(half[0].nonPaged, 0);
  assert.deepEqual(half[0].tags, { 'Grow': { paged: 200000, nonPaged: 0 } });
  for (let i = 1; i < r.timeline.length; i++) assert.ok(r.timeline[i].step >= r.timeline[i - 1].step);
  // Each iteration: repeat 1 + irp 1 + 2 statements; plus the two repeat steps and the snapshot.
  assert.equal(r.steps, 3 + 40000 * 4);
});

test('timeline: an unlabelled snapshot on the last step is the last point', () => {
  const r = run(`driver "Snap.sys";
entry DriverEntry { g = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'Snap'); }
scenario s { load; snapshot; }
`);
  assert.deepEqual(r.timeline[r.timeline.length - 1], { step: r.steps, label: null, paged: 0, nonPaged: 32, tags: { Snap: { paged: 0, nonPaged: 32 } } });
  assert.equal(r.timeline.filter((p) => p.step === r.steps).length, 1);
});

test('--low-resources: seeded failures return NULL; POOL_FLAG_RAISE_ON_FAILURE never fails', () => {
  const src = `driver "Low.sys";
list g_Held;
dispatch IRP_MJ_READ Read {
    b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Low ');
    if (b != NULL) push g_Held, b;
    r = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_RAISE_ON_FAILURE, 16, 'Rof ');
    push g_Held, r;
}
scenario s { repeat 1000 { irp IRP_MJ_READ; } }
`;
  const none = run(src, { lowResources: 0 });
  assert.equal(none.allocations, 2000);
  const all = run(src, { lowResources: 100 });
  assert.deepEqual(all.poolused.map((row) => [row.tag, row.nonPaged.allocs]), [['Rof ', 1000]]);
  const half = run(src, { lowResources: 50, seed: 3 });
  const low = half.poolused.find((row) => row.tag === 'Low ')!.nonPaged.allocs;
  assert.ok(low > 400 && low < 600, `${low} of 1000 succeeded`);
  assert.equal(half.poolused.find((row) => row.tag === 'Rof ')!.nonPaged.allocs, 1000);
  assert.equal(JSON.stringify(run(src, { lowResources: 50, seed: 3 })), JSON.stringify(half));
  const other = run(src, { lowResources: 50, seed: 4 });
  assert.notDeepEqual(other.outstanding.map((o) => o.step), half.outstanding.map((o) => o.step));
});

test('the step budget stops repeat 1e18 { irp } and endless nested repeats quickly', () => {
  const src = `driver "Loop.sys";
dispatch IRP_MJ_READ Read { }
scenario irps {
    repeat 1000000000000000000 { irp IRP_MJ_READ; }
}
scenario nested {
    repeat 1000000000000000000 { repeat 1000000000000000000 { } }
}
`;
  for (const [scenario, line] of [
    ['irps', 4],
    ['nested', 7],
  ] as const) {
    const t0 = Date.now();
    assert.throws(
      () => run(src, { scenario, maxSteps: 5_000_000 }),
      (e: unknown) =>
        e instanceof SimulationError && e.kind === 'budget' && e.message === `step budget exceeded at test.drvm:${line}` && e.line === line,
    );
    assert.ok(Date.now() - t0 < 1000, `${scenario} took ${Date.now() - t0} ms`);
  }
  // The default budget (100,000,000 statements) also ends an endless nested repeat at once.
  const t0 = Date.now();
  assert.throws(() => run(src, { scenario: 'nested' }), /step budget exceeded at test\.drvm:7/);
  assert.ok(Date.now() - t0 < 1000);
});

test('helper recursion deeper than 256 calls stops the run', () => {
  const src = `driver "Rec.sys";
routine Down() { Down(); }
dispatch IRP_MJ_READ Read { Down(); }
scenario s { irp IRP_MJ_READ; }
`;
  assert.throws(
    () => run(src),
    (e: unknown) => e instanceof SimulationError && e.kind === 'recursion' && /deeper than 256 calls at test\.drvm:2$/.test(e.message),
  );
});

test('progress is reported and cancellation polled every 65,536 statements', () => {
  const src = `driver "Long.sys";
scenario s { repeat 1000000 { } }
`;
  const seen: number[] = [];
  run(src, { onProgress: (n) => seen.push(n) });
  assert.deepEqual(seen.slice(0, 3), [65536, 131072, 196608]);
  assert.equal(seen.length, Math.floor(1000001 / 65536));
  let polls = 0;
  assert.throws(
    () => run(src, { isCancelled: () => ++polls === 2 }),
    (e: unknown) => e instanceof SimulationError && e.kind === 'cancelled',
  );
  assert.equal(polls, 2);
});
