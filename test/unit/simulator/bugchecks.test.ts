// Every bug check of simulator.md, with all four parameters, from one small script each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tagToUlong } from '../../../server/src/core/poolTag';
import { bugcheckOf, frames, param, run } from './helpers';

/** Synthetic addresses: the first block sits at offset 0x10010, each block takes 16 + size rounded to 16. */
const FIRST = 'ffffc000`00010010';

test('0xC4 / 0x01: paged allocation in a DPC (IRQL 2, pool type 1, size)', () => {
  const r = run(`driver "Irql.sys";
dpc Tick {
    p = ExAllocatePoolWithTag(PagedPool, 0x300, 'Tick');
    ExFreePoolWithTag(p, 'Tick');
}
scenario s { dpc Tick; }
`);
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xC4');
  assert.equal(bc.name, 'DRIVER_VERIFIER_DETECTED_VIOLATION');
  assert.deepEqual(bc.params, ['0x01', '0x02', '0x01', '0x300']);
  assert.deepEqual(frames(bc.stack), ['nt!ExAllocatePoolWithTag', 'Irql!Tick:3', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList']);
  assert.deepEqual(bc.culprits[0].site, { line: 3, column: 9 });
  assert.equal(r.allocations, 0);
});

test('0xC4 / 0x01 under a spin lock, via ExAllocatePool2(POOL_FLAG_PAGED); none after the lock is released', () => {
  const held = run(`driver "Lock.sys";
dispatch IRP_MJ_READ Read {
    KeAcquireSpinLock(QueueLock);
    p = ExAllocatePool2(POOL_FLAG_PAGED, 24, 'Lck1');
    KeReleaseSpinLock(QueueLock);
    ExFreePool(p);
}
scenario s { irp IRP_MJ_READ; }
`);
  assert.deepEqual(bugcheckOf(held).params, ['0x01', '0x02', '0x01', '0x18']);
  assert.deepEqual(frames(held.bugcheck!.stack), ['nt!ExAllocatePool2', 'Lock!Read:4', 'nt!IofCallDriver', 'nt!NtReadFile']);
  const released = run(`driver "Lock.sys";
dispatch IRP_MJ_READ Read {
    KeAcquireSpinLock(QueueLock);
    KeReleaseSpinLock(QueueLock);
    KeRaiseIrql(APC_LEVEL);
    p = ExAllocatePool2(POOL_FLAG_PAGED, 24, 'Lck1');
    KeLowerIrql();
    ExFreePool(p);
}
scenario s { irp IRP_MJ_READ; }
`);
  assert.equal(released.bugcheck, null);
  assert.equal(released.allocations, 1);
  assert.equal(released.frees, 1);
});

test('0xC4 / 0x11: paged block freed in a DPC (IRQL 2, pool type 1, block address)', () => {
  const r = run(`driver "Free.sys";
global g_Buf;
entry DriverEntry { g_Buf = ExAllocatePoolWithTag(PagedPool, 100, 'Pgd '); }
dpc Tick { ExFreePoolWithTag(g_Buf, 'Pgd '); }
scenario s { load; dpc Tick; }
`);
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xC4');
  assert.deepEqual(bc.params, ['0x11', '0x02', '0x01', param(FIRST)]);
  assert.deepEqual(frames(bc.stack), ['nt!ExFreePoolWithTag', 'Free!Tick:4', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList']);
  // The crash happened before the free: the block is still outstanding.
  assert.equal(r.outstanding.length, 1);
  assert.equal(r.outstanding[0].address, FIRST);
});

test('0xC2 / 0x07: double free (P3 the synthetic pool header of the freed block, P4 its address)', () => {
  const r = run(`driver "Twice.sys";
dispatch IRP_MJ_CLOSE Close {
    p = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'Dbl ');
    ExFreePoolWithTag(p, 'Dbl ');
    ExFreePoolWithTag(p, 'Dbl ');
}
scenario s { irp IRP_MJ_CLOSE; }
`);
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xC2');
  assert.equal(bc.name, 'BAD_POOL_CALLER');
  // POOL_HEADER: tag in the high ULONG, PoolType 0 (free), BlockSize ceil((64 + 16) / 16) = 5.
  const header = (BigInt(tagToUlong('Dbl ')) << 32n) | (5n << 16n);
  assert.equal(header, 0x206c624400050000n);
  assert.deepEqual(bc.params, ['0x07', '0x00', '0x206C624400050000', param(FIRST)]);
  assert.deepEqual(frames(bc.stack), ['nt!ExFreePoolWithTag', 'Twice!Close:5', 'nt!IofCallDriver', 'nt!NtClose']);
  assert.deepEqual(bc.culprits[0].site, { line: 5, column: 5 });
  assert.deepEqual(bc.culprits[1].site, { line: 3, column: 9 });
  assert.equal(r.frees, 1);
});

test("0xC2 / 0x0A: free with another tag (P2 address, P3 allocator's tag ULONG, P4 tag used)", () => {
  const r = run(`driver "Tags.sys";
dispatch IRP_MJ_READ Read {
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'Abc ');
    ExFreePool2(p, 'Abd ');
}
scenario s { irp IRP_MJ_READ; }
`);
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xC2');
  assert.equal(tagToUlong('Abc '), 0x20636241);
  assert.deepEqual(bc.params, ['0x0A', param(FIRST), '0x20636241', '0x20646241']);
  assert.deepEqual(frames(bc.stack), ['nt!ExFreePool2', 'Tags!Read:4', 'nt!IofCallDriver', 'nt!NtReadFile']);
});

test('0xC4 / 0x105: ExFreePool on an IRP', () => {
  const r = run(`driver "Irp.sys";
dispatch IRP_MJ_WRITE Write {
    i = IoAllocateIrp(2);
    ExFreePool(i);
}
scenario s { irp IRP_MJ_WRITE; }
`);
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xC4');
  assert.deepEqual(bc.params, ['0x105', '0x00', '0x00', '0x00']);
  assert.deepEqual(frames(bc.stack), ['nt!ExFreePool', 'Irp!Write:4', 'nt!IofCallDriver', 'nt!NtWriteFile']);
  assert.equal(r.outstanding[0].tag, 'Irp ');
  assert.equal(r.outstanding[0].kind, 'irp');
});

test('0xC2 / 0x99: release by the wrong API, and of a pointer that is not a live block', () => {
  const wrong = run(`driver "Wrong.sys";
dispatch IRP_MJ_READ Read {
    p = ExAllocatePoolWithTag(NonPagedPool, 48, 'Wrg ');
    IoFreeMdl(p);
}
scenario s { irp IRP_MJ_READ; }
`);
  const bc = bugcheckOf(wrong);
  assert.equal(bc.code, '0xC2');
  assert.deepEqual(bc.params, ['0x99', param(FIRST), '0x00', '0x00']);
  assert.deepEqual(frames(bc.stack), ['nt!IoFreeMdl', 'Wrong!Read:4', 'nt!IofCallDriver', 'nt!NtReadFile']);
  const nul = run(`driver "Null.sys";
dispatch IRP_MJ_READ Read {
    p = NULL;
    ExFreePool(p);
}
scenario s { irp IRP_MJ_READ; }
`);
  assert.deepEqual(bugcheckOf(nul).params, ['0x99', '0x00', '0x00', '0x00']);
});

test('0xCB: unload with pages still locked (P3 oldest locked MDL, P4 its pages), before 0xC4 / 0x62', () => {
  const src = `driver "Mdl.sys";
global g_Buf, g_Mdl, g_Mdl2;
entry DriverEntry {
    g_Buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 0x3000, 'Buf ');
    g_Mdl = IoAllocateMdl(g_Buf, 10000);
    MmProbeAndLockPages(g_Mdl);
    g_Mdl2 = IoAllocateMdl(g_Buf, 4096);
    MmProbeAndLockPages(g_Mdl2);
    IoFreeMdl(g_Mdl);
}
unload DriverUnload { ExFreePool(g_Buf); }
scenario s { load; unload; }
`;
  const r = run(src);
  const bc = bugcheckOf(r);
  assert.equal(bc.code, '0xCB');
  assert.equal(bc.name, 'DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS');
  // Buf at 0x10010 takes 0x3010 bytes; the first MDL (ceil(10000 / 4096) = 3 pages) follows.
  assert.deepEqual(bc.params, ['0x00', '0x00', '0xFFFFC00000013020', '0x03']);
  assert.equal(bc.culprits.length, 2);
  assert.deepEqual(bc.culprits[0].site, { line: 6, column: 5 });
  assert.deepEqual(frames(bc.culprits[0].stack), ['Mdl!DriverEntry:6', 'nt!IopLoadDriver']);
  // IoFreeMdl freed the MDL (its pages stay locked): only the second MDL is outstanding.
  assert.equal(r.outstanding.length, 1);
  assert.equal(r.outstanding[0].kind, 'mdl');
  assert.equal(r.outstanding[0].tag, 'Mdl ');
  assert.equal(r.outstanding[0].size, 0x30 + 8);

  const both = run(src, { continueOnBugcheck: true });
  assert.deepEqual(
    both.bugchecks!.map((b) => `${b.code}/${b.params[0]}`),
    ['0xCB/0x00', '0xC4/0x62'],
  );
  assert.equal(both.bugchecks![1].params[3], '0x01');
  assert.equal(both.bugcheck, both.bugchecks![0]);
});

test('0xC4 / 0x10A: quota charged to the Idle process outside a DPC', () => {
  const r = run(`driver "Idle.sys";
dispatch IRP_MJ_CREATE Create {
    p = ExAllocatePoolWithQuotaTag(NonPagedPool, 40, 'Quo ');
    ExFreePool(p);
}
scenario s { process "Idle" { irp IRP_MJ_CREATE; } }
`);
  const bc = bugcheckOf(r);
  assert.deepEqual([bc.code, ...bc.params], ['0xC4', '0x10A', '0x00', '0x00', '0x00']);
  assert.deepEqual(frames(bc.stack), ['nt!ExAllocatePoolWithQuotaTag', 'Idle!Create:3', 'nt!IofCallDriver', 'nt!NtCreateFile']);
});

test('0xC4 / 0x10B: quota in a helper called by a DPC, and in a completion routine run from a DPC', () => {
  const helper = run(`driver "Dpc.sys";
routine Charge() {
    p = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_USE_QUOTA, 16, 'Chg ');
    ExFreePool(p);
}
dpc Tick { Charge(); }
scenario s { process "app.exe" { dpc Tick; } }
`);
  const bc = bugcheckOf(helper);
  assert.deepEqual([bc.code, ...bc.params], ['0xC4', '0x10B', '0x00', '0x00', '0x00']);
  assert.deepEqual(frames(bc.stack), ['nt!ExAllocatePool2', 'Dpc!Charge:3', 'Dpc!Tick:6', 'nt!KiExecuteAllDpcs', 'nt!KiRetireDpcList']);

  const completion = run(`driver "Cpl.sys";
completion Done(irp) {
    q = ExAllocatePoolWithQuotaTag(NonPagedPool, 8, 'CplQ');
    ExFreePool(q);
    IoFreeIrp(irp);
}
dpc Tick {
    i = IoAllocateIrp(1);
    IoSetCompletionRoutineEx(i, Done);
    IoCallDriver(i);
}
scenario s { dpc Tick; }
`);
  const c = bugcheckOf(completion);
  assert.deepEqual([c.code, ...c.params], ['0xC4', '0x10B', '0x00', '0x00', '0x00']);
  assert.deepEqual(frames(c.stack), [
    'nt!ExAllocatePoolWithQuotaTag',
    'Cpl!Done:3',
    'nt!IofCompleteRequest',
    'Cpl!Tick:10',
    'nt!KiExecuteAllDpcs',
    'nt!KiRetireDpcList',
  ]);
});

test('--continue-on-bugcheck records each violation, skips the operation and goes on', () => {
  const r = run(
    `driver "Many.sys";
dispatch IRP_MJ_READ Read {
    p = ExAllocatePoolWithTag(NonPagedPool, 16, 'Many');
    ExFreePoolWithTag(p, 'Mny ');
    ExFreePoolWithTag(p, 'Many');
}
scenario s { repeat 3 { irp IRP_MJ_READ; } }
`,
    { continueOnBugcheck: true },
  );
  assert.equal(r.bugchecks!.length, 3);
  for (const b of r.bugchecks!) assert.deepEqual([b.code, b.params[0]], ['0xC2', '0x0A']);
  // The mismatched free was skipped; the right one went through.
  assert.equal(r.allocations, 3);
  assert.equal(r.frees, 3);
  assert.equal(r.outstanding.length, 0);
  const keys = Object.keys(r);
  assert.deepEqual(keys.slice(0, 8), ['driver', 'scenario', 'seed', 'steps', 'allocations', 'frees', 'bugcheck', 'bugchecks']);
});

test('a stale pointer never frees the block that reuses its slot; past the quarantine P3/P4 are 0', () => {
  const src = `driver "Stale.sys";
global g_Old;
entry DriverEntry {
    g_Old = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'Old ');
    ExFreePool(g_Old);
    repeat 70000 {
        p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'New ');
        ExFreePool(p);
    }
    keep = ExAllocatePool2(POOL_FLAG_NON_PAGED, 32, 'Keep');
    ExFreePool(g_Old);
}
scenario s { load; }
`;
  const r = run(src);
  const bc = bugcheckOf(r);
  assert.deepEqual([bc.code, ...bc.params], ['0xC2', '0x07', '0x00', '0x00', '0x00']);
  assert.deepEqual(frames(bc.stack), ['nt!ExFreePool', 'Stale!DriverEntry:11', 'nt!IopLoadDriver']);
  // The live 'Keep' block (in a reused slot) was not touched.
  assert.deepEqual(r.outstanding.map((o) => o.tag), ['Keep']);
  assert.equal(r.frees, 70001);
});

test('--continue-on-bugcheck keeps at most 10,000 bug checks and counts the rest', () => {
  const r = run(
    `driver "Loop.sys";
dispatch IRP_MJ_READ Read { p = NULL; ExFreePool(p); }
scenario s { repeat 10005 { irp IRP_MJ_READ; } }
`,
    { continueOnBugcheck: true },
  );
  assert.equal(r.bugchecks!.length, 10000);
  assert.equal(r.bugchecksDropped, 5);
  assert.deepEqual(r.bugchecks![9999].params, ['0x99', '0x00', '0x00', '0x00']);
});
