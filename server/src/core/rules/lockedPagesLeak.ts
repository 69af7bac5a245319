/**
 * `locked-pages-leak`: pages locked by MmProbeAndLockPages that are not unlocked (MmUnlockPages) before the routine returns, while the MDL is not kept for later; IoFreeMdl does not unlock.
 *
 * The finding comes from the ownership model (core/analysis/program.ts), which follows every
 * block through each routine path by path and across routines through helper summaries,
 * hand-offs, globals and lists.
 * Consequence: bug check 0xCB at unload: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xcb--driver-left-locked-pages-in-process
 */
import { ownershipFindings } from '../analysis/program';
import type { Diagnostic } from '../diagnostics';
import type { RuleContext, RuleDefinition } from './rule';

export const lockedPagesLeak: RuleDefinition = {
  name: 'locked-pages-leak',
  defaultSeverity: 'warning',
  check(ctx: RuleContext): Diagnostic[] {
    return ownershipFindings(ctx.script, ctx.text, 'locked-pages-leak');
  },
};
