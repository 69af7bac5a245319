/**
 * Driver Verifier's Pool Tracking, as the simulator keeps it: every live block of the driver,
 * per-tag counters as PoolMon and `!poolused` show them, and the quota charged to each process.
 *
 * Pool Tracking: https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking
 * (since Windows 7 it also counts IoAllocateMdl, IoAllocateIrp, RtlAnsiStringToUnicodeString,
 * IoAllocateWorkItem… — hence the system-tagged blocks of the model).
 *
 * Blocks live in typed arrays ("slots"), not in one object each: a leaking scenario can hold
 * millions of live blocks, and millions of small objects make the garbage collector the
 * bottleneck (and cost ~4× the memory). A pointer value in the interpreter is a *handle*:
 * slot + generation, so a pointer kept after its block was freed is recognised as stale (a
 * double free) even when the slot holds a newer block. Freed slots wait in a quarantine of
 * QUARANTINE_SLOTS frees before reuse — as Driver Verifier delays reuse of freed pool — so a
 * double free still knows the block's tag, size and allocation site.
 */
import type { BlockKind } from '../apis';
import { FIRST_BLOCK_OFFSET } from './address';

/** One process's current quota charge (reports show the charge now, not a running total). */
export class ProcessQuota {
  paged = 0;
  nonPaged = 0;
  /** Listed in the `quota` report: named by a `process` step or ever charged. */
  shown = false;
  constructor(
    readonly name: string,
    readonly index: number,
  ) {}
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

/** Where a call sits in the script. */
export interface CallSite {
  line: number;
  column: number;
}

/** What every block allocated at one call site shares (registered once per site). */
export interface AllocationSite {
  /** Registry index, set by `PoolTracker.registerSite`. */
  id: number;
  tag: TagAccount;
  paged: boolean;
  kind: BlockKind;
  site: CallSite;
}

/** A block's record, for reports and bug checks (live, or freed and still in quarantine). */
export interface BlockInfo {
  handle: number;
  /** Offset in the simulated pool region (address.ts). */
  address: number;
  size: number;
  site: AllocationSite;
  /** Id of the innermost driver frame of the allocating call (StackNode registry). */
  stackId: number;
  quota: ProcessQuota | null;
  step: number;
  live: boolean;
}

/** NULL, as a pointer value. */
export const NULL_HANDLE = 0;
/** Slots per generation in a handle: handle = generation × SLOT_SPACE + slot + 1. */
const SLOT_SPACE = 2 ** 26;
/** Frees a slot waits before it can be reused. */
export const QUARANTINE_SLOTS = 65536;
const POOL_HEADER_BYTES = 16;
/** Slots per chunk of records. */
const CHUNK_BITS = 16;
const CHUNK_SLOTS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SLOTS - 1;
/**
 * Most address space one block consumes. Addresses are identities, not a heap layout; the cap
 * keeps a long run of large blocks inside the synthetic range.
 */
const MAX_ADDRESS_STRIDE = 0x10000;

export class PoolTracker {
  /**
   * Slot records in fixed chunks (never copied when the pool grows): per slot, four doubles
   * (address, size, step, generation) and four int32 (site, stack, quota process or -1, live).
   */
  private readonly numbers: Float64Array[] = [];
  private readonly ints: Int32Array[] = [];
  /** Slots ever used (the high-water mark). */
  private slotCount = 0;
  /** Reusable slots (past quarantine), as a stack. */
  private reusable = new Int32Array(1024);
  private reusableCount = 0;
  /** Freed slots waiting, oldest first (a ring). */
  private readonly quarantine = new Int32Array(QUARANTINE_SLOTS);
  private quarantineHead = 0;
  private quarantineCount = 0;

  liveCount = 0;
  /** Once a slot is reused, slot order is no longer allocation (address) order. */
  private slotsReused = false;
  private nextOffset = FIRST_BLOCK_OFFSET;

  allocations = 0;
  frees = 0;
  pagedUsed = 0;
  nonPagedUsed = 0;

