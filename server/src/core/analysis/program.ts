/**
 * The whole-driver ownership model: every routine summarised once (callees first), then the
 * cross-routine questions answered from the summaries —
 * - what can be in each global and list (the tags and kinds of every block stored there
 *   anywhere), against which releases of popped / global values are checked;
 * - whether the unload routine (with the IRP_MJ_CLEANUP / IRP_MJ_CLOSE dispatch routines,
 *   which the I/O manager runs for every open handle before unloading) empties each global
 *   and list that keeps blocks;
 * - whether a global left pointing at a freed block can be freed again by another routine.
 *
 * The six flow-sensitive rules read `ownershipModel(ctx)` and keep their own findings; the
 * model is computed once per script.
 *
 * Windows behaviour modelled (Microsoft Learn):
 * - Pool Tracking bug checks at unload when the driver still owns allocations (0xC4 / 0x62):
 *   https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 * - Freeing a block twice / with the wrong tag / by the wrong API (0xC2 / 0x07, 0x0A, 0x99):
 *   https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller
 * - Pages left locked at unload (0xCB):
 *   https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xcb--driver-left-locked-pages-in-process
 * - IRP_MJ_CLEANUP and IRP_MJ_CLOSE arrive for every handle before the driver can unload:
 *   https://learn.microsoft.com/windows-hardware/drivers/kernel/dispatchcleanup-routines
 */
import type { Call, Range, Routine, Script } from '../ast';
import type { Diagnostic, QuickFix, RelatedInformation } from '../diagnostics';
import { LineMap } from '../fixes';
import { allocationOf, RoutineWalk, type FlowFinding, type ProgramView } from './flow';
import type { AllocationSite, FreeEvent, Origin, RoutineSummary } from './ownership';
import { freeBeforeExitFix, freeInUnloadFix, releaseCallText } from './repairs';
import { forEachCall, forEachStatement } from './walk';

export interface OwnershipModel {
  summaries: ReadonlyMap<Routine, RoutineSummary>;
  /** What can be in each `global:g` / `list:L`. */
  contents: ReadonlyMap<string, ReadonlySet<AllocationSite>>;
  diagnostics: readonly Diagnostic[];
}

const cache = new WeakMap<Script, { text: string; model: OwnershipModel }>();

/** The ownership model of a script (memoised per parsed script and text). */
export function ownershipModel(script: Script, text: string): OwnershipModel {
  const hit = cache.get(script);
  if (hit && hit.text === text) return hit.model;
  const model = new ProgramAnalysis(script, text).run();
  cache.set(script, { text, model });
  return model;
}

/** Drops the memoised model of a script (a caller that keeps the script but is done linting it). */
export function forgetOwnershipModel(script: Script): void {
  cache.delete(script);
}

/** The diagnostics of one rule of the model. */
export function ownershipFindings(script: Script, text: string, rule: Diagnostic['rule']): Diagnostic[] {
  // Copies: the linter front adjusts severities and appends fixes to what rules return.
  return ownershipModel(script, text)
    .diagnostics.filter((d) => d.rule === rule)
    .map((d) => ({ ...d, related: d.related?.slice(), fixes: d.fixes?.slice() }));
}

/** Related-information entries listed at most per finding. */
const MAX_RELATED = 10;

interface HolderView {
  kinds: Map<string, AllocationSite>;
  poolTags: Map<string, AllocationSite[]>;
}

const tagText = (tag: string | undefined): string => (tag === undefined ? 'an invalid tag' : `'${tag}'`);

function blockNoun(site: AllocationSite): string {
  const kind: Record<string, string> = { pool: 'pool block', mdl: 'MDL', irp: 'IRP', string: 'string buffer', workitem: 'work item' };
  return `${kind[site.block] ?? 'block'} ${tagText(site.tag)}`;
}

function related(range: Range, message: string): RelatedInformation {
  return { range, message };
}

