/**
 * `free-tag-mismatch`: ExFreePoolWithTag / ExFreePool2 with a tag other than the block's allocation tag on some path (also for blocks taken out of globals and lists).
 *
 * The finding comes from the ownership model (core/analysis/program.ts), which follows every
 * block through each routine path by path and across routines through helper summaries,
 * hand-offs, globals and lists.
 * Consequence: bug check 0xC2 / 0x0A: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exfreepoolwithtag
 */
import { ownershipFindings } from '../analysis/program';
import type { Diagnostic } from '../diagnostics';
import type { RuleContext, RuleDefinition } from './rule';

export const freeTagMismatch: RuleDefinition = {
  name: 'free-tag-mismatch',
  defaultSeverity: 'error',
  check(ctx: RuleContext): Diagnostic[] {
    return ownershipFindings(ctx.script, ctx.text, 'free-tag-mismatch');
  },
};
