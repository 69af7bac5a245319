/**
 * Every rule of rules.md: its name, default severity and one-line summary. The CLI (SARIF
 * `tool.driver.rules`), the server (`codeDescription`) and the docs index read this table.
 */
import type { RuleName, Severity } from '../diagnostics';

export interface RuleMeta {
  name: RuleName;
  defaultSeverity: Severity;
  summary: string;
}

export const RULE_META: readonly RuleMeta[] = [
  { name: 'syntax-error', defaultSeverity: 'error', summary: 'The grammar does not accept this text.' },
  { name: 'unknown-name', defaultSeverity: 'error', summary: 'A call, list, global, routine or IRP_MJ code that nothing declares.' },
  { name: 'duplicate-name', defaultSeverity: 'error', summary: 'A name, dispatch major code, entry or unload routine declared twice.' },
  { name: 'wrong-kind', defaultSeverity: 'error', summary: 'A routine of the wrong kind where a dpc, workitem, completion, entry or dispatch routine is required.' },
  { name: 'invalid-tag', defaultSeverity: 'error', summary: 'A pool tag that is empty, longer than 4 characters, or not printable ASCII.' },
  { name: 'short-tag', defaultSeverity: 'info', summary: 'A pool tag of 1–3 characters, padded with spaces.' },
  { name: 'unbalanced-allocation', defaultSeverity: 'warning', summary: 'A block held in a local is lost on some path through the routine.' },
  { name: 'leak-at-unload', defaultSeverity: 'warning', summary: 'A block stored in a global or list is not freed by unload (bug check 0xC4 / 0x62).' },
  { name: 'double-free', defaultSeverity: 'error', summary: 'The same block is freed twice (bug check 0xC2 / 0x07).' },
  { name: 'free-tag-mismatch', defaultSeverity: 'error', summary: 'A block is freed with a tag other than its allocation tag (bug check 0xC2 / 0x0A).' },
  { name: 'mismatched-free', defaultSeverity: 'error', summary: 'A block is released by the wrong API (bug check 0xC2 / 0x99 or 0xC4 / 0x105).' },
  { name: 'quota-in-dpc', defaultSeverity: 'error', summary: 'A quota-charging allocation can run in a DPC or completion routine (bug check 0xC4 / 0x10B).' },
  { name: 'paged-free-at-dispatch', defaultSeverity: 'error', summary: 'A paged block is freed where IRQL can be DISPATCH_LEVEL (bug check 0xC4 / 0x11).' },
  { name: 'paged-at-dispatch', defaultSeverity: 'error', summary: 'A paged-pool allocation can run at DISPATCH_LEVEL (bug check 0xC4 / 0x01).' },
  { name: 'shared-tag', defaultSeverity: 'warning', summary: 'One pool tag is used at more than one allocation call site.' },
  { name: 'untagged-allocation', defaultSeverity: 'warning', summary: "An untagged allocation shows as 'None' and cannot be traced to the driver." },
  { name: 'locked-pages-leak', defaultSeverity: 'warning', summary: 'Pages locked by MmProbeAndLockPages are not unlocked on some path (bug check 0xCB).' },
  { name: 'deprecated-allocator', defaultSeverity: 'hint', summary: 'An allocator deprecated since Windows 10, version 2004.' },
  { name: 'bad-argument', defaultSeverity: 'error', summary: 'A call with the wrong number or kind of arguments, or ExAllocatePool2 flags naming no pool type or two.' },
  { name: 'unknown-rule', defaultSeverity: 'warning', summary: 'A poolscope-disable comment names a rule that does not exist.' },
];

export const RULE_META_BY_NAME: ReadonlyMap<string, RuleMeta> = new Map(RULE_META.map((r) => [r.name, r]));

/** Where each rule's documentation page lives (rules.md: `docs/rules/<name>.md`). */
export const DOCS_BASE_URL = 'https://github.com/poolscope/poolscope/blob/main/docs/rules/';

export function ruleDocUrl(rule: string): string {
  return `${DOCS_BASE_URL}${rule}.md`;
}
