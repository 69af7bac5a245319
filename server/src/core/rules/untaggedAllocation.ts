/**
 * `untagged-allocation`: ExAllocatePool / ExAllocatePoolWithQuota. The block gets the default
 * tag 'None', shared with every other untagged allocation in the system, so `!poolused`,
 * PoolMon and PoolHitTag cannot trace it to this driver — a leak shows up as growth of 'None'.
 * - https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepool
 * - https://learn.microsoft.com/windows-hardware/drivers/debugger/-poolused
 *
 * The repair is the same as deprecated-allocator's: ExAllocatePool2 with a tag of its own.
 */
import { padTag } from '../poolTag';
import type { Diagnostic } from '../diagnostics';
import { forEachCall } from '../analysis/irql';
import { toExAllocatePool2 } from './deprecatedAllocator';
import { usedTags } from './sharedTag';
import type { RuleContext, RuleDefinition } from './rule';

export const untaggedAllocation: RuleDefinition = {
  name: 'untagged-allocation',
  defaultSeverity: 'warning',
  check(ctx: RuleContext): Diagnostic[] {
    const used = usedTags(ctx.script);
    for (const t of ctx.usedTags ?? []) used.add(padTag(t));
    const out: Diagnostic[] = [];
    for (const routine of ctx.script.routines) {
      forEachCall(routine.body, (call) => {
        const res = ctx.symbols.resolveCall(call);
        if (res.kind !== 'api' || res.api.allocates?.tag.from !== 'untagged') return;
        const d: Diagnostic = {
          rule: 'untagged-allocation',
          severity: 'warning',
          range: call.range,
          message:
            `${call.callee.name} allocates without a tag: the block shows as 'None' in !poolused and PoolMon, mixed with every ` +
            `other untagged allocation, and a leak cannot be traced to this driver. Use ExAllocatePool2 with a tag unique to this call site.`,
        };
        const edits = toExAllocatePool2(call, routine, used);
        if (edits) d.fixes = [{ title: 'Use ExAllocatePool2 with a tag of its own', kind: 'quickfix', isPreferred: true, edits }];
        out.push(d);
      });
    }
    return out;
  },
};
