/**
 * Every lint rule that runs on a script, in rules.md's order. The structural rules
 * (`syntax-error`, `unknown-name`, `duplicate-name`, `wrong-kind`, `invalid-tag`, `short-tag`,
 * `bad-argument`) come from the parser and checker, `unknown-rule` from the linter front; the
 * rest are one file each in this folder.
 */
import type { RuleDefinition } from './rule';
import { unbalancedAllocation } from './unbalancedAllocation';
import { leakAtUnload } from './leakAtUnload';
import { doubleFree } from './doubleFree';
import { freeTagMismatch } from './freeTagMismatch';
import { mismatchedFree } from './mismatchedFree';
import { quotaInDpc } from './quotaInDpc';
import { pagedFreeAtDispatch } from './pagedFreeAtDispatch';
import { pagedAtDispatch } from './pagedAtDispatch';
import { sharedTag } from './sharedTag';
import { untaggedAllocation } from './untaggedAllocation';
import { lockedPagesLeak } from './lockedPagesLeak';
import { deprecatedAllocator } from './deprecatedAllocator';

export const RULES: readonly RuleDefinition[] = [
  unbalancedAllocation,
  leakAtUnload,
  doubleFree,
  freeTagMismatch,
  mismatchedFree,
  quotaInDpc,
  pagedFreeAtDispatch,
  pagedAtDispatch,
  sharedTag,
  untaggedAllocation,
  lockedPagesLeak,
  deprecatedAllocator,
];