class ProgramAnalysis implements ProgramView {
  readonly routines = new Map<string, Routine>();
  readonly globals = new Set<string>();
  readonly lists = new Set<string>();
  private readonly summaries = new Map<Routine, RoutineSummary>();
  private readonly inProgress = new Set<Routine>();
  private readonly calls = new Map<number, Call>();
  private readonly edges: { target: string; source: Origin }[] = [];
  private readonly diagnostics: Diagnostic[] = [];
  private readonly reported = new Set<string>();
  /** Leak candidates per allocation site; the earliest exit is reported, the others related. */
  private readonly leaks = new Map<AllocationSite, Extract<FlowFinding, { kind: 'leak' }>[]>();
  private readonly lines: LineMap;
  /** Globals / lists that can hold an MDL whose pages are locked, with the locking call. */
  private readonly lockedHolders = new Map<string, Call>();
  /** Lists that can hold a block that was already freed when it was pushed, with that free. */
  private readonly danglingHolders = new Map<string, Call>();

  constructor(
    private readonly script: Script,
    private readonly text: string,
  ) {
    this.lines = new LineMap(text);
    for (const r of script.routines) if (!this.routines.has(r.name.name)) this.routines.set(r.name.name, r);
    for (const g of script.globals) for (const n of g.names) this.globals.add(n.name);
    for (const l of script.lists) for (const n of l.names) this.lists.add(n.name);
    for (const r of script.routines) this.findLockedHolders(r);
  }

  /**
   * A first, syntactic pass in statement order: an MDL locked in a routine (and not unlocked or
   * reassigned before) that is pushed into a list or assigned to a global keeps its pages locked
   * there, so whoever takes it out must unlock it.
   */
  private findLockedHolders(r: Routine): void {
    const locked = new Map<string, Call>();
    forEachStatement(r.body, (st) => {
      switch (st.type) {
        case 'callStatement': {
          const c = st.call;
          const a = c.args[0];
          if (c.callee.name === 'MmProbeAndLockPages' && a?.type === 'identifier' && !locked.has(a.name)) locked.set(a.name, c);
          if (c.callee.name === 'MmUnlockPages' && a?.type === 'identifier') locked.delete(a.name);
          break;
        }
        case 'push': {
          const c = locked.get(st.value.name);
          if (c && !this.lockedHolders.has(`list:${st.list.name}`)) this.lockedHolders.set(`list:${st.list.name}`, c);
          break;
        }
        case 'assign': {
          const c = st.value.type === 'identifier' ? locked.get(st.value.name) : undefined;
          if (c && this.globals.has(st.target.name) && !this.lockedHolders.has(`global:${st.target.name}`)) this.lockedHolders.set(`global:${st.target.name}`, c);
          if (!c) locked.delete(st.target.name);
          break;
        }
        default:
          break;
      }
    });
    for (const c of this.lockedHolders.values()) this.rememberCall(c);
  }

  danglingIn(target: string, free: Call): void {
    if (!this.danglingHolders.has(target)) this.danglingHolders.set(target, free);
  }

  lockedIn(target: string): Call | undefined {
    return this.lockedHolders.get(target);
  }

  // ------------------------------------------------------------------ ProgramView

  summaryOf(routine: Routine): RoutineSummary | undefined {
    const done = this.summaries.get(routine);
    if (done) return done;
    if (this.inProgress.has(routine)) return undefined;
    this.inProgress.add(routine);
    const summary = new RoutineWalk(routine, this).run();
    this.inProgress.delete(routine);
    this.summaries.set(routine, summary);
    return summary;
  }

  storeEdge(target: string, source: Origin): void {
    this.edges.push({ target, source });
  }

  rememberCall(call: Call): void {
    this.calls.set(call.range.start.offset, call);
  }

  callAt(offset: number): Call | undefined {
    return this.calls.get(offset);
  }

