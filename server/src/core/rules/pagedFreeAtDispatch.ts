/**
 * `paged-free-at-dispatch`: a paged block (or a paged string via RtlFreeUnicodeString) released
 * where IRQL can be DISPATCH_LEVEL, by the same reasoning as `paged-at-dispatch`.
 *
 * Which blocks a freed pointer may hold comes from the program model: allocations in the same
 * routine, whatever any routine stores in a global or pushes into a list, and what callers pass
 * to a helper's parameters. Freeing paged pool touches its pool header, which may be paged out:
 * Driver Verifier raises bug check 0xC4, parameter 1 = 0x11 ("attempted to free paged pool with
 * IRQL > APC_LEVEL").
 * - https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 * - https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exfreepoolwithtag
 * - https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-rtlfreeunicodestring (PASSIVE_LEVEL only)
 */
import type { ApiInfo } from '../apis';
import type { Diagnostic } from '../diagnostics';
import { analyzeProgram, describeDispatch, dispatchNotes, findingsPerCall, type AllocationSite, type CallInContext } from '../analysis/irql';
import type { RuleContext, RuleDefinition } from './rule';

/** The paged allocation sites whose block the released pointer may hold. */
function pagedBlocksFreed(at: CallInContext): AllocationSite[] {
  if (at.resolved.kind !== 'api' || !at.resolved.api.releases) return [];
  const sites = at.argSites[at.resolved.api.releases.pointerArg];
  return sites ? [...sites].filter((s) => s.pool === 'paged') : [];
}

function releasesPagedString(at: CallInContext): boolean {
  return at.resolved.kind === 'api' && !!at.resolved.api.releases?.blocks.includes('string');
}

export const pagedFreeAtDispatch: RuleDefinition = {
  name: 'paged-free-at-dispatch',
  defaultSeverity: 'error',
  check(ctx: RuleContext): Diagnostic[] {
    const model = analyzeProgram(ctx.script, ctx.symbols);
    const hits = findingsPerCall(model, (c) => !!c.dispatch && (releasesPagedString(c) || pagedBlocksFreed(c).length > 0));
    return hits.map((at) => {
      const api = (at.resolved as { api: ApiInfo }).api;
      const pointer = at.call.args[api.releases!.pointerArg];
      const name = pointer?.type === 'identifier' ? `'${pointer.name}'` : 'a block';
      const sites = pagedBlocksFreed(at);
      let what: string;
      if (sites.length > 0) {
        const s = sites[0];
        const tag = s.tag !== undefined ? ` '${s.tag}'` : '';
        const more = sites.length > 1 ? ` and ${sites.length - 1} more paged allocation${sites.length > 2 ? 's' : ''}` : '';
        what = `${name}, which can hold a paged-pool block (${s.api.name}${tag} at line ${s.call.range.start.line}${more})`;
      } else {
        what = `${name}, a string buffer that Rtl…ToUnicodeString allocated from paged pool`;
      }
      const message =
        `${api.name} frees ${what} ${describeDispatch(at)}, where IRQL can be DISPATCH_LEVEL: paged memory may only be ` +
        `freed at IRQL <= APC_LEVEL, and Driver Verifier bug-checks 0xC4 / 0x11 (paged pool freed at IRQL > APC_LEVEL). ` +
        `Free it at PASSIVE_LEVEL (e.g. from a work item), or allocate it from non-paged pool.`;
      const related = [
        ...sites.map((s) => ({ range: s.call.range, message: `paged block allocated here (${s.routine.name.name})` })),
        ...dispatchNotes(model, at).map((n) => ({ range: n.node.range, message: n.message })),
      ];
      const d: Diagnostic = { rule: 'paged-free-at-dispatch', severity: 'error', range: at.call.range, message };
      if (related.length) d.related = related;
      return d;
    });
  },
};
