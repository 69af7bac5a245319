/**
 * `quota-in-dpc`: a quota-charging allocation that can run in a DPC or completion routine,
 * directly or through helpers.
 *
 * Quota is charged to the current thread's process. A DPC (and a completion routine, which may
 * run inside one) executes in an arbitrary thread context, so the charge lands on whichever
 * process was interrupted — often Idle. Driver Verifier stops this with bug check 0xC4,
 * parameter 1 = 0x10B ("quota charge from a DPC routine"; 0x10A when charged to Idle elsewhere).
 * - https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepoolwithquotatag
 * - https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 */
import type { ApiInfo } from '../apis';
import type { Call } from '../ast';
import type { Diagnostic, QuickFix, TextEdit } from '../diagnostics';
import { analyzeProgram, chainNotes, chainText, chargesQuota, findingsPerCall, starterNotes, type CallInContext } from '../analysis/irql';
import type { RuleContext, RuleDefinition } from './rule';

/** The non-quota form of each always-quota allocator. */
const WITHOUT_QUOTA: Readonly<Record<string, string>> = {
  ExAllocatePoolWithQuotaTag: 'ExAllocatePoolWithTag',
  ExAllocatePoolWithQuota: 'ExAllocatePool',
  ExAllocatePoolQuotaZero: 'ExAllocatePoolZero',
};

export const quotaInDpc: RuleDefinition = {
  name: 'quota-in-dpc',
  defaultSeverity: 'error',
  check(ctx: RuleContext): Diagnostic[] {
    const model = analyzeProgram(ctx.script, ctx.symbols);
    const hits = findingsPerCall(
      model,
      (c) => c.context.arbitraryProcess !== undefined && c.resolved.kind === 'api' && !!c.resolved.api.allocates && chargesQuota(c.resolved.api, c.call),
    );
    return hits.map((at) => {
      const api = (at.resolved as { api: ApiInfo }).api;
      const origin = at.context.arbitraryProcess!;
      const rootName = origin.root.name.name;
      const where =
        at.context.chain.length === 0
          ? `in ${origin.kind === 'dpc' ? 'DPC routine' : 'completion routine'} ${rootName}`
          : `in ${at.context.routine.name.name}, reached from ${origin.kind === 'dpc' ? 'DPC routine' : 'completion routine'} ${rootName} (${chainText(at.context)})`;
      const consequence =
        origin.kind === 'dpc'
          ? 'Driver Verifier bug-checks 0xC4 / 0x10B (quota charge from a DPC routine)'
          : 'when it runs inside a DPC Driver Verifier bug-checks 0xC4 / 0x10B (quota charge from a DPC routine), and when the current process is Idle 0xC4 / 0x10A';
      const message =
        `${api.name} charges pool quota to the current process ${where}, which runs in an arbitrary process context: ` +
        `the charge lands on whatever process was interrupted, and ${consequence}. Allocate without quota here.`;
      const related = [...chainNotes(at.context), ...starterNotes(model, origin.root)].map((n) => ({ range: n.node.range, message: n.message }));
      const fix = withoutQuotaFix(at);
      const d: Diagnostic = { rule: 'quota-in-dpc', severity: 'error', range: at.call.range, message };
      if (related.length) d.related = related;
      if (fix) d.fixes = [fix];
      return d;
    });
  },
};

/** "Allocate without quota": the non-quota API, or the flags without POOL_FLAG_USE_QUOTA. */
function withoutQuotaFix(at: CallInContext): QuickFix | undefined {
  const call: Call = at.call;
  const plain = WITHOUT_QUOTA[call.callee.name];
  let edits: TextEdit[] | undefined;
  if (plain) {
    edits = [{ range: call.callee.range, newText: plain }];
  } else {
    const flags = call.args[0];
    if (flags?.type === 'identifier' && flags.name === 'POOL_FLAG_USE_QUOTA') {
      // ExAllocatePool2(POOL_FLAG_USE_QUOTA, …) names no pool: keep the default the WDK would
      // want (non-paged, no-execute) rather than leave an empty flags argument.
      edits = [{ range: flags.range, newText: 'POOL_FLAG_NON_PAGED' }];
    } else if (flags?.type === 'flags') {
      const rest = flags.names.filter((n) => n.name !== 'POOL_FLAG_USE_QUOTA').map((n) => n.name);
      edits = [{ range: flags.range, newText: rest.join(' | ') }];
    }
  }
  return edits ? { title: 'Allocate without quota', kind: 'quickfix', isPreferred: true, edits } : undefined;
}
