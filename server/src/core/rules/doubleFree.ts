/**
 * `double-free`: the same block freed twice on some path, in one routine or through a global left pointing at a freed block.
 *
 * The finding comes from the ownership model (core/analysis/program.ts), which follows every
 * block through each routine path by path and across routines through helper summaries,
 * hand-offs, globals and lists.
 * Consequence: bug check 0xC2 / 0x07: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller
 */
import { ownershipFindings } from '../analysis/program';
import type { Diagnostic } from '../diagnostics';
import type { RuleContext, RuleDefinition } from './rule';

export const doubleFree: RuleDefinition = {
  name: 'double-free',
  defaultSeverity: 'error',
  check(ctx: RuleContext): Diagnostic[] {
    return ownershipFindings(ctx.script, ctx.text, 'double-free');
  },
};
