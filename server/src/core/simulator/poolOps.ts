/**
 * Pool operations as Driver Verifier's Pool Tracking sees them (simulator.md, "Execution model"
 * and "Bug checks"): allocating and releasing blocks with every check a Verifier machine makes,
 * MDL page locks, completion contexts attached to IRPs, PoolHitTag breaks, the bug checks raised
 * (or recorded with --continue-on-bugcheck) and the unload checks.
 *
 * The per-tag counters, live blocks and quota themselves are kept by PoolTracker
 * (poolTracker.ts); this module decides what an operation does to them.
 *
 * Windows behaviour modelled (Microsoft Learn):
 * - Pool Tracking (outstanding allocations at unload → 0xC4 / 0x62; locked pages → 0xCB):
 *   https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking
 * - Low Resources Simulation (allocations fail and return NULL):
 *   https://learn.microsoft.com/windows-hardware/drivers/devtest/low-resources-simulation
 * - POOL_FLAG_RAISE_ON_FAILURE (the allocation raises instead of returning NULL):
 *   https://learn.microsoft.com/windows-hardware/drivers/kernel/pool_flags
 * - IoFreeMdl does not unlock pages (MmUnlockPages must come first):
 *   https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iofreemdl
 */
import { APC_LEVEL } from '../apis';
import { tagToUlong } from '../poolTag';
import { addressValue, DRIVER_NAME_OFFSET, formatAddress, VERIFIER_DRIVER_DATA_OFFSET } from './address';
import * as BugChecks from './bugcheck';
import { PAGED_POOL_TYPE, type AllocationCall, type ReleaseCall } from './callSpecs';
import { NULL_HANDLE, type BlockInfo, type CallSite, type PoolTracker, type ProcessQuota } from './poolTracker';
import type { SeededRandom } from './prng';
import type { BugCheck, HitTagBreak, OutstandingBlock, PoolName, StackFrame } from './result';
import type { CompiledRoutine, MachineState, OperationContext, Value } from './routine';
import type { StackNode } from './stack';

const APC = APC_LEVEL;

/** Bug checks kept with --continue-on-bugcheck (the rest are counted). */
const MAX_BUGCHECKS = 10_000;

export interface PoolOptions {
  driverName: string;
  maxHits: number;
  lowResources: number;
  failAllocation: number;
  continueOnBugcheck: boolean;
}

/** Pages locked by MmProbeAndLockPages; kept until MmUnlockPages, even after IoFreeMdl. */
interface LockedPages {
  address: number;
  pages: number;
  tag: string;
  site: CallSite;
  stack: StackNode;
}

/** A completion routine set on an IRP by IoSetCompletionRoutineEx, with its 'IoCc' context block. */
export interface PendingCompletion {
  routine: CompiledRoutine;
  context: Value;
}

/** Thrown to unwind the interpreter at the first bug check (the machine crashed). */
export class BugCheckStop {
  constructor(readonly bugcheck: BugCheck) {}
}

export function poolName(paged: boolean): PoolName {
  return paged ? 'PagedPool' : 'NonPagedPool';
}

/**
 * A synthetic x64 POOL_HEADER (docs/simulator.md): PoolTag in the high 32 bits, then
 * PoolType (0 once freed, else the POOL_TYPE + 1), BlockSize in 16-byte units (capped at 0xFF),
 * PoolIndex 0 and PreviousSize 0.
 */
export function poolHeader(b: BlockInfo, live: boolean): bigint {
  const blockSize = Math.min(0xff, Math.ceil((b.size + 16) / 16));
  const poolType = live ? (b.site.paged ? PAGED_POOL_TYPE : 0) + 1 : 0;
  return (BigInt(tagToUlong(b.site.tag.tag)) << 32n) | (BigInt(poolType) << 24n) | (BigInt(blockSize) << 16n);
}

export class PoolOperations {
  /** Allocations so far that could have failed (the count `failAllocation` refers to). */
  allocationAttempts = 0;
  /** The allocation failed on purpose by `failAllocation`, once it happened. */
  failedAllocation: { site: CallSite; tag: string; stack: StackNode } | null = null;

