// The execution model of simulator.md: queued work order, completion routines inside
// IoCallDriver, IRQL tracking, helpers and their parameters, lists, stacks and HitTag breaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STRUCTURAL_RULES } from '../../../server/src/core/simulator';
import { bugcheckOf, frames, run } from './helpers';

const leaky = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'leaky.drvm'), 'utf8');

test('DPCs and work items run after the step, in queue order; a queued DPC is not queued twice', () => {
  const r = run(`driver "Order.sys";
dpc DpcA { p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 1, 'Ord '); ExFreePool(p); }
dpc DpcB {
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 2, 'Ord ');
    ExFreePool(p);
    KeInsertQueueDpc(DpcA);
}
workitem Work(w) {
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 3, 'Ord ');
    ExFreePool(p);
    IoFreeWorkItem(w);
}
workitem ExWork(ctx) {
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 4, 'Ord ');
    ExFreePool(p);
    ExFreePool(ctx);
}
dispatch IRP_MJ_READ Read {
    KeInsertQueueDpc(DpcB);
    w = IoAllocateWorkItem();
    IoQueueWorkItem(w, Work);
    c = ExAllocatePool2(POOL_FLAG_NON_PAGED, 64, 'ExWI');
    ExQueueWorkItem(c, ExWork);
    KeInsertQueueDpc(DpcB);
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 5, 'Ord ');
    ExFreePool(p);
}
scenario s { hittag 'Ord '; irp IRP_MJ_READ; }
`);
  assert.equal(r.bugcheck, null);
  const allocs = r.hits.filter((h) => h.event === 'alloc');
  assert.deepEqual(
    allocs.map((h) => h.size),
    [5, 2, 3, 4, 1],
  );
  assert.deepEqual(frames(allocs[0].stack), ['nt!ExAllocatePool2', 'Order!Read:25', 'nt!IofCallDriver', 'nt!NtReadFile']);
  assert.deepEqual(frames(allocs[1].stack), ['nt!ExAllocatePool2', 'Order!DpcB:4', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList']);
  assert.deepEqual(frames(allocs[2].stack), ['nt!ExAllocatePool2', 'Order!Work:9', 'nt!IopProcessWorkItem', 'nt!ExpWorkerThread']);
  assert.deepEqual(frames(allocs[3].stack), ['nt!ExAllocatePool2', 'Order!ExWork:14', 'nt!ExpWorkerThread']);
  assert.deepEqual(frames(allocs[4].stack), ['nt!ExAllocatePool2', 'Order!DpcA:2', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList']);
  // Every block was freed by the routine that received it.
  assert.equal(r.outstanding.length, 0);
  assert.equal(r.allocations, 7);
  assert.equal(r.frees, 7);
  assert.deepEqual(r.poolused.map((row) => row.tag), ['ExWI', 'IoWI', 'Ord ']);
});

test('work queued by the unload routine runs before the unload checks', () => {
  const r = run(`driver "Late.sys";
global g_Buf;
entry DriverEntry { g_Buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Late'); }
workitem Cleanup(w) { ExFreePool(g_Buf); IoFreeWorkItem(w); }
unload DriverUnload { w = IoAllocateWorkItem(); IoQueueWorkItem(w, Cleanup); }
scenario s { load; unload; }
`);
  assert.equal(r.bugcheck, null);
  assert.equal(r.outstanding.length, 0);
  assert.equal(r.frees, 2);
});

test('a completion routine runs inside IoCallDriver at DISPATCH_LEVEL in the caller process; IoCc is freed after it', () => {
  const src = `driver "Cpl.sys";
completion Done(irp) {
    q = ExAllocatePoolWithQuotaTag(NonPagedPool, 40, 'CplQ');
    IoFreeIrp(irp);
}
routine Send() {
    i = IoAllocateIrp(1);
    IoSetCompletionRoutineEx(i, Done);
    IoCallDriver(i);
}
dispatch IRP_MJ_DEVICE_CONTROL Ioctl { Send(); }
scenario s { hittag 'IoCc'; process "svc.exe" { irp IRP_MJ_DEVICE_CONTROL; } }
`;
  const r = run(src);
  assert.equal(r.bugcheck, null);
  // The quota block stays (a leak): charged to the process that called IoCallDriver.
  assert.deepEqual(r.quota, [{ process: 'svc.exe', nonPaged: 40, paged: 0 }]);
  assert.equal(r.outstanding.length, 1);
  assert.equal(r.outstanding[0].process, 'svc.exe');
  assert.deepEqual(frames(r.outstanding[0].stack), [
    'Cpl!Done:3',
    'nt!IofCompleteRequest',
    'Cpl!Send:9',
    'Cpl!Ioctl:11',
    'nt!IofCallDriver',
    'nt!NtDeviceIoControlFile',
  ]);
  const cc = r.poolused.find((row) => row.tag === 'IoCc')!;
  assert.deepEqual(cc.nonPaged, { allocs: 1, frees: 1, diff: 0, used: 0 });
  assert.deepEqual(
    r.hits.map((h) => [h.event, frames(h.stack)]),
    [
      ['alloc', ['nt!IoSetCompletionRoutineEx', 'Cpl!Send:8', 'Cpl!Ioctl:11', 'nt!IofCallDriver', 'nt!NtDeviceIoControlFile']],
      ['free', ['nt!IofCompleteRequest', 'Cpl!Send:9', 'Cpl!Ioctl:11', 'nt!IofCallDriver', 'nt!NtDeviceIoControlFile']],
    ],
  );
  // Paged pool in the completion routine: DISPATCH_LEVEL even though the caller was PASSIVE.
  const paged = run(src.replace('NonPagedPool, 40', 'PagedPool, 40'));
  assert.deepEqual(bugcheckOf(paged).params, ['0x01', '0x02', '0x01', '0x28']);
});

test('IRQL follows spin locks and raises, and is restored when a routine returns', () => {
  const r = run(`driver "Irql.sys";
routine TakeLock() { KeAcquireSpinLock(L); }
dispatch IRP_MJ_READ Read {
    TakeLock();
    p = ExAllocatePoolWithTag(PagedPool, 16, 'Rst ');
    ExFreePool(p);
    KeRaiseIrql(DISPATCH_LEVEL);
}
dispatch IRP_MJ_WRITE Write {
    p = ExAllocatePoolWithTag(PagedPool, 16, 'Rst ');
    ExFreePool(p);
}
scenario s { irp IRP_MJ_READ; irp IRP_MJ_WRITE; }
`);
  assert.equal(r.bugcheck, null);
  assert.equal(r.allocations, 2);
  assert.equal(r.frees, 2);
});

test('helper parameters bind by position; return leaves the helper; lists pop oldest first; foreach empties', () => {
  const r = run(`driver "Lists.sys";
list g_Queue;
global g_First;
routine Release(p) {
    if (p == NULL) return;
    ExFreePool(p);
}
entry DriverEntry {
    repeat 3 {
        b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 0x10, 'Lst ');
        push g_Queue, b;
    }
    g_First = pop g_Queue;
    Release(NULL);
}
unload DriverUnload {
    Release(g_First);
    foreach p in g_Queue { Release(p); }
    q = pop g_Queue;
    Release(q);
}
scenario s { load; snapshot "loaded"; unload; }
`);
  assert.equal(r.bugcheck, null);
  assert.equal(r.allocations, 3);
  assert.equal(r.frees, 3);
  // pop took the first block pushed (FIFO).
  const loaded = r.timeline.find((p) => p.label === 'loaded')!;
  assert.deepEqual(loaded.tags, { 'Lst ': { paged: 0, nonPaged: 0x30 } });
  assert.equal(loaded.nonPaged, 0x30);
});

test('PoolHitTag breaks: kb stacks of leaky.drvm reads, hittag off, the cap and the dropped count', () => {
  const src = leaky.replace(
    /scenario steady_reads \{[\s\S]*?\n\}/,
    `scenario steady_reads {
    load;
    process "app.exe" { repeat 3 { irp IRP_MJ_READ; } hittag off; repeat 3 { irp IRP_MJ_READ; } }
}`,
  );
  const r = run(src, { hitTag: 'Abc' });
  assert.equal(r.hitTag, null);
  assert.equal(r.hits.length, 3);
  for (const h of r.hits) {
    assert.equal(h.event, 'alloc');
    assert.equal(h.tag, 'Abc ');
    assert.equal(h.size, 4096);
    assert.equal(h.pool, 'PagedPool');
    assert.deepEqual(h.stack, [
      { frame: 'nt!ExAllocatePoolWithTag' },
      { frame: 'Leaky!ReadDispatch', line: 14 },
      { frame: 'nt!IofCallDriver' },
      { frame: 'nt!NtReadFile' },
    ]);
  }
  assert.deepEqual(
    r.hits.map((h) => h.address),
    ['ffffc000`00010220', 'ffffc000`00011230', 'ffffc000`00012240'],
  );
  const capped = run(leaky, { hitTag: 'Abc ', maxHits: 5, scenario: 'steady_reads' });
  assert.equal(capped.hits.length, 5);
  // 1100 allocations and 1100 - leaked frees of 'Abc ' (the unload frees the pending ones).
  const abc = capped.poolused.find((row) => row.tag === 'Abc ')!;
  assert.equal(capped.hitsDropped, abc.paged.allocs + abc.paged.frees - 5);
});

test('call X runs at PASSIVE_LEVEL in the current process with NULL parameters and no system frames', () => {
  const r = run(`driver "Cb.sys";
routine Callback(ctx) {
    if (ctx != NULL) ExFreePool(ctx);
    q = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA, 100, 'CbQ ');
}
scenario s { call Callback; process "tool.exe" { call Callback; } }
`);
  assert.equal(r.bugcheck, null);
  assert.deepEqual(r.quota, [
    { process: 'System', nonPaged: 0, paged: 100 },
    { process: 'tool.exe', nonPaged: 0, paged: 100 },
  ]);
  assert.deepEqual(frames(r.outstanding[0].stack), ['Cb!Callback:4']);
  assert.equal(r.outstanding[1].process, 'tool.exe');
});

test('options.hitTag accepts the display form, the quoted form and a short tag', () => {
  const src = `driver "H.sys";
dispatch IRP_MJ_READ Read { p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Ab  '); ExFreePool(p); }
scenario s { irp IRP_MJ_READ; }
`;
  for (const form of ['Ab  ', "'Ab  '", 'Ab', "'Ab'"]) {
    const r = run(src, { hitTag: form });
    assert.equal(r.hitTag, 'Ab  ', form);
    assert.deepEqual(r.hits.map((h) => h.event), ['alloc', 'free'], form);
  }
});

test('foreach: pointers pushed by the body stay for later; return inside the body leaves the routine', () => {
  const r = run(`driver "Each.sys";
list g_In, g_Kept;
global g_Stop;
entry DriverEntry {
    repeat 3 { b = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'Each'); push g_In, b; }
}
dispatch IRP_MJ_READ Requeue {
    foreach p in g_In { push g_In, p; }
}
dispatch IRP_MJ_WRITE FreeOne {
    foreach p in g_In {
        ExFreePool(p);
        return;
    }
}
scenario s { load; irp IRP_MJ_READ; snapshot "requeued"; irp IRP_MJ_WRITE; }
`);
  assert.equal(r.bugcheck, null);
  // The READ put the 3 pointers back; the WRITE took all 3 out, freed the first and returned:
  // the other two are lost from the list but still allocated.
  assert.equal(r.frees, 1);
  assert.equal(r.outstanding.length, 2);
  assert.equal(r.timeline.find((p) => p.label === 'requeued')!.nonPaged, 48);
});

test('an unmatched KeRaiseIrql does not outlive the step; a DPC helper runs at DISPATCH_LEVEL', () => {
  const r = run(`driver "Raise.sys";
routine AllocPaged() { p = ExAllocatePoolWithTag(PagedPool, 1, 'Rse '); ExFreePool(p); }
dispatch IRP_MJ_READ Read { repeat 10000 { KeRaiseIrql(DISPATCH_LEVEL); } }
dispatch IRP_MJ_WRITE Write { AllocPaged(); }
dpc Tick { AllocPaged(); }
scenario s { irp IRP_MJ_READ; irp IRP_MJ_WRITE; dpc Tick; }
`);
  const bc = bugcheckOf(r);
  assert.deepEqual(bc.params, ['0x01', '0x02', '0x01', '0x01']);
  assert.deepEqual(frames(bc.stack), ['nt!ExAllocatePoolWithTag', 'Raise!AllocPaged:2', 'Raise!Tick:5', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList']);
  assert.equal(r.allocations, 1);
});

test('structural rules are exactly cli.md\'s five; a bad-argument script runs with what the model reads', () => {
  assert.deepEqual([...STRUCTURAL_RULES].sort(), ['duplicate-name', 'invalid-tag', 'syntax-error', 'unknown-name', 'wrong-kind']);
  const r = run(`
routine H(p) { }
entry E {
    a = ExAllocatePoolWithTag(PagedPool, 8);
    b = ExAllocatePoolWithTag(NonPagedPool, size, 'Abc ');
    c = ExAllocatePool2(POOL_FLAG_USE_QUOTA, 16, 'Quo ');
    d = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_NON_PAGED, 32, 'Two ');
    H(a, b);
    x = H();
}
scenario s { load; }
`);
  assert.equal(r.bugcheck, null);
  const rows = Object.fromEntries(r.poolused.map((p) => [p.tag, [p.nonPaged.diff, p.nonPaged.used, p.paged.diff, p.paged.used]]));
  assert.deepEqual(rows, { 'Abc ': [1, 0, 0, 0], 'None': [0, 0, 1, 8], 'Quo ': [1, 16, 0, 0], 'Two ': [0, 0, 1, 32] });
  assert.deepEqual(r.quota, [{ process: 'System', nonPaged: 16, paged: 0 }]);
});

test('system frames per routine kind: load, irp, dpc, workitem step, IoQueueWorkItem, ExQueueWorkItem, completion, call, unload', () => {
  const r = run(`driver "St.sys";
global w1, x1;
routine H { p = ExAllocatePoolWithTag(NonPagedPool, 16, 'Hit '); ExFreePool(p); }
completion C(irp) { H(); IoFreeIrp(irp); }
workitem W(w) { H(); if (w != NULL) IoFreeWorkItem(w); }
workitem X(p) { H(); ExFreePool(p); }
dpc D { H(); }
entry E {
  H();
  w1 = IoAllocateWorkItem();
  IoQueueWorkItem(w1, W);
  x1 = ExAllocatePoolWithTag(NonPagedPool, 32, 'Xwi ');
  ExQueueWorkItem(x1, X);
}
dispatch IRP_MJ_DEVICE_CONTROL Ioctl {
  j = IoAllocateIrp(1);
  IoSetCompletionRoutineEx(j, C);
  IoCallDriver(j);
}
routine CB { H(); }
unload U { H(); }
scenario s {
  hittag 'Hit ';
  load;
  process "app.exe" { irp IRP_MJ_DEVICE_CONTROL; call CB; }
  workitem W;
  dpc D;
  unload;
}
`);
  assert.equal(r.bugcheck, null);
  const allocs = r.hits.filter((h) => h.event === 'alloc').map((h) => frames(h.stack).slice(1));
  assert.deepEqual(allocs, [
    ['St!H:3', 'St!E:9', 'nt!IopLoadDriver'],
    ['St!H:3', 'St!W:5', 'nt!IopProcessWorkItem', 'nt!ExpWorkerThread'],
    ['St!H:3', 'St!X:6', 'nt!ExpWorkerThread'],
    ['St!H:3', 'St!C:4', 'nt!IofCompleteRequest', 'St!Ioctl:18', 'nt!IofCallDriver', 'nt!NtDeviceIoControlFile'],
    ['St!H:3', 'St!CB:20'],
    ['St!H:3', 'St!W:5', 'nt!IopProcessWorkItem', 'nt!ExpWorkerThread'],
    ['St!H:3', 'St!D:7', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList'],
    ['St!H:3', 'St!U:21', 'nt!IopUnloadDriver'],
  ]);
  assert.ok(r.hits.every((h) => h.stack[0].frame === (h.event === 'alloc' ? 'nt!ExAllocatePoolWithTag' : 'nt!ExFreePool')));
});