  report(f: FlowFinding): void {
    switch (f.kind) {
      case 'leak': {
        const list = this.leaks.get(f.site) ?? [];
        if (!list.some((l) => l.exit.range.start.offset === f.exit.range.start.offset)) list.push(f);
        this.leaks.set(f.site, list);
        break;
      }
      case 'lockedPages':
        this.add(`locked:${f.lockCall.range.start.offset}`, {
          rule: 'locked-pages-leak',
          severity: 'warning',
          range: f.lockCall.range,
          message:
            `The pages locked here${f.variable && !f.from ? ` through '${f.variable}'` : ''} are still locked when ` +
            (f.from ? `${f.routine.name.name} takes the MDL out of ${f.from} and ` : 'the path ') +
            `${f.exit.kind === 'overwrite' ? `loses the MDL at line ${f.exit.line}` : `leaves ${f.routine.name.name} at line ${f.exit.line}`}, and the MDL is not kept for later: ` +
            `call MmUnlockPages first (IoFreeMdl does not unlock). At unload Driver Verifier bug checks 0xCB (DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS).`,
          related: [related(f.exit.range, f.from ? `${f.routine.name.name} drops the MDL here without MmUnlockPages` : 'the path with the pages still locked leaves here')],
        });
        break;
      case 'doubleFree': {
        const via = f.via ? ` (${f.via.callee} frees it${f.via.free ? ` at line ${f.via.free.range.start.line}` : ''})` : '';
        const rel: RelatedInformation[] = [];
        if (f.first) rel.push(related(f.first.range, `'${f.variable}' was first freed here`));
        if (f.via?.free) rel.push(related(f.via.free.range, `${f.via.callee} frees it here`));
        this.add(`double:${f.call.range.start.offset}`, {
          rule: 'double-free',
          severity: 'error',
          range: f.call.range,
          message:
            `'${f.variable}' is freed a second time here${via}${f.first ? `; it was already freed at line ${f.first.range.start.line}` : ''}: ` +
            `Driver Verifier bug checks 0xC2 / 0x07 (BAD_POOL_CALLER, block already freed).`,
          related: rel,
        });
        break;
      }
      case 'release':
        this.checkRelease(f.event, this.holderView([f.site]), undefined);
        break;
    }
  }

  // ------------------------------------------------------------------ the run

  run(): OwnershipModel {
    for (const r of this.script.routines) this.summaryOf(r);
    this.reportLeaks();
    const contents = this.computeContents();
    const views = new Map<string, HolderView>();
    for (const s of this.summaries.values()) {
      for (const sf of s.storedFrees) {
        const key = `${sf.origin}:${sf.name}`;
        const freedBefore = sf.origin === 'list' ? this.danglingHolders.get(key) : undefined;
        if (freedBefore) {
          this.add(`double:${sf.event.call.range.start.offset}`, {
            rule: 'double-free',
            severity: 'error',
            range: sf.event.call.range,
            message:
              `${sf.event.api.name} frees a block taken out of list '${sf.name}', which can hold a block pushed after it was freed ` +
              `at line ${freedBefore.range.start.line}: freeing it again is bug check 0xC2 / 0x07 (BAD_POOL_CALLER, block already freed).`,
            related: [related(freedBefore.range, 'freed here, then pushed into the list')],
          });
        }
        const sites = contents.get(key);
        if (!sites || sites.size === 0) continue;
        let view = views.get(key);
        if (!view) views.set(key, (view = this.holderView(sites)));
        this.checkRelease(sf.event, view, `${sf.origin === 'global' ? 'global' : 'list'} '${sf.name}'`);
      }
    }
    this.leakAtUnload(contents);
    this.crossRoutineDoubleFree();
    this.diagnostics.sort((a, b) => a.range.start.offset - b.range.start.offset);
    return { summaries: this.summaries, contents, diagnostics: this.diagnostics };
  }

