/**
 * `deprecated-allocator`: ExAllocatePoolWithTag, ExAllocatePoolWithQuotaTag, ExAllocatePool and
 * ExAllocatePoolWithQuota are deprecated since Windows 10, version 2004 (code analysis C28751).
 *
 * Quick fix "Use ExAllocatePool2", following Microsoft's "Updating deprecated ExAllocatePool
 * calls to ExAllocatePool2 and ExAllocatePool3":
 * - the POOL_TYPE becomes POOL_FLAGS: PagedPool → POOL_FLAG_PAGED; NonPagedPoolNx →
 *   POOL_FLAG_NON_PAGED; NonPagedPool (= NonPagedPoolExecute, executable) →
 *   POOL_FLAG_NON_PAGED_EXECUTE, keeping the pool the old call asked for;
 * - the quota forms add `| POOL_FLAG_USE_QUOTA`;
 * - no POOL_FLAG_UNINITIALIZED: the page's own example drops the RtlZeroMemory that followed
 *   the old call, because ExAllocatePool2 zeroes by default;
 * - no POOL_FLAG_RAISE_ON_FAILURE: the page's quota example maps the old call (with
 *   POOL_QUOTA_FAIL_INSTEAD_OF_RAISE) to plain POOL_FLAG_USE_QUOTA, and model scripts test for NULL;
 * - an untagged call gets a tag: ExAllocatePool2 requires one, and a tag not used anywhere in the
 *   document keeps the site traceable.
 * Sources:
 * - https://learn.microsoft.com/windows-hardware/drivers/kernel/updating-deprecated-exallocatepool-calls
 * - https://learn.microsoft.com/windows-hardware/drivers/devtest/28751-banned-exallocatepool-usage
 * - https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/ne-wdm-_pool_type
 */
import { padTag } from '../poolTag';
import type { Call, Identifier, Routine, Script } from '../ast';
import type { Diagnostic, QuickFix, TextEdit } from '../diagnostics';
import type { SymbolTable } from '../symbols';
import type { RuleContext, RuleDefinition } from './rule';
import { freshTag, tagText, usedTags } from './sharedTag';
import { forEachCall } from '../analysis/irql';

/** POOL_TYPE → the POOL_FLAGS ExAllocatePool2 takes for the same pool. */
export const POOL_TYPE_TO_FLAG: Readonly<Record<string, string>> = {
  PagedPool: 'POOL_FLAG_PAGED',
  NonPagedPoolNx: 'POOL_FLAG_NON_PAGED',
  NonPagedPool: 'POOL_FLAG_NON_PAGED_EXECUTE',
  NonPagedPoolExecute: 'POOL_FLAG_NON_PAGED_EXECUTE',
};

const QUOTA_APIS = new Set(['ExAllocatePoolWithQuotaTag', 'ExAllocatePoolWithQuota']);
const UNTAGGED_APIS = new Set(['ExAllocatePool', 'ExAllocatePoolWithQuota']);

/** Every call to a deprecated allocator, with its routine, in source order. */
export function deprecatedAllocatorCalls(script: Script, symbols: SymbolTable): { call: Call; routine: Routine }[] {
  const out: { call: Call; routine: Routine }[] = [];
  for (const routine of script.routines) {
    forEachCall(routine.body, (call) => {
      const res = symbols.resolveCall(call);
      if (res.kind === 'api' && res.api.deprecated && res.api.allocates) out.push({ call, routine });
    });
  }
  return out;
}

/**
 * The edits that turn a deprecated allocator call into ExAllocatePool2, or undefined when the
 * pool type is not one the model knows. `used` is extended with any tag invented for an
 * untagged call, so several fixes computed together never pick the same one.
 */
export function toExAllocatePool2(call: Call, routine: Routine, used: Set<string>): TextEdit[] | undefined {
  const api = call.callee.name;
  const poolType = call.args[0];
  if (poolType?.type !== 'identifier') return undefined;
  const flag = POOL_TYPE_TO_FLAG[poolType.name];
  if (!flag) return undefined;
  const flags = QUOTA_APIS.has(api) ? `${flag} | POOL_FLAG_USE_QUOTA` : flag;
  const edits: TextEdit[] = [
    { range: call.callee.range, newText: 'ExAllocatePool2' },
    { range: poolType.range, newText: flags },
  ];
  if (UNTAGGED_APIS.has(api)) {
    const size = call.args[1];
    if (!size) return undefined;
    // A tag from the routine's name ('ReadDispatch' → 'Read'), made unique in the document.
    const tag = freshTagFor(routine.name, used);
    edits.push({ range: { start: size.range.end, end: size.range.end }, newText: `, ${tagText(tag)}` });
  }
  return edits;
}

function freshTagFor(name: Identifier, used: Set<string>): string {
  const letters = name.name.replace(/[^A-Za-z0-9]/g, '');
  const base = (letters.slice(0, 4) || 'Drv').padEnd(4, ' ');
  if (!used.has(base) && /^[A-Za-z]/.test(base)) {
    used.add(base);
    return base;
  }
  return freshTag(base, used);
}

export const deprecatedAllocator: RuleDefinition = {
  name: 'deprecated-allocator',
  defaultSeverity: 'hint',
  check(ctx: RuleContext): Diagnostic[] {
    const used = usedTags(ctx.script);
    for (const t of ctx.usedTags ?? []) used.add(padTag(t));
    return deprecatedAllocatorCalls(ctx.script, ctx.symbols).map(({ call, routine }) => {
      const d: Diagnostic = {
        rule: 'deprecated-allocator',
        severity: 'hint',
        range: call.range,
        message:
          `${call.callee.name} is deprecated since Windows 10, version 2004 (code analysis warning C28751): use ExAllocatePool2, ` +
          `which takes POOL_FLAG_* flags and zeroes the allocation by default, so no uninitialized pool contents leak.`,
      };
      const edits = toExAllocatePool2(call, routine, used);
      if (edits) d.fixes = [{ title: 'Use ExAllocatePool2', kind: 'quickfix', isPreferred: true, edits } satisfies QuickFix];
      return d;
    });
  },
};
