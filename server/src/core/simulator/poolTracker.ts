/**
 * Driver Verifier's Pool Tracking, as the simulator keeps it: every live block of the driver,
 * per-tag counters as PoolMon and `!poolused` show them, the quota charged to each process,
 * and the MDLs whose pages are locked.
 *
 * Pool Tracking: https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking
 * ("Starting with Windows Vista, enabling the Pool Tracking option also enables the tracking
 * of locked pages"; since Windows 7 it also counts IoAllocateMdl, IoAllocateIrp,
 * RtlAnsiStringToUnicodeString, IoAllocateWorkItem, … — hence the system-tagged blocks here).
 */
import type { BlockKind } from '../apis';
import { FIRST_BLOCK_OFFSET } from './address';
import type { StackNode } from './stack';

/** One process's current quota charge (reports show the charge now, not a running total). */
export class ProcessQuota {
  paged = 0;
  nonPaged = 0;
  /** Listed in the `quota` report: named by a `process` step or ever charged. */
  shown = false;
  constructor(readonly name: string) {}
}

/** PoolMon's per-tag counters, split by pool. `diff` is allocs - frees. */
export class TagAccount {
  pagedAllocs = 0;
  pagedFrees = 0;
  pagedUsed = 0;
  nonPagedAllocs = 0;
  nonPagedFrees = 0;
  nonPagedUsed = 0;
  /** The PoolHitTag in force matches this tag. */
  hit = false;
  constructor(
    /** Display form, padded to 4 characters. */
    readonly tag: string,
  ) {}

  get everAllocated(): boolean {
    return this.pagedAllocs + this.nonPagedAllocs > 0;
  }
}

/** A completion routine set on an IRP by IoSetCompletionRoutineEx, with its 'IoCc' context. */
export interface PendingCompletion {
  routine: unknown;
  context: PoolBlock;
}

/** Where a call sits in the script. */
export interface CallSite {
  line: number;
  column: number;
}

/** One block the driver owns (or owned: `live` turns false when it is freed). */
export class PoolBlock {
  live = true;
  prev: PoolBlock | null = null;
  next: PoolBlock | null = null;
  /** IRPs: the completion routine IoCallDriver will run. */
  completion: PendingCompletion | null = null;
  /** MDLs: pages described, ceil(Length / 4096). */
  pages = 0;
  /** MDLs: locked by MmProbeAndLockPages and not yet unlocked. */
  locked = false;
  lockSite: CallSite | null = null;
  lockStack: StackNode | null = null;
  /** A work item queued on this block and not yet run (queuing it twice is ignored). */
  queued = false;

  constructor(
    /** Offset in the simulated pool region (address.ts). */
    readonly address: number,
    readonly tag: TagAccount,
    readonly paged: boolean,
    readonly size: number,
    readonly kind: BlockKind,
    readonly site: CallSite,
    /** Innermost driver frame of the allocating call (no API frame). */
    readonly stack: StackNode,
    /** The process charged, for quota allocations. */
    readonly quota: ProcessQuota | null,
    readonly step: number,
  ) {}
}

/**
 * Bytes of address space a block consumes. Capped, so that a long run of large blocks cannot
 * exhaust the synthetic address range (addresses are identities, not a heap layout).
 */
const POOL_HEADER_BYTES = 16;
const MAX_ADDRESS_STRIDE = 0x10000;

export class PoolTracker {
  /** Live blocks in allocation order (an intrusive list: O(1) insert and remove). */
  private head: PoolBlock | null = null;
  private tail: PoolBlock | null = null;
  liveCount = 0;
  private nextOffset = FIRST_BLOCK_OFFSET;

  allocations = 0;
  frees = 0;
  pagedUsed = 0;
  nonPagedUsed = 0;

  private readonly tags = new Map<string, TagAccount>();
  /** Tags in sorted order, for reports and timeline points. */
  private sortedTags: TagAccount[] = [];
  private hitTag: string | null = null;

  private readonly processes = new Map<string, ProcessQuota>();

  /** MDLs with locked pages, oldest lock first (0xCB names the oldest). */
  readonly lockedMdls = new Set<PoolBlock>();

  tagAccount(tag: string): TagAccount {
    let account = this.tags.get(tag);
    if (!account) {
      account = new TagAccount(tag);
      account.hit = tag === this.hitTag;
      this.tags.set(tag, account);
      this.sortedTags.push(account);
      this.sortedTags.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    }
    return account;
  }

  /** Every tag the tracker knows, sorted (some may never have been allocated). */
  allTags(): readonly TagAccount[] {
    return this.sortedTags;
  }

  setHitTag(tag: string | null): void {
    this.hitTag = tag;
    for (const account of this.sortedTags) account.hit = account.tag === tag;
  }

  getHitTag(): string | null {
    return this.hitTag;
  }

  process(name: string): ProcessQuota {
    let p = this.processes.get(name);
    if (!p) {
      p = new ProcessQuota(name);
      this.processes.set(name, p);
    }
    return p;
  }

  shownProcesses(): ProcessQuota[] {
    return [...this.processes.values()].filter((p) => p.shown);
  }

  allocate(
    tag: TagAccount,
    paged: boolean,
    size: number,
    kind: BlockKind,
    site: CallSite,
    stack: StackNode,
    quota: ProcessQuota | null,
    step: number,
  ): PoolBlock {
    const address = this.nextOffset + POOL_HEADER_BYTES;
    const body = size > MAX_ADDRESS_STRIDE ? MAX_ADDRESS_STRIDE : size < 1 ? 1 : size;
    this.nextOffset += POOL_HEADER_BYTES + ((body + 15) & ~15);
    const block = new PoolBlock(address, tag, paged, size, kind, site, stack, quota, step);
    if (this.tail) {
      this.tail.next = block;
      block.prev = this.tail;
    } else this.head = block;
    this.tail = block;
    this.liveCount++;
    this.allocations++;
    if (paged) {
      tag.pagedAllocs++;
      tag.pagedUsed += size;
      this.pagedUsed += size;
    } else {
      tag.nonPagedAllocs++;
      tag.nonPagedUsed += size;
      this.nonPagedUsed += size;
    }
    if (quota) {
      quota.shown = true;
      if (paged) quota.paged += size;
      else quota.nonPaged += size;
    }
    return block;
  }

  free(block: PoolBlock): void {
    block.live = false;
    const { prev, next } = block;
    if (prev) prev.next = next;
    else this.head = next;
    if (next) next.prev = prev;
    else this.tail = prev;
    block.prev = block.next = null;
    this.liveCount--;
    this.frees++;
    const tag = block.tag;
    if (block.paged) {
      tag.pagedFrees++;
      tag.pagedUsed -= block.size;
      this.pagedUsed -= block.size;
    } else {
      tag.nonPagedFrees++;
      tag.nonPagedUsed -= block.size;
      this.nonPagedUsed -= block.size;
    }
    const quota = block.quota;
    if (quota) {
      if (block.paged) quota.paged -= block.size;
      else quota.nonPaged -= block.size;
    }
  }

  /** Live blocks, oldest first. */
  *liveBlocks(): IterableIterator<PoolBlock> {
    for (let b = this.head; b; b = b.next) yield b;
  }
}
