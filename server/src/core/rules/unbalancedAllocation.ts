/**
 * `unbalanced-allocation`: on some path a block held in a local is neither freed, stored in a global or list, nor handed to a helper or hand-off that frees or stores it — or the local is overwritten while still holding it.
 *
 * The finding comes from the ownership model (core/analysis/program.ts), which follows every
 * block through each routine path by path and across routines through helper summaries,
 * hand-offs, globals and lists.
 * Consequence: the block is still allocated when the driver unloads (Driver Verifier bug check 0xC4 / 0x62): https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking
 */
import { ownershipFindings } from '../analysis/program';
import type { Diagnostic } from '../diagnostics';
import type { RuleContext, RuleDefinition } from './rule';

export const unbalancedAllocation: RuleDefinition = {
  name: 'unbalanced-allocation',
  defaultSeverity: 'warning',
  check(ctx: RuleContext): Diagnostic[] {
    return ownershipFindings(ctx.script, ctx.text, 'unbalanced-allocation');
  },
};
