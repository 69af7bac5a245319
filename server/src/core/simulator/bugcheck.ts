/**
 * The bug checks a Driver Verifier machine with Pool Tracking would raise, with their
 * parameters exactly as simulator.md lists them (parameters it does not list are 0).
 *
 * - 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION:
 *   https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 * - 0xC2 BAD_POOL_CALLER:
 *   https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller
 * - 0xCB DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS:
 *   https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xcb--driver-left-locked-pages-in-process
 */
import { IRQL_NAMES } from '../apis';
import { formatParameter } from './address';
import type { BugCheck, OutstandingBlock, SourceSite, StackFrame } from './result';

export const DRIVER_VERIFIER_DETECTED_VIOLATION = 'DRIVER_VERIFIER_DETECTED_VIOLATION';
export const BAD_POOL_CALLER = 'BAD_POOL_CALLER';
export const DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS = 'DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS';

/** A culprit that is not an outstanding block: the offending call. */
export interface OffendingSite {
  site: SourceSite;
  stack: StackFrame[];
  address?: string;
  tag?: string;
}

export type Culprit = OutstandingBlock | OffendingSite;

function irqlText(irql: number): string {
  return IRQL_NAMES[irql] ?? String(irql);
}

function make(code: number, name: string, params: Array<number | bigint>, description: string, at: RaiseContext, culprits: Culprit[]): BugCheck {
  const p = [0, 1, 2, 3].map((i) => formatParameter(params[i] ?? 0)) as [string, string, string, string];
  return { code: formatParameter(code), name, params: p, description, step: at.step, stack: at.stack, culprits };
}

/**
 * Where and when a bug check is raised, the same for every constructor below: the driver, the
 * scenario step and the stack at that moment (innermost first).
 */
export interface RaiseContext {
  driver: string;
  step: number;
  stack: StackFrame[];
}

/** 0xC4 / 0x62: the driver unloads while it still owns blocks. */
export function leakedAllocationsAtUnload(
  at: RaiseContext,
  driverNameAddress: bigint,
  verifierData: bigint,
  outstanding: OutstandingBlock[],
): BugCheck {
  const n = outstanding.length;
  const driver = at.driver;
  return make(
    0xc4,
    DRIVER_VERIFIER_DETECTED_VIOLATION,
    [0x62, driverNameAddress, verifierData, n],
    `A driver has forgotten to free its pool allocations prior to unloading. Driver Verifier's Pool Tracking found ` +
      `${n} allocation${n === 1 ? '' : 's'} (paged + non-paged) still owned by ${driver} when its unload routine ` +
      `returned. Arg2 is the driver's name, Arg3 Verifier's internal data for the driver, Arg4 the number of blocks ` +
      `that were never freed. Run !verifier 3 ${driver} to list them: each culprit below is a leaked block with its ` +
      `tag, size and the stack that allocated it.`,
    at,
    outstanding,
  );
}

/** 0xC4 / 0x10B: quota charged from a DPC routine (arbitrary thread context). */
export function quotaFromDpc(at: RaiseContext, api: string, culprit: OffendingSite): BugCheck {
  return make(
    0xc4,
    DRIVER_VERIFIER_DETECTED_VIOLATION,
    [0x10b],
    `${at.driver} called ${api}, charging pool quota, from a DPC routine (or a routine it calls). A DPC runs in an ` +
      `arbitrary thread context, so the quota would be charged to whatever process happens to be current. ` +
      `Allocate without quota in this path (ExAllocatePool2 without POOL_FLAG_USE_QUOTA).`,
    at,
    [culprit],
  );
}

/** 0xC4 / 0x10A: quota charged to the Idle process. */
export function quotaToIdle(at: RaiseContext, api: string, culprit: OffendingSite): BugCheck {
  return make(
    0xc4,
    DRIVER_VERIFIER_DETECTED_VIOLATION,
    [0x10a],
    `${at.driver} called ${api}, charging pool quota, while the Idle process was current. The Idle process has no ` +
      `quota to charge: quota allocations belong in the context of the requesting process.`,
    at,
    [culprit],
  );
}

/**
 * 0xC4 / 0x01 and 0x11, one layout: paged pool allocated or freed at IRQL > APC_LEVEL. P2 the
 * current IRQL, P3 the pool type (1 = paged), P4 the size (0x01) or the block address (0x11).
 */
function pagedPoolAtHighIrql(
  at: RaiseContext,
  subcode: 0x01 | 0x11,
  irql: number,
  poolType: number,
  p4: number | bigint,
  description: string,
  culprit: OffendingSite,
): BugCheck {
  return make(0xc4, DRIVER_VERIFIER_DETECTED_VIOLATION, [subcode, irql, poolType, p4], description, at, [culprit]);
}