  /** IRPs with a completion routine set (IoSetCompletionRoutineEx), by handle. */
  private readonly completions = new Map<number, PendingCompletion>();
  /** Pages each live MDL describes, by handle. */
  private readonly mdlPages = new Map<number, number>();
  /** MDLs whose pages are locked, oldest lock first (0xCB names the oldest), by handle. */
  private readonly lockedMdls = new Map<number, LockedPages>();
  readonly hits: HitTagBreak[] = [];
  hitsDropped = 0;
  readonly bugchecks: BugCheck[] = [];
  bugchecksDropped = 0;

  private readonly driverName: string;
  private readonly maxHits: number;
  private readonly lowResources: number;
  private readonly failAllocation: number;
  private readonly continueOnBugcheck: boolean;

  constructor(
    private readonly machine: MachineState,
    readonly tracker: PoolTracker,
    private readonly rng: SeededRandom,
    private readonly stackRegistry: readonly StackNode[],
    private readonly idle: ProcessQuota,
    options: PoolOptions,
  ) {
    this.driverName = options.driverName;
    this.maxHits = options.maxHits;
    this.lowResources = options.lowResources;
    this.failAllocation = options.failAllocation;
    this.continueOnBugcheck = options.continueOnBugcheck;
  }

  /** Where and when a bug check raised now is raised. */
  private at(stack: StackFrame[]): BugChecks.RaiseContext {
    return { driver: this.driverName, step: this.machine.steps, stack };
  }

  // ------------------------------------------------------------------ allocation

  allocate(spec: AllocationCall, a: OperationContext, driverNode: StackNode): Value {
    const where = spec.where;
    if (where.paged && this.machine.irql > APC) {
      // Paged pool at DISPATCH_LEVEL or above: 0xC4 / 0x01.
      const irql = this.machine.irql;
      const culprit = { site: spec.site, stack: driverNode.toFrames(), tag: where.tag.tag };
      const at = this.at(driverNode.child(spec.apiFrame, undefined).toFrames());
      this.raise(BugChecks.pagedAllocationAtHighIrql(at, spec.api.name, irql, spec.poolType, spec.size, culprit));
      return NULL_HANDLE;
    }
    let charged: ProcessQuota | null = null;
    if (spec.quota) {
      const culprit = { site: spec.site, stack: driverNode.toFrames(), tag: where.tag.tag };
      if (a.inDpc) {
        this.raise(BugChecks.quotaFromDpc(this.at(driverNode.child(spec.apiFrame, undefined).toFrames()), spec.api.name, culprit));
        return NULL_HANDLE;
      }
      if (a.process === this.idle) {
        this.raise(BugChecks.quotaToIdle(this.at(driverNode.child(spec.apiFrame, undefined).toFrames()), spec.api.name, culprit));
        return NULL_HANDLE;
      }
      charged = a.process;
    }
    // Low Resources Simulation: fail the allocation, as Driver Verifier would.
    if (!spec.neverFails) {
      if (++this.allocationAttempts === this.failAllocation) {
        this.failedAllocation = { site: spec.site, tag: where.tag.tag, stack: driverNode };
        return NULL_HANDLE;
      }
      if (this.lowResources > 0 && this.rng.chance(this.lowResources)) return NULL_HANDLE;
    }
    const h = this.tracker.allocate(where, spec.size, driverNode.id, charged, this.machine.steps);
    if (spec.pages) this.mdlPages.set(h, spec.pages);
    if (where.tag.hit) this.recordHit('alloc', this.tracker.info(h)!, driverNode.child(spec.apiFrame, undefined));
    return h;
  }

  // ------------------------------------------------------------------ release

  /** Frees a live block and forgets what was attached to it. */
  private freeBlock(h: number): void {
    this.tracker.free(h);
    if (this.mdlPages.size > 0) this.mdlPages.delete(h);
    // A completion routine set on an IRP that is freed never runs; its 'IoCc' context stays
    // allocated (a leak, as on a real machine).
    if (this.completions.size > 0) this.completions.delete(h);
  }

