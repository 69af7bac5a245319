/**
 * `mismatched-free`: a block released by the wrong API (ExFreePool on an MDL or IRP, IoFreeMdl on a pool block, RtlFreeUnicodeString on a pool block, …).
 *
 * The finding comes from the ownership model (core/analysis/program.ts), which follows every
 * block through each routine path by path and across routines through helper summaries,
 * hand-offs, globals and lists.
 * Consequence: bug check 0xC4 / 0x105 (ExFreePool on an IRP) or 0xC2 / 0x99: https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc2--bad-pool-caller
 */
import { ownershipFindings } from '../analysis/program';
import type { Diagnostic } from '../diagnostics';
import type { RuleContext, RuleDefinition } from './rule';

export const mismatchedFree: RuleDefinition = {
  name: 'mismatched-free',
  defaultSeverity: 'error',
  check(ctx: RuleContext): Diagnostic[] {
    return ownershipFindings(ctx.script, ctx.text, 'mismatched-free');
  },
};
