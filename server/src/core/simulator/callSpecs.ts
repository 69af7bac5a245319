/**
 * What each API call of a script does to the pool, worked out once per call site when a
 * routine is compiled (from the API table, apis.ts): pool kind, tag, size, quota, and which
 * blocks a release accepts.
 */
import { POOL_FLAG_BY_NAME, POOL_TYPE_BY_NAME, type ApiInfo, type BlockKind } from '../apis';
import type * as Ast from '../ast';
import { padTag } from '../poolTag';
import type { AllocationSite, CallSite, PoolTracker } from './poolTracker';

/** Tag of untagged allocations (ExAllocatePool, ExAllocatePoolWithQuota). */
const UNTAGGED = 'None';
/** Size of an MDL header on x64 (sizeof(MDL)); each described page adds one PFN_NUMBER. */
const MDL_HEADER_BYTES = 0x30;
const PFN_NUMBER_BYTES = 8;
const PAGE_SIZE = 4096;
/** POOL_TYPE value of PagedPool (wdm.h), the P3 of 0xC4 / 0x01 and 0x11. */
export const PAGED_POOL_TYPE = 1;

/** Inline wdm.h wrappers: the API the compiled driver actually calls (apis.ts, "modelled as"). */
const CALLED_API: Record<string, string> = {
  ExAllocatePoolZero: 'ExAllocatePoolWithTag',
  ExAllocatePoolUninitialized: 'ExAllocatePoolWithTag',
  ExAllocatePoolQuotaZero: 'ExAllocatePoolWithQuotaTag',
};

/** What an allocating call does, resolved once when the routine is compiled. */
export interface AllocationCall {
  api: ApiInfo;
  apiFrame: string;
  /** Tag, pool, block kind and call site, shared by every block this call allocates. */
  where: AllocationSite;
  poolType: number;
  size: number;
  quota: boolean;
  /** POOL_FLAG_RAISE_ON_FAILURE, or an allocation the script cannot observe failing. */
  neverFails: boolean;
  pages: number;
  site: CallSite;
}

/** What a releasing call does, resolved once when the routine is compiled. */
export interface ReleaseCall {
  api: ApiInfo;
  apiFrame: string;
  blocks: readonly BlockKind[];
  /** ExFreePool / ExFreePoolWithTag / ExFreePool2. */
  poolFree: boolean;
  /** The tag the call passes, when it passes one. */
  tag: string | null;
  site: CallSite;
}

export function callSite(node: Ast.Node): CallSite {
  return { line: node.range.start.line, column: node.range.start.column };
}

/** The tag a call passes, in display form (padded), or null when the argument is not a tag. */
export function tagArgument(arg: Ast.Argument | undefined): string | null {
  if (arg && arg.type === 'tag') return arg.value ?? padTag(arg.raw);
  return null;
}

export function describeAllocation(call: Ast.Call, api: ApiInfo, tracker: PoolTracker): AllocationCall {
  const how = api.allocates!;
  const args = call.args;
  let paged = false;
  let poolType = 0;
  let quota = how.quota === 'always';
  let raise = false;
  if (how.pool.from === 'poolType') {
    const a = args[how.pool.arg];
    const info = a && a.type === 'identifier' ? POOL_TYPE_BY_NAME.get(a.name) : undefined;
    paged = info?.pool === 'paged';
    poolType = info?.value ?? 0;
  } else if (how.pool.from === 'flags') {
    const a = args[how.pool.arg];
    const names = !a ? [] : a.type === 'identifier' ? [a.name] : a.type === 'flags' ? a.names.map((n) => n.name) : [];
    for (const n of names) {
      const f = POOL_FLAG_BY_NAME.get(n);
      if (f?.pool === 'paged') paged = true;
      if (n === 'POOL_FLAG_USE_QUOTA' && how.quota === 'flag') quota = true;
      if (n === 'POOL_FLAG_RAISE_ON_FAILURE') raise = true;
    }
    poolType = paged ? PAGED_POOL_TYPE : 0;
  } else {
    paged = how.pool.kind === 'paged';
    poolType = paged ? PAGED_POOL_TYPE : 0;
  }
  let tag: string;
  if (how.tag.from === 'arg') tag = tagArgument(args[how.tag.arg]) ?? UNTAGGED;
  else if (how.tag.from === 'system') tag = how.tag.tag;
  else tag = UNTAGGED;
  let size = 0;
  let pages = 0;
  if (how.size.from === 'fixed') size = how.size.bytes;
  else {
    const a = args[how.size.arg];
    const n = a && a.type === 'number' && Number.isFinite(a.value) && a.value > 0 ? Math.floor(a.value) : 0;
    if (how.size.from === 'arg') size = n;
    else {
      // An MDL describes ceil(Length / 4096) pages; its own size is the header plus one PFN
      // per page, as MmSizeOfMdl computes it on x64.
      pages = Math.ceil(n / PAGE_SIZE);
      size = MDL_HEADER_BYTES + PFN_NUMBER_BYTES * pages;
    }
  }
  return {
    api,
    apiFrame: `nt!${CALLED_API[api.name] ?? api.name}`,
    where: tracker.registerSite({ tag: tracker.tagAccount(tag), paged, kind: how.block, site: callSite(call) }),
    poolType,
    size,
    quota,
    // The completion context of IoSetCompletionRoutineEx is never failed: the script could
    // not observe the failure (the call returns no pointer).
    neverFails: raise || how.block === 'completion',
    pages,
    site: callSite(call),
  };
}

export function describeRelease(call: Ast.Call, api: ApiInfo): ReleaseCall {
  const releases = api.releases!;
  return {
    api,
    apiFrame: `nt!${api.name}`,
    blocks: releases.blocks,
    poolFree: releases.blocks.includes('pool'),
    tag: releases.tagArg !== undefined ? tagArgument(call.args[releases.tagArg]) : null,
    site: callSite(call),
  };
}
