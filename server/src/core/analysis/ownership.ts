/**
 * The ownership model under the flow-sensitive pool rules (`unbalanced-allocation`,
 * `leak-at-unload`, `double-free`, `free-tag-mismatch`, `mismatched-free`,
 * `locked-pages-leak`): what a pointer can refer to, what can happen to a block, and the
 * summary of a routine that its callers (and the rules) read.
 *
 * The analysis tracks *objects*: a block made by an allocation call of the routine, the value
 * a parameter brings in, the value a global holds when the routine starts, or a pointer taken
 * out of a list. Each object is followed on its own through the routine as a small set of
 * abstract states (status, which variables point at it, locked pages, completion routine) —
 * typestate in the style of ESP — so the cost stays linear in the routine's size.
 */
import type { ApiInfo, BlockKind } from '../apis';
import type { Block, Call, Range, Routine, Statement } from '../ast';

/** One allocation call in a routine: the block it makes, with its tag. */
export interface AllocationSite {
  call: Call;
  api: ApiInfo;
  routine: Routine;
  block: BlockKind;
  /** Display tag (`'Abc '` as `Abc `), the system tag, `None` for untagged APIs; undefined when the tag literal is invalid. */
  tag: string | undefined;
  /** The variable the block is assigned to, if any. */
  variable: string | undefined;
}

export type Origin =
  | { kind: 'alloc'; site: AllocationSite }
  | { kind: 'param'; index: number; name: string }
  /** The value a global holds when the routine starts — or, with `after`, once that helper call has stored something new in it. */
  | { kind: 'global'; name: string; after?: Call }
  | { kind: 'listItem'; list: string; via: 'pop' | 'foreach'; at: Range };

/**
 * - `maybe`: a block or NULL (an allocation whose result is unchecked, an incoming pointer)
 * - `live`: a block, known non-NULL
 * - `null`: the allocation failed / the pointer is NULL on this path
 * - `freed`: released (by any release API — a wrong one still counts as a release)
 * - `escaped`: ownership passed on: pushed into a list, handed to a work/completion routine
 *   or a helper that stores it, sent down with IoCallDriver
 * - `lost`: no variable refers to it any more while it was still owned (already reported)
 */
export type Status = 'maybe' | 'live' | 'null' | 'freed' | 'escaped' | 'lost';

export interface ObjState {
  readonly status: Status;
  /** Variables (locals, parameters, globals) that point at the object on this path, sorted. */
  readonly aliases: readonly string[];
  /** For `escaped`: where to (`list:L`, `global:g`, `lower`, `handoff:R`). */
  readonly to?: string;
  /** The MmProbeAndLockPages call whose pages are still locked. */
  readonly lockSite?: Call;
  /** MmUnlockPages ran on this object (what a helper reports for its parameter). */
  readonly unlocked?: boolean;
  /** Completion routine set by IoSetCompletionRoutineEx (IRPs). */
  readonly completion?: string;
  /** The call that freed it (for the double-free message). */
  readonly freedAt?: Call;
}

/**
 * What happens to an object by the time a routine returns, as a string so sets dedupe:
 * `null`, `freed`, `freed!dangling` (a global still points at the freed block), `stored:<to>`,
 * `kept`, `lost`; followed by `|u` (pages unlocked) or `|l<offset>` (pages left locked) for
 * parameters.
 */
export type Fate = string;

/** A release call on an object whose allocation is not in the same routine. */
export interface FreeEvent {
  call: Call;
  api: ApiInfo;
  /** The tag argument's display value, when the API takes one and it is valid. */
  tag: string | undefined;
  /** Helper / hand-off calls through which the freed pointer arrived, outermost first. */
  chain: Call[];
}

/** Where a leaking path leaves the routine (or where the last reference is overwritten). */
export interface ExitPoint {
  kind: 'return' | 'end' | 'overwrite' | 'call';
  /** The `return` statement, the overwriting statement, or the call that lost the block. */
  statement?: Statement;
  /** True when `statement` is the unbraced body of an `if` / `else`. */
  unbraced?: boolean;
  /** For `end`: the routine body whose closing brace the path reaches. */
  body?: Block;
  /** What the related information points at. */
  range: Range;
  line: number;
}

export interface ParamSummary {
  name: string;
  /** Fates on the paths on which the parameter is not NULL. */
  fates: Set<Fate>;
  /** Release calls applied to the parameter (directly or in nested helpers). */
  frees: FreeEvent[];
}

/** A block that is still in a global or a list when the routine returns. */
export interface SurvivingStore {
  site: AllocationSite;
  /** `global:g` or `list:L`. */
  target: string;
}

export interface RoutineSummary {
  routine: Routine;
  params: ParamSummary[];
  /** The allocation calls of the routine itself (not of its helpers), in walk order. */
  allocates: AllocationSite[];
  /** Fates of the value each touched global held on entry. */
  globals: Map<string, Set<Fate>>;
  /** Globals this routine or its helpers read or write. */
  touchedGlobals: Set<string>;
  /** Lists whose items this routine takes out and frees on every path (foreach-and-free, pop-and-free). */
  drains: Set<string>;
  /** Allocation sites of this routine (or of its helpers) left in a global or list. */
  stores: SurvivingStore[];
  /** First release of a global's entry value, per global (cross-routine double free). */
  entryGlobalFrees: Map<string, { call: Call; chain: Call[] }>;
  /** Globals left pointing at a freed block on some path, with the freeing call. */
  danglingGlobals: Map<string, Call>;
  /** Release calls on values taken out of globals / lists: checked against what is stored there. */
  storedFrees: { origin: 'global' | 'list'; name: string; event: FreeEvent }[];
}

/**
 * What a routine does with a pointer parameter on every path on which it is not NULL:
 * `frees` (released on all of them), `stores` (kept in a global / list / handed off on all of
 * them), `consumes` (freed on some, stored on the others), `keeps` (the caller still owns it on
 * some path). A parameter that is only ever NULL counts as `keeps`.
 */
export type ParamEffect = 'frees' | 'stores' | 'consumes' | 'keeps';

export function paramEffect(param: ParamSummary): ParamEffect {
  const bases = [...param.fates].map((f) => f.split('|')[0]).filter((b) => b !== 'null');
  if (bases.length === 0) return 'keeps';
  const freed = bases.filter((b) => b.startsWith('freed')).length;
  const stored = bases.filter((b) => b.startsWith('stored:')).length;
  if (freed === bases.length) return 'frees';
  if (stored === bases.length) return 'stores';
  if (freed + stored === bases.length) return 'consumes';
  return 'keeps';
}
