/**
 * `leak-at-unload`: a block stored in a global or list that neither the unload routine nor the IRP_MJ_CLEANUP / IRP_MJ_CLOSE routines free.
 *
 * The finding comes from the ownership model (core/analysis/program.ts), which follows every
 * block through each routine path by path and across routines through helper summaries,
 * hand-offs, globals and lists.
 * Consequence: bug check 0xC4 / 0x62 at unload: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation
 */
import { ownershipFindings } from '../analysis/program';
import type { Diagnostic } from '../diagnostics';
import type { RuleContext, RuleDefinition } from './rule';

export const leakAtUnload: RuleDefinition = {
  name: 'leak-at-unload',
  defaultSeverity: 'warning',
  check(ctx: RuleContext): Diagnostic[] {
    return ownershipFindings(ctx.script, ctx.text, 'leak-at-unload');
  },
};