  private readonly sites: AllocationSite[] = [];
  private readonly tags = new Map<string, TagAccount>();
  /** Tags in sorted order, for reports and timeline points. */
  private sortedTags: TagAccount[] = [];
  private hitTag: string | null = null;

  private readonly processes: ProcessQuota[] = [];
  private readonly processByName = new Map<string, ProcessQuota>();

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

  registerSite(site: Omit<AllocationSite, 'id'>): AllocationSite {
    const registered: AllocationSite = { id: this.sites.length, ...site };
    this.sites.push(registered);
    return registered;
  }

  setHitTag(tag: string | null): void {
    this.hitTag = tag;
    for (const account of this.sortedTags) account.hit = account.tag === tag;
  }

  getHitTag(): string | null {
    return this.hitTag;
  }

  process(name: string): ProcessQuota {
    let p = this.processByName.get(name);
    if (!p) {
      p = new ProcessQuota(name, this.processes.length);
      this.processes.push(p);
      this.processByName.set(name, p);
    }
    return p;
  }

  shownProcesses(): ProcessQuota[] {
    return this.processes.filter((p) => p.shown);
  }

  // ------------------------------------------------------------------ handles

  private slotOf(handle: number): number {
    return (handle - 1) % SLOT_SPACE;
  }

  /** True when `handle` is a block that is allocated now (not NULL, not freed). */
  isLive(handle: number): boolean {
    if (handle <= 0) return false;
    const slot = (handle - 1) % SLOT_SPACE;
    const i = (slot & CHUNK_MASK) << 2;
    const ints = this.ints[slot >>> CHUNK_BITS];
    return ints !== undefined && ints[i + 3] === 1 && this.numbers[slot >>> CHUNK_BITS][i + 3] === Math.floor((handle - 1) / SLOT_SPACE);
  }

  /** The allocation site of the block if it is live, else undefined: one decode for the hot path. */
  liveSite(handle: number): AllocationSite | undefined {
    if (handle <= 0) return undefined;
    const slot = (handle - 1) % SLOT_SPACE;
    const chunk = slot >>> CHUNK_BITS;
    const ints = this.ints[chunk];
    if (ints === undefined) return undefined;
    const i = (slot & CHUNK_MASK) << 2;
    if (ints[i + 3] !== 1 || this.numbers[chunk][i + 3] !== (handle - 1 - slot) / SLOT_SPACE) return undefined;
    return this.sites[ints[i]];
  }

  /** The allocation site of a live block (caller checked `isLive`). */
  siteOfLive(handle: number): AllocationSite {
    const slot = (handle - 1) % SLOT_SPACE;
    return this.sites[this.ints[slot >>> CHUNK_BITS][(slot & CHUNK_MASK) << 2]];
  }

  /** The record of a block: live, or freed and still known (in quarantine); else undefined. */
  info(handle: number): BlockInfo | undefined {
    if (handle <= 0) return undefined;
    const slot = this.slotOf(handle);
    if (slot >= this.slotCount) return undefined;
    const n = this.numbers[slot >>> CHUNK_BITS];
    const v = this.ints[slot >>> CHUNK_BITS];
    const i = (slot & CHUNK_MASK) << 2;
    if (n[i + 3] !== Math.floor((handle - 1) / SLOT_SPACE)) return undefined;
    const q = v[i + 2];
    return {
      handle,
      address: n[i],
      size: n[i + 1],
      site: this.sites[v[i]],
      stackId: v[i + 1],
      quota: q >= 0 ? this.processes[q] : null,
      step: n[i + 2],
      live: v[i + 3] === 1,
    };
  }

  private takeSlot(): number {
    if (this.reusableCount > 0) {
      // A new generation: handles to the block that used this slot before become stale.
      const slot = this.reusable[--this.reusableCount];
      this.numbers[slot >>> CHUNK_BITS][((slot & CHUNK_MASK) << 2) + 3]++;
      this.slotsReused = true;
      return slot;
    }
    const slot = this.slotCount;
    if ((slot & CHUNK_MASK) === 0) {
      if (slot >= SLOT_SPACE - 1) throw new RangeError('more than 67,108,863 pool blocks');
      this.numbers.push(new Float64Array(CHUNK_SLOTS * 4));
      this.ints.push(new Int32Array(CHUNK_SLOTS * 4));
    }
    this.slotCount++;
    return slot;
  }

