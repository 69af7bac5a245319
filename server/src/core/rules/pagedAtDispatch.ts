/**
 * `paged-at-dispatch`: a paged-pool allocation (PagedPool, POOL_FLAG_PAGED,
 * RtlAnsiStringToUnicodeString) that can run at DISPATCH_LEVEL — in a DPC or completion routine,
 * under a spin lock, after KeRaiseIrql, or in a helper reached from any of those.
 *
 * Paged pool can only be touched at IRQL <= APC_LEVEL: at DISPATCH_LEVEL a page fault cannot be
 * serviced. Driver Verifier catches the allocation itself: bug check 0xC4, parameter 1 = 0x01
 * ("attempted to allocate paged memory with IRQL > APC_LEVEL"); without Verifier the machine
 * eventually stops with IRQL_NOT_LESS_OR_EQUAL (0xA) when the page is out.
 * - https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 * - https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/ne-wdm-_pool_type
 */
import type { ApiInfo } from '../apis';
import type { Diagnostic, QuickFix } from '../diagnostics';
import { analyzeProgram, describeDispatch, dispatchNotes, findingsPerCall, poolKindOf, type CallInContext } from '../analysis/irql';
import type { RuleContext, RuleDefinition } from './rule';

export const pagedAtDispatch: RuleDefinition = {
  name: 'paged-at-dispatch',
  defaultSeverity: 'error',
  check(ctx: RuleContext): Diagnostic[] {
    const model = analyzeProgram(ctx.script, ctx.symbols);
    const hits = findingsPerCall(
      model,
      (c) => !!c.dispatch && c.resolved.kind === 'api' && !!c.resolved.api.allocates && poolKindOf(c.resolved.api, c.call) === 'paged',
    );
    return hits.map((at) => {
      const api = (at.resolved as { api: ApiInfo }).api;
      const what = api.allocates!.block === 'string' ? 'allocates its string buffer from paged pool' : 'allocates from paged pool';
      const message =
        `${api.name} ${what} ${describeDispatch(at)}, where IRQL can be DISPATCH_LEVEL: paged memory may only be used at ` +
        `IRQL <= APC_LEVEL, and Driver Verifier bug-checks 0xC4 / 0x01 (paged allocation at IRQL > APC_LEVEL). ` +
        `Allocate from non-paged pool, or move the allocation to PASSIVE_LEVEL code.`;
      const d: Diagnostic = { rule: 'paged-at-dispatch', severity: 'error', range: at.call.range, message };
      const related = dispatchNotes(model, at).map((n) => ({ range: n.node.range, message: n.message }));
      if (related.length) d.related = related;
      const fix = nonPagedFix(at);
      if (fix) d.fixes = [fix];
      return d;
    });
  },
};

/** "Allocate from non-paged pool": PagedPool → NonPagedPoolNx, POOL_FLAG_PAGED → POOL_FLAG_NON_PAGED. */
function nonPagedFix(at: CallInContext): QuickFix | undefined {
  const api = (at.resolved as { api: ApiInfo }).api;
  const pool = api.allocates?.pool;
  if (!pool || pool.from === 'fixed') return undefined;
  const arg = at.call.args[pool.arg];
  const names = arg?.type === 'identifier' ? [arg] : arg?.type === 'flags' ? arg.names : [];
  const target = names.find((n) => n.name === 'PagedPool' || n.name === 'POOL_FLAG_PAGED');
  if (!target) return undefined;
  // NonPagedPoolNx / POOL_FLAG_NON_PAGED: no-execute, what Microsoft recommends for data.
  const newText = target.name === 'PagedPool' ? 'NonPagedPoolNx' : 'POOL_FLAG_NON_PAGED';
  return { title: 'Allocate from non-paged pool', kind: 'quickfix', isPreferred: true, edits: [{ range: target.range, newText }] };
}