/** 0xC4 / 0x01: paged pool allocated at IRQL > APC_LEVEL. */
export function pagedAllocationAtHighIrql(at: RaiseContext, api: string, irql: number, poolType: number, size: number, culprit: OffendingSite): BugCheck {
  const description =
    `${at.driver} attempted to allocate paged pool with IRQL > APC_LEVEL: ${api} for ${size} bytes of paged pool at ` +
    `${irqlText(irql)}. Paged pool can be paged out, and a page fault at this IRQL cannot be serviced. ` +
    `Allocate from non-paged pool here, or move the allocation to PASSIVE_LEVEL code.`;
  return pagedPoolAtHighIrql(at, 0x01, irql, poolType, size, description, culprit);
}

/** 0xC4 / 0x11: paged block freed at IRQL > APC_LEVEL. */
export function pagedFreeAtHighIrql(at: RaiseContext, api: string, irql: number, poolType: number, address: bigint, culprit: OffendingSite): BugCheck {
  const description =
    `${at.driver} attempted to free paged pool with IRQL > APC_LEVEL: ${api} of block ${culprit.address ?? ''} ` +
    `at ${irqlText(irql)}. Free paged blocks at PASSIVE_LEVEL or APC_LEVEL (for example from a work item), ` +
    `or allocate them from non-paged pool.`;
  return pagedPoolAtHighIrql(at, 0x11, irql, poolType, address, description, culprit);
}

/** 0xC2 / 0x07: a block freed twice. */
export function doubleFree(at: RaiseContext, api: string, header: bigint, address: bigint, culprits: Culprit[]): BugCheck {
  return make(
    0xc2,
    BAD_POOL_CALLER,
    [0x07, 0, header, address],
    `${at.driver} attempted to free pool which was already freed: ${api} of ${culprits[0]?.address ?? 'a block'} ` +
      `(tag '${culprits[0]?.tag ?? ''}'). Arg3 is the pool header of the freed block, Arg4 its address. ` +
      `The first culprit is this second free; the second is where the block was allocated.`,
    at,
    culprits,
  );
}

/** A tag as the bug check names it: the display form and its ULONG (`'Abc '` is 0x20636241). */
export interface TagValue {
  tag: string;
  ulong: number;
}

/** 0xC2 / 0x0A: ExFreePoolWithTag / ExFreePool2 with a tag other than the allocation's. */
export function freeTagMismatch(
  at: RaiseContext,
  api: string,
  address: bigint,
  allocated: TagValue,
  used: TagValue,
  culprits: Culprit[],
): BugCheck {
  return make(
    0xc2,
    BAD_POOL_CALLER,
    [0x0a, address, allocated.ulong, used.ulong],
    `${at.driver} attempted to free pool with a tag that does not match the allocation: ${api} with tag ` +
      `'${used.tag}' (0x${used.ulong.toString(16)}) on a block allocated with tag '${allocated.tag}' ` +
      `(0x${allocated.ulong.toString(16)}). Pass the allocation's tag to the free.`,
    at,
    culprits,
  );
}

/** 0xC4 / 0x105: ExFreePool* on an IRP. */
export function freePoolOnIrp(at: RaiseContext, api: string, culprits: Culprit[]): BugCheck {
  return make(
    0xc4,
    DRIVER_VERIFIER_DETECTED_VIOLATION,
    [0x105],
    `${at.driver} called ${api} on an IRP allocated by IoAllocateIrp. IRPs must be released with IoFreeIrp, ` +
      `which also releases the resources the I/O manager attached to them.`,
    at,
    culprits,
  );
}

/** 0xC2 / 0x99: release by the wrong API, or of a pointer that is not a live block. */
export function invalidAddressFree(at: RaiseContext, api: string, address: bigint, why: string, culprits: Culprit[]): BugCheck {
  return make(
    0xc2,
    BAD_POOL_CALLER,
    [0x99, address],
    `${at.driver} attempted to free pool with an invalid address: ${api} of ${why}. Arg2 is the address passed.`,
    at,
    culprits,
  );
}

/** 0xCB: unload with pages still locked by MmProbeAndLockPages. */
export function lockedPagesAtUnload(at: RaiseContext, mdlAddress: bigint, pages: number, lockedCount: number, culprits: Culprit[]): BugCheck {
  return make(
    0xcb,
    DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS,
    [0, 0, mdlAddress, pages],
    `${at.driver} failed to release locked pages after an I/O operation: ${lockedCount} MDL` +
      `${lockedCount === 1 ? '' : 's'} locked by MmProbeAndLockPages ${lockedCount === 1 ? 'was' : 'were'} never ` +
      `unlocked when the driver unloaded (IoFreeMdl does not unlock pages). Arg3 is the oldest such MDL, Arg4 the ` +
      `number of pages it locked. Call MmUnlockPages before freeing the MDL.`,
    at,
    culprits,
  );
}