  // ------------------------------------------------------------------ pool operations

  /** Records a new block; returns its handle. */
  allocate(site: AllocationSite, size: number, stackId: number, quota: ProcessQuota | null, step: number): number {
    const slot = this.takeSlot();
    const n = this.numbers[slot >>> CHUNK_BITS];
    const v = this.ints[slot >>> CHUNK_BITS];
    const i = (slot & CHUNK_MASK) << 2;
    const generation = n[i + 3];
    const address = this.nextOffset + POOL_HEADER_BYTES;
    const body = size > MAX_ADDRESS_STRIDE ? MAX_ADDRESS_STRIDE : size < 1 ? 1 : size;
    this.nextOffset += POOL_HEADER_BYTES + ((body + 15) & ~15);
    n[i] = address;
    n[i + 1] = size;
    n[i + 2] = step;
    v[i] = site.id;
    v[i + 1] = stackId;
    v[i + 2] = quota ? quota.index : -1;
    v[i + 3] = 1;
    this.liveCount++;
    this.allocations++;
    const tag = site.tag;
    if (site.paged) {
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
      if (site.paged) quota.paged += size;
      else quota.nonPaged += size;
    }
    return generation * SLOT_SPACE + slot + 1;
  }

  /** Frees a live block (caller checked `isLive`). */
  free(handle: number): void {
    const slot = (handle - 1) % SLOT_SPACE;
    const v = this.ints[slot >>> CHUNK_BITS];
    const i = (slot & CHUNK_MASK) << 2;
    v[i + 3] = 0;
    this.liveCount--;
    this.frees++;
    const site = this.sites[v[i]];
    const size = this.numbers[slot >>> CHUNK_BITS][i + 1];
    const tag = site.tag;
    if (site.paged) {
      tag.pagedFrees++;
      tag.pagedUsed -= size;
      this.pagedUsed -= size;
    } else {
      tag.nonPagedFrees++;
      tag.nonPagedUsed -= size;
      this.nonPagedUsed -= size;
    }
    const q = v[i + 2];
    if (q >= 0) {
      const quota = this.processes[q];
      if (site.paged) quota.paged -= size;
      else quota.nonPaged -= size;
    }
    // Into quarantine; the oldest quarantined slot becomes reusable when it is full.
    if (this.quarantineCount === QUARANTINE_SLOTS) {
      const oldest = this.quarantine[this.quarantineHead];
      this.quarantine[this.quarantineHead] = slot;
      this.quarantineHead = (this.quarantineHead + 1) % QUARANTINE_SLOTS;
      if (this.reusableCount === this.reusable.length) {
        const bigger = new Int32Array(this.reusable.length * 2);
        bigger.set(this.reusable);
        this.reusable = bigger;
      }
      this.reusable[this.reusableCount++] = oldest;
    } else {
      this.quarantine[(this.quarantineHead + this.quarantineCount) % QUARANTINE_SLOTS] = slot;
      this.quarantineCount++;
    }
  }

  /** Handles of the live blocks, oldest allocation first (addresses grow with time). */
  liveHandles(): number[] {
    const slots: number[] = [];
    const field = (slot: number, k: number): number => this.numbers[slot >>> CHUNK_BITS][((slot & CHUNK_MASK) << 2) + k];
    for (let s = 0; s < this.slotCount; s++) if (this.ints[s >>> CHUNK_BITS][((s & CHUNK_MASK) << 2) + 3] === 1) slots.push(s);
    if (this.slotsReused) slots.sort((a, b) => field(a, 0) - field(b, 0));
    return slots.map((s) => field(s, 3) * SLOT_SPACE + s + 1);
  }
}
