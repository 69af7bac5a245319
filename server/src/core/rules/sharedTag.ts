/**
 * `shared-tag`: the same pool tag at more than one allocation call site.
 *
 * Pool tags are how `!poolused`, PoolMon, `!poolfind` and PoolHitTag attribute memory: when two
 * call sites share a tag, a growing tag in `!poolused` points at neither. Microsoft's advice is a
 * distinct tag per allocation site (or at least per purpose). System-tagged blocks (MDL, IRP, …)
 * and untagged 'None' allocations are not the driver's choice and are left out.
 * - https://learn.microsoft.com/windows-hardware/drivers/debugger/using-the-poolhittag
 * - https://learn.microsoft.com/windows-hardware/drivers/debugger/-poolused
 *
 * Quick fix "Give each call site its own tag": every sharing site gets a distinct tag derived
 * from the original ('Abc ' → 'Abc1', 'Abc2', …) that no tag literal of the document (nor
 * `RuleContext.usedTags`) uses, and the frees known to release each site's block (whose pointer
 * can only hold that site's block of the group) are rewritten with it, so the fix creates no
 * `free-tag-mismatch`. Also offered as a `source` action for the whole file.
 */
import { padTag } from '../poolTag';
import type { Call, ScenarioStep, Script, Statement, TagLiteral } from '../ast';
import type { Diagnostic, QuickFix, TextEdit } from '../diagnostics';
import { analyzeProgram, type AllocationSite, type ProgramModel } from '../analysis/irql';
import type { RuleContext, RuleDefinition } from './rule';

export const GIVE_EACH_SITE_ITS_OWN_TAG = 'Give each call site its own tag';

// ---------------------------------------------------------------- tag helpers (also used by other fixes)

/** Every tag literal of the script: allocation and free arguments and scenario `hittag` steps. */
export function tagLiterals(script: Script): TagLiteral[] {
  const out: TagLiteral[] = [];
  const fromCall = (c: Call) => {
    for (const a of c.args) if (a.type === 'tag') out.push(a);
  };
  const walk = (s: Statement): void => {
    switch (s.type) {
      case 'block':
        s.statements.forEach(walk);
        return;
      case 'assign':
        if (s.value.type === 'call') fromCall(s.value);
        return;
      case 'callStatement':
        fromCall(s.call);
        return;
      case 'foreach':
      case 'repeat':
        walk(s.body);
        return;
      case 'if':
        walk(s.then);
        if (s.else) walk(s.else);
        return;
      default:
        return;
    }
  };
  const steps = (list: ScenarioStep[]): void => {
    for (const st of list) {
      if (st.type === 'hittag' && st.tag) out.push(st.tag);
      else if (st.type === 'repeat' || st.type === 'process') steps(st.steps);
    }
  };
  for (const r of script.routines) walk(r.body);
  for (const sc of script.scenarios) steps(sc.steps);
  return out;
}

/** The display forms of every valid tag the script writes. */
export function usedTags(script: Script): Set<string> {
  const used = new Set<string>();
  for (const t of tagLiterals(script)) if (t.value !== undefined) used.add(t.value);
  return used;
}

/**
 * Where the previous searches stopped, per `used` set: `used` only grows, so every number below
 * a stored one is still taken. Keyed by what the candidate is made of — the kept stem of the
 * original and the number of digits — because 'TAAA' and 'TAAB' both try 'TAA1', 'TAA2', …: a
 * counter per original tag made a thousand tags of one stem rescan each other's numbers.
 */
const searchFrom = new WeakMap<Set<string>, Map<string, number>>();

/**
 * A tag derived from `original` that is not in `used` ('Abc ' → 'Abc1', then 'Abc2', …; a full
 * 4-character tag gives up its last characters to the number: 'Tron' → 'Tro1'). The result is
 * added to `used`, so successive calls give distinct tags. Always 4 characters, so the fix never
 * introduces a `short-tag` finding.
 */
export function freshTag(original: string, used: Set<string>): string {
  const base = original.replace(/ +$/, '');
  let counters = searchFrom.get(used);
  if (!counters) searchFrom.set(used, (counters = new Map()));
  for (let digits = 1, low = 1; digits <= 4; digits++, low *= 10) {
    const stem = base.slice(0, 4 - digits);
    const key = `${digits}:${stem}`;
    for (let n = Math.max(low, counters.get(key) ?? low); n < low * 10; n++) {
      const candidate = padTag(stem + String(n));
      if (!used.has(candidate)) {
        used.add(candidate);
        counters.set(key, n + 1);
        return candidate;
      }
    }
    counters.set(key, low * 10);
  }
  // 9999 variants taken: any free letter + 3 digits.
  for (let i = counters.get('letter') ?? 0; i < 26 * 1000; i++) {
    const candidate = String.fromCharCode(0x41 + Math.floor(i / 1000)) + String(i % 1000).padStart(3, '0');
    if (!used.has(candidate)) {
      used.add(candidate);
      counters.set('letter', i + 1);
      return candidate;
    }
  }
  return padTag(base);
}

/** A tag literal as source text. */
export function tagText(display: string): string {
  return `'${display}'`;
}

// ---------------------------------------------------------------- the rule

interface TagGroup {
  tag: string;
  sites: AllocationSite[];
}

/** Allocation sites that choose their own tag, grouped by tag, in source order; only groups of 2+. */
export function sharedTagGroups(model: ProgramModel): TagGroup[] {
  const byTag = new Map<string, AllocationSite[]>();
  for (const s of model.sites) {
    if (s.api.allocates?.tag.from !== 'arg' || !s.tagLiteral || s.tag === undefined || s.tag === 'None') continue;
    const list = byTag.get(s.tag) ?? [];
    list.push(s);
    byTag.set(s.tag, list);
  }
  return [...byTag.entries()].filter(([, sites]) => sites.length > 1).map(([tag, sites]) => ({ tag, sites }));
}