  release(spec: ReleaseCall, ptr: Value, driverNode: StackNode): void {
    // The common case first, with no allocation: a live block of the right kind, freed at a
    // legal IRQL with the right tag.
    const t = this.tracker;
    const where = t.liveSite(ptr);
    if (where !== undefined) {
      if (
        (spec.poolFree ? where.kind === 'pool' : spec.blocks.includes(where.kind)) &&
        (!where.paged || this.machine.irql <= APC) &&
        (spec.tag === null || spec.tag === where.tag.tag)
      ) {
        if (where.tag.hit) {
          const info = t.info(ptr)!;
          this.freeBlock(ptr);
          this.recordHit('free', info, driverNode.child(spec.apiFrame, undefined));
        } else this.freeBlock(ptr);
        return;
      }
    }
    this.badRelease(spec, ptr, driverNode);
  }

  /** The bug check a release that is not the common case raises (simulator.md table). */
  private badRelease(spec: ReleaseCall, ptr: Value, driverNode: StackNode): void {
    const api = spec.api.name;
    const at = this.at(driverNode.child(spec.apiFrame, undefined).toFrames());
    const driverFrames = driverNode.toFrames();
    const info = this.tracker.info(ptr);
    if (ptr === NULL_HANDLE) {
      this.raise(BugChecks.invalidAddressFree(at, api, 0n, 'a NULL pointer', [{ site: spec.site, stack: driverFrames }]));
      return;
    }
    if (!info) {
      // A block freed long ago whose slot was reused since: still a double free, but its
      // header and address are no longer known (docs/simulator.md, "Quarantine").
      this.raise(BugChecks.doubleFree(at, api, 0n, 0n, [{ site: spec.site, stack: driverFrames }]));
      return;
    }
    const address = addressValue(info.address);
    const tag = info.site.tag.tag;
    const kind = info.site.kind;
    const culprits = [{ site: spec.site, stack: driverFrames, address: formatAddress(info.address), tag }, this.blockEntry(info)];
    if (!info.live) {
      // 0xC2 / 0x07: freed twice. P3 is the pool header left by the first free (docs/simulator.md).
      this.raise(BugChecks.doubleFree(at, api, poolHeader(info, false), address, culprits));
      return;
    }
    if (spec.poolFree && kind === 'irp') {
      this.raise(BugChecks.freePoolOnIrp(at, api, culprits));
      return;
    }
    if (!spec.blocks.includes(kind)) {
      const why = `a block that ${api} does not release (${kind} '${tag}' at ${formatAddress(info.address)})`;
      this.raise(BugChecks.invalidAddressFree(at, api, address, why, culprits));
      return;
    }
    const irql = this.machine.irql;
    if (info.site.paged && irql > APC) {
      this.raise(BugChecks.pagedFreeAtHighIrql(at, api, irql, PAGED_POOL_TYPE, address, culprits[0]));
      return;
    }
    const used = spec.tag ?? tag;
    this.raise(BugChecks.freeTagMismatch(at, api, address, { tag, ulong: tagToUlong(tag) }, { tag: used, ulong: tagToUlong(used) }, culprits));
  }

  // ------------------------------------------------------------------ completion contexts

  /** IoSetCompletionRoutineEx: `routine` runs when the IRP is completed; a second one replaces the first. */
  setCompletion(irp: Value, pending: PendingCompletion): void {
    this.completions.set(irp, pending);
  }

  /** The completion routine set on a live IRP, taken off it (IoCallDriver completes the IRP once). */
  takeCompletion(irp: Value): PendingCompletion | undefined {
    const pending = this.completions.get(irp);
    if (!pending || !this.tracker.isLive(irp)) return undefined;
    this.completions.delete(irp);
    return pending;
  }

  /** Frees the 'IoCc' context once its routine returned; a HitTag break shows `base` as its stack. */
  freeCompletionContext(context: Value, base: StackNode): void {
    const t = this.tracker;
    if (!t.isLive(context)) return;
    const hit = t.siteOfLive(context).tag.hit;
    const info = hit ? t.info(context) : undefined;
    this.freeBlock(context);
    if (info) this.recordHit('free', info, base);
  }