  private add(key: string, d: Diagnostic): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.diagnostics.push(d);
  }

  private reportLeaks(): void {
    for (const [site, list] of this.leaks) {
      list.sort((a, b) => a.exit.range.start.offset - b.exit.range.start.offset);
      const first = list[0];
      const variable = first.variable ?? site.variable;
      const routine = site.routine.name.name;
      const what = `${blockNoun(site)}`;
      let message: string;
      if (first.discarded) {
        message = `The ${what} allocated here is not assigned to anything, so nothing can free it: it leaks every time ${routine} runs, and Driver Verifier bug checks 0xC4 / 0x62 at unload.`;
      } else {
        const where =
          first.exit.kind === 'overwrite'
            ? `is overwritten at line ${first.exit.line} while it still holds the block`
            : first.exit.kind === 'call'
              ? `is lost by the call at line ${first.exit.line}`
              : `is neither freed, stored in a global or list, nor handed off on the path that leaves ${routine} at line ${first.exit.line}`;
        message =
          `'${variable ?? '?'}' (${what}) ${where}: the block leaks` +
          (list.length > 1 ? ` (and on ${list.length - 1} more path${list.length > 2 ? 's' : ''})` : '') +
          `. Driver Verifier bug checks 0xC4 / 0x62 at unload, and !poolused shows ${tagText(site.tag)} growing.`;
      }
      const rel = list.map((l) =>
        related(l.exit.range, l.exit.kind === 'overwrite' ? `'${l.variable ?? variable}' is overwritten here` : l.exit.kind === 'call' ? 'the block is lost here' : `the leaking path leaves ${routine} here`),
      );
      const fix = first.discarded ? undefined : freeBeforeExitFix(this.text, this.lines, site, variable ?? site.variable, list);
      this.add(`leak:${site.call.range.start.offset}`, {
        rule: 'unbalanced-allocation',
        severity: 'warning',
        range: site.call.range,
        message,
        related: rel,
        fixes: fix ? [fix] : undefined,
      });
    }
  }

  /**
   * What a global or list can hold, grouped once per holder so that checking every release of
   * a popped value stays linear: the first site of each block kind, the sites of each pool tag.
   */
  private holderView(sites: Iterable<AllocationSite>): HolderView {
    const kinds = new Map<string, AllocationSite>();
    const poolTags = new Map<string, AllocationSite[]>();
    for (const site of sites) {
      if (!kinds.has(site.block)) kinds.set(site.block, site);
      if (site.block === 'pool' && site.tag !== undefined) {
        const list = poolTags.get(site.tag);
        if (list) list.push(site);
        else poolTags.set(site.tag, [site]);
      }
    }
    return { kinds, poolTags };
  }

  /** `ExFreePool` on an MDL, `IoFreeMdl` on a pool block, a tag that is not the allocation's, … */
  private checkRelease(event: FreeEvent, view: HolderView, holder: string | undefined): void {
    const api = event.api;
    const blocks: readonly string[] = api.releases?.blocks ?? [];
    const chainNote = event.chain.length > 0 ? ` (reached through ${event.chain.map((c) => `${c.callee.name} at line ${c.range.start.line}`).join(' → ')})` : '';
    const wrongKind = [...view.kinds.values()].filter((s) => !blocks.includes(s.block));
    if (wrongKind.length > 0) {
      const s = wrongKind[0];
      const irp = s.block === 'irp' && blocks.includes('pool');
      const right = releaseCallText(s, 'p').split('(')[0];
      this.add(`mismatch:${event.call.range.start.offset}`, {
        rule: 'mismatched-free',
        severity: 'error',
        range: event.call.range,
        message:
          `${api.name} releases ${holder ? `a value of ${holder}, which can hold ` : ''}the ${blockNoun(s)} allocated by ${s.api.name} at line ${s.call.range.start.line}${chainNote}; ` +
          `it must be released with ${right}. Driver Verifier bug checks ${irp ? '0xC4 / 0x105 (ExFreePool on an IRP)' : '0xC2 / 0x99 (BAD_POOL_CALLER, invalid address)'}.`,
        related: wrongKind.slice(0, MAX_RELATED).map((w) => related(w.call.range, `${blockNoun(w)} allocated here`)),
      });
    }
    // A holder with blocks of several kinds can also hand this free a pool block of another tag.
    if (api.releases?.tagArg === undefined || event.tag === undefined) return;
    const wrongTags = [...view.poolTags.keys()].filter((t) => t !== event.tag);
    if (wrongTags.length === 0) return;
    const s = view.poolTags.get(wrongTags[0])![0];
    const shown = wrongTags.slice(0, 3).map((t) => tagText(t)).join(', ') + (wrongTags.length > 3 ? ` and ${wrongTags.length - 3} more tags` : '');
    this.add(`tag:${event.call.range.start.offset}`, {
      rule: 'free-tag-mismatch',
      severity: 'error',
      range: event.call.range,
      message:
        `${api.name} frees ${holder ? `a block of ${holder}` : 'a block'} with tag '${event.tag}', but it can be a block allocated with ${shown} ` +
        `(${s.api.name} at line ${s.call.range.start.line})${chainNote}: Driver Verifier bug checks 0xC2 / 0x0A (tag mismatch).`,
      related: wrongTags.slice(0, MAX_RELATED).map((t) => {
        const w = view.poolTags.get(t)![0];
        return related(w.call.range, `allocated with ${tagText(w.tag)} here`);
      }),
    });
  }

  private computeContents(): Map<string, Set<AllocationSite>> {
    const contents = new Map<string, Set<AllocationSite>>();
    const get = (k: string): Set<AllocationSite> => {
      let s = contents.get(k);
      if (!s) contents.set(k, (s = new Set()));
      return s;
    };
    const flows: { target: string; from: string }[] = [];
    for (const e of this.edges) {
      if (e.source.kind === 'alloc') get(e.target).add(e.source.site);
      else if (e.source.kind === 'global') flows.push({ target: e.target, from: `global:${e.source.name}` });
      else if (e.source.kind === 'listItem') flows.push({ target: e.target, from: `list:${e.source.list}` });
    }
    // Stores of whole-routine summaries are surviving stores; add them too (they come through helpers).
    for (const s of this.summaries.values()) for (const st of s.stores) get(st.target).add(st.site);
    for (let changed = true; changed; ) {
      changed = false;
      for (const f of flows) {
        const from = contents.get(f.from);
        if (!from) continue;
        const to = get(f.target);
        for (const site of from)
          if (!to.has(site)) {
            to.add(site);
            changed = true;
          }
      }
    }
    return contents;
  }

  /** The routines that empty globals and lists before unload: the unload routine, IRP_MJ_CLEANUP, IRP_MJ_CLOSE. */
  private emptiers(): { unload: Routine | undefined; all: Routine[] } {
    const unload = this.script.routines.find((r) => r.kind === 'unload');
    const all: Routine[] = [];
    if (unload) all.push(unload);
    for (const r of this.script.routines) {
      if (r.kind === 'dispatch' && (r.major?.name === 'IRP_MJ_CLEANUP' || r.major?.name === 'IRP_MJ_CLOSE')) all.push(r);
    }
    return { unload, all };
  }

  private empties(r: Routine, target: string): boolean {
    const s = this.summaries.get(r);
    if (!s) return false;
    if (target.startsWith('list:')) return s.drains.has(target.slice(5));
    const fates = s.globals.get(target.slice(7));
    if (!fates) return false;
    const nonNull = [...fates].filter((f) => f !== 'null');
    return (
      nonNull.length > 0 &&
      nonNull.every(
        (f) => f.startsWith('freed') || f.startsWith('stored:handoff') || f === 'stored:lower' || (f.startsWith('stored:list:') && s.drains.has(f.slice(12))),
      )
    );
  }

  private leakAtUnload(contents: Map<string, Set<AllocationSite>>): void {
    const { unload, all } = this.emptiers();
    const seen = new Set<string>();
    const stores: { site: AllocationSite; target: string }[] = [];
    for (const s of this.summaries.values())
      for (const st of s.stores) {
        const k = `${st.site.call.range.start.offset}|${st.target}`;
        if (seen.has(k)) continue;
        seen.add(k);
        stores.push(st);
      }
    stores.sort((a, b) => a.site.call.range.start.offset - b.site.call.range.start.offset);
    // One fix per global / list: every finding on it offers the same repair.
    const fixes = new Map<string, QuickFix | null>();
    for (const st of stores) {
      if (all.some((r) => this.empties(r, st.target))) continue;
      const isList = st.target.startsWith('list:');
      const name = st.target.slice(isList ? 5 : 7);
      const held = isList ? `queued in list '${name}'` : `kept in global '${name}'`;
      const why = unload
        ? `${unload.name.name} does not ${isList ? `free the blocks left in '${name}' (foreach … free)` : `free '${name}'`}${all.length > 1 ? ', nor do the IRP_MJ_CLEANUP / IRP_MJ_CLOSE routines' : ''}`
        : 'the driver has no unload routine';
      let fix = fixes.get(st.target);
      if (fix === undefined) {
        fix = freeInUnloadFix(this.text, this.lines, this.script, unload, st.target, [...(contents.get(st.target) ?? [st.site])]) ?? null;
        fixes.set(st.target, fix);
      }
      this.add(`unload:${st.site.call.range.start.offset}`, {
        rule: 'leak-at-unload',
        severity: 'warning',
        range: st.site.call.range,
        message:
          `The ${blockNoun(st.site)} allocated here is ${held}, and ${why}: it is still allocated when the driver unloads, ` +
          `and Driver Verifier bug checks 0xC4 / 0x62 (outstanding allocations at unload).`,
        related: unload ? [related(unload.name.range, `${unload.name.name} runs last`)] : [],
        fixes: fix ? [fix] : undefined,
      });
    }
  }

  /** A global left pointing at a freed block by one routine, freed again by another that can run after it. */
  private crossRoutineDoubleFree(): void {
    const called = new Set<Routine>();
    for (const r of this.script.routines) {
      const visit = (call: Call): void => {
        const c = this.routines.get(call.callee.name);
        if (c && c.kind === 'routine') called.add(c);
      };
      forEachCall(r.body, visit);
    }
    const roots = this.script.routines.filter((r) => r.kind !== 'routine' || !called.has(r));
    // Per global, the first two routines that can leave it dangling (two, so that a routine is
    // never paired with itself). Unload runs last, so what it leaves dangling is never freed
    // again. A routine that frees a global and runs again (a second IRP_MJ_CLOSE) is left
    // alone: whether it can run twice depends on the workload, and the one-handle model is the
    // common one.
    const dangling = new Map<string, { routine: Routine; call: Call }[]>();
    for (const a of roots) {
      if (a.kind === 'unload') continue;
      for (const [g, call] of this.summaries.get(a)?.danglingGlobals ?? []) {
        const list = dangling.get(g) ?? [];
        if (list.length < 2) list.push({ routine: a, call });
        dangling.set(g, list);
      }
    }
    for (const b of roots) {
      if (b.kind === 'entry') continue;
      const sb = this.summaries.get(b);
      if (!sb) continue;
      for (const [g, second] of sb.entryGlobalFrees) {
        const first = dangling.get(g)?.find((d) => d.routine !== b);
        if (!first) continue;
        const a = first.routine;
        this.add(`double:${second.call.range.start.offset}`, {
          rule: 'double-free',
          severity: 'error',
          range: second.call.range,
          message:
            `'${g}' may already have been freed by ${a.name.name} at line ${first.call.range.start.line}, which leaves the global pointing at the freed block; ` +
            `freeing it again in ${b.name.name} is bug check 0xC2 / 0x07 (BAD_POOL_CALLER, block already freed). Set '${g}' to NULL after freeing it.`,
          related: [related(first.call.range, `${a.name.name} frees '${g}' here and does not set it to NULL`)],
        });
      }
    }
  }
}

export { allocationOf };