/**
 * The edits that give every site of each group its own tag, plus the frees of each site's block.
 * Tags are assigned group by group in source order with one `used` set, so a group's edits are
 * the same whether the fix is applied for that group or for the whole file.
 */
export function retagEdits(model: ProgramModel, groups: TagGroup[], extraUsed?: ReadonlySet<string>): Map<TagGroup, TextEdit[]> {
  const used = usedTags(model.script);
  for (const t of extraUsed ?? []) used.add(padTag(t));
  // What each free's pointer may hold, across every context it runs in, indexed by the tag it passes.
  const freesByTag = new Map<string, Map<Call, { tag: TagLiteral; sites: Set<AllocationSite> }>>();
  for (const c of model.calls) {
    if (c.resolved.kind !== 'api' || !c.resolved.api.releases || c.resolved.api.releases.tagArg === undefined) continue;
    const tagArg = c.call.args[c.resolved.api.releases.tagArg];
    if (tagArg?.type !== 'tag' || tagArg.value === undefined) continue;
    const byCall = freesByTag.get(tagArg.value) ?? new Map<Call, { tag: TagLiteral; sites: Set<AllocationSite> }>();
    freesByTag.set(tagArg.value, byCall);
    const entry = byCall.get(c.call) ?? { tag: tagArg, sites: new Set<AllocationSite>() };
    byCall.set(c.call, entry);
    for (const s of c.argSites[c.resolved.api.releases.pointerArg] ?? []) entry.sites.add(s);
  }
  const out = new Map<TagGroup, TextEdit[]>();
  for (const g of groups) {
    const edits: TextEdit[] = [];
    const members = new Set(g.sites);
    const newTag = new Map<AllocationSite, string>();
    for (const s of g.sites) {
      const tag = freshTag(g.tag, used);
      newTag.set(s, tag);
      edits.push({ range: s.tagLiteral!.range, newText: tagText(tag) });
    }
    for (const { tag, sites } of freesByTag.get(g.tag)?.values() ?? []) {
      const ofGroup = [...sites].filter((s) => members.has(s));
      // Only when the free can release exactly one site's block of this group is its new tag known.
      if (ofGroup.length !== 1) continue;
      edits.push({ range: tag.range, newText: tagText(newTag.get(ofGroup[0])!) });
    }
    edits.sort((a, b) => a.range.start.offset - b.range.start.offset);
    out.set(g, edits);
  }
  return out;
}

/** The whole-file source action, for callers (the LSP layer) that want it without a diagnostic. */
export function sharedTagSourceFix(model: ProgramModel, extraUsed?: ReadonlySet<string>): QuickFix | undefined {
  const groups = sharedTagGroups(model);
  if (groups.length === 0) return undefined;
  const edits = [...retagEdits(model, groups, extraUsed).values()].flat();
  return { title: GIVE_EACH_SITE_ITS_OWN_TAG, kind: 'source', edits };
}

/** Other sites named in a message; the related information lists more. */
const MAX_NAMED_IN_MESSAGE = 3;
/**
 * Related locations per finding: every other site for any realistic group, bounded so that a
 * tag shared by thousands of sites does not make the diagnostics quadratic in size.
 */
const MAX_RELATED = 100;

function where(s: AllocationSite): string {
  return `${s.routine.name.name}, line ${s.call.range.start.line}`;
}

export const sharedTag: RuleDefinition = {
  name: 'shared-tag',
  defaultSeverity: 'warning',
  check(ctx: RuleContext): Diagnostic[] {
    const model = analyzeProgram(ctx.script, ctx.symbols);
    const groups = sharedTagGroups(model);
    if (groups.length === 0) return [];
    const editsByGroup = retagEdits(model, groups, ctx.usedTags);
    const wholeFile: QuickFix = { title: GIVE_EACH_SITE_ITS_OWN_TAG, kind: 'source', edits: [...editsByGroup.values()].flat() };
    const out: Diagnostic[] = [];
    for (const g of groups) {
      const fix: QuickFix = { title: GIVE_EACH_SITE_ITS_OWN_TAG, kind: 'quickfix', isPreferred: true, edits: editsByGroup.get(g)! };
      for (const s of g.sites) {
        // The first sites other than this one (without copying the whole group for each site).
        const others = g.sites.slice(0, MAX_RELATED + 1).filter((o) => o !== s).slice(0, MAX_RELATED);
        const otherCount = g.sites.length - 1;
        const named = others.slice(0, MAX_NAMED_IN_MESSAGE).map(where).join('; ');
        const more = otherCount > MAX_NAMED_IN_MESSAGE ? `; and ${otherCount - MAX_NAMED_IN_MESSAGE} more` : '';
        out.push({
          rule: 'shared-tag',
          severity: 'warning',
          range: s.tagLiteral!.range,
          message:
            `Pool tag '${g.tag}' is shared by ${g.sites.length} allocation call sites (also ${named}${more}): ` +
            `!poolused, PoolMon and PoolHitTag cannot tell their blocks apart, so a leak of '${g.tag}' cannot be traced ` +
            `to one call site. Give each call site its own tag.`,
          related: others.map((o) => ({ range: o.tagLiteral!.range, message: `'${g.tag}' is also allocated here (${where(o)})` })),
          fixes: [fix, wholeFile],
        });
      }
    }
    return out;
  },
};