  // ------------------------------------------------------------------ MDL pages

  /** MmProbeAndLockPages on a live MDL that is not locked yet: its pages stay locked until MmUnlockPages. */
  lockPages(mdl: Value, site: CallSite, stack: StackNode): void {
    const t = this.tracker;
    if (!t.isLive(mdl) || t.siteOfLive(mdl).kind !== 'mdl' || this.lockedMdls.has(mdl)) return;
    const info = t.info(mdl)!;
    this.lockedMdls.set(mdl, { address: info.address, pages: this.mdlPages.get(mdl) ?? 0, tag: info.site.tag.tag, site, stack });
  }

  /** MmUnlockPages — also through a pointer to an MDL already freed by IoFreeMdl. */
  unlockPages(mdl: Value): void {
    this.lockedMdls.delete(mdl);
  }

  // ------------------------------------------------------------------ breaks and bug checks

  private recordHit(event: 'alloc' | 'free', b: BlockInfo, stack: StackNode): void {
    if (this.hits.length >= this.maxHits) {
      this.hitsDropped++;
      return;
    }
    this.hits.push({
      event,
      tag: b.site.tag.tag,
      address: formatAddress(b.address),
      size: b.size,
      pool: poolName(b.site.paged),
      stack: stack.toFrames(),
      step: this.machine.steps,
    });
  }

  private raise(bc: BugCheck): void {
    if (!this.continueOnBugcheck) throw new BugCheckStop(bc);
    // Kept up to a cap, like HitTag breaks: a violation inside a long loop must not make
    // memory grow with the number of events.
    if (this.bugchecks.length < MAX_BUGCHECKS) this.bugchecks.push(bc);
    else this.bugchecksDropped++;
  }

  /** Pool Tracking's unload checks: locked pages (0xCB) first, then leaked blocks (0xC4 / 0x62). */
  unloadChecks(checkStack: StackNode): void {
    const stack = checkStack.toFrames();
    const locked = [...this.lockedMdls.values()];
    if (locked.length > 0) {
      const oldest = locked[0];
      const culprits = locked.map((m) => ({
        site: m.site,
        stack: m.stack.toFrames(),
        address: formatAddress(m.address),
        tag: m.tag,
      }));
      this.raise(BugChecks.lockedPagesAtUnload(this.at(stack), addressValue(oldest.address), oldest.pages, locked.length, culprits));
    }
    if (this.tracker.liveCount > 0) {
      const outstanding = this.outstanding();
      this.raise(
        BugChecks.leakedAllocationsAtUnload(this.at(stack), addressValue(DRIVER_NAME_OFFSET), addressValue(VERIFIER_DRIVER_DATA_OFFSET), outstanding),
      );
    }
  }

  // ------------------------------------------------------------------ outstanding blocks

  private blockEntry(b: BlockInfo): OutstandingBlock {
    const where = b.site;
    const address = formatAddress(b.address);
    const tag = where.tag.tag;
    const pool = poolName(where.paged);
    const { kind, site } = where;
    const stack = this.stackRegistry[b.stackId].toFrames();
    // One object literal per shape (with or without `process`): millions of entries at the
    // end of a leaking run must not go through hidden-class transitions.
    return b.quota
      ? { address, tag, pool, size: b.size, kind, site, stack, process: b.quota.name, step: b.step }
      : { address, tag, pool, size: b.size, kind, site, stack, step: b.step };
  }

  /** The outstanding list last built, and the allocation/free counts it was built at. */
  private outstandingCache: { allocations: number; frees: number; list: OutstandingBlock[] } | null = null;

  outstanding(): OutstandingBlock[] {
    const t = this.tracker;
    const cached = this.outstandingCache;
    if (cached && cached.allocations === t.allocations && cached.frees === t.frees) return cached.list;
    const out: OutstandingBlock[] = [];
    for (const h of t.liveHandles()) out.push(this.blockEntry(t.info(h)!));
    this.outstandingCache = { allocations: t.allocations, frees: t.frees, list: out };
    return out;
  }
}
