/**
 * Hover text as Markdown: what a driver developer would otherwise look up in the WDK docs or
 * compute by hand in WinDbg (the reversed C constant, the `ed nt!poolhittag` value).
 *
 * Pure: built from the API table, the routine-kind table and one analysis.
 */
import { IRQL_NAMES, POOL_FLAG_BY_NAME, POOL_TYPE_BY_NAME, RELEASE_API, ROUTINE_KINDS, type ApiInfo } from '../../core/apis';
import { hitTagCommand, tagToCConstant, tagUlongText } from '../../core/poolTag';
import type { DocumentModel, RoutineInfo, TagSiteModel } from './model';

function code(text: string): string {
  return '`` ' + text + ' ``';
}

export function tagHover(display: string, sites: readonly TagSiteModel[], owner: string | undefined): string {
  const lines: string[] = [];
  lines.push(`**Pool tag** ${code(`'${display}'`)}`);
  lines.push('');
  lines.push(`| | |`);
  lines.push(`|---|---|`);
  lines.push(`| display (\`!poolused\`, PoolMon) | ${code(display)} |`);
  lines.push(`| C constant | ${code(tagToCConstant(display))} |`);
  lines.push(`| ULONG | ${code(tagUlongText(display))} |`);
  if (owner) lines.push(`| owner (pooltag.txt) | ${owner.replace(/\|/g, '\\|')} |`);
  lines.push('');
  lines.push('```');
  lines.push(hitTagCommand(display));
  lines.push('```');
  if (sites.length) {
    lines.push('');
    lines.push(`Used at ${sites.length} site${sites.length === 1 ? '' : 's'}:`);
    for (const s of sites) {
      const where = s.routine ? ` in ${s.routine}` : s.scenario ? ` in scenario ${s.scenario}` : '';
      const what = s.api ?? s.callee ?? 'hittag';
      lines.push(`- line ${s.range.start.line}: ${what}${s.allocation ? ' (allocation)' : ''}${where}`);
    }
  }
  return lines.join('\n');
}

function describeAllocation(api: ApiInfo): string | undefined {
  const a = api.allocates;
  if (!a) return undefined;
  const pool =
    a.pool.from === 'fixed'
      ? a.pool.kind === 'paged'
        ? 'paged pool'
        : 'non-paged pool'
      : a.pool.from === 'flags'
        ? 'the pool the POOL_FLAG_* flags select'
        : 'the pool type given';
  const tag = a.tag.from === 'arg' ? 'the given tag' : a.tag.from === 'system' ? `system tag \`'${a.tag.tag}'\`` : "tag `'None'` (untagged)";
  const quota = a.quota === 'always' ? ', charged to the current process\'s quota' : a.quota === 'flag' ? ', charged to quota with POOL_FLAG_USE_QUOTA' : '';
  const release = a.block === 'pool' ? 'ExFreePoolWithTag / ExFreePool / ExFreePool2' : (RELEASE_API[a.block] ?? 'automatically');
  const how = a.block === 'completion' ? 'released by the I/O manager when the completion routine runs' : `released by ${release}`;
  return `**Allocates** a ${a.block} block from ${pool}, ${tag}${quota}; ${how}.`;
}

export function apiHover(api: ApiInfo): string {
  const lines = ['```c', api.prototype + ';', '```', ''];
  lines.push(api.doc);
  lines.push('');
  lines.push(`**IRQL** <= ${IRQL_NAMES[api.maxIrql] ?? `${api.maxIrql} (any)`}` + (api.irqlNote ? `. ${api.irqlNote}` : ''));
  const alloc = describeAllocation(api);
  if (alloc) lines.push('', alloc);
  if (api.releases) lines.push('', `**Releases** ${api.releases.blocks.join(', ')} blocks` + (api.releases.tagArg !== undefined ? ' (the tag must match the allocation tag).' : '.'));
  if (api.deprecated) lines.push('', '*Deprecated since Windows 10, version 2004: use `ExAllocatePool2`.*');
  lines.push('', `[Microsoft Learn](${api.docUrl})`);
  return lines.join('\n');
}

export function routineHover(routine: RoutineInfo): string {
  const info = ROUTINE_KINDS[routine.kind];
  const kind = routine.kind === 'dispatch' && routine.major ? `dispatch ${routine.major}` : routine.kind;
  const params = routine.params.length ? `(${routine.params.join(', ')})` : '';
  const lines = ['```drvm', `${kind} ${routine.name}${params}`, '```', ''];
  if (info) {
    lines.push(`**Kind** ${routine.kind} — started by ${info.startedBy}`);
    lines.push('');
    lines.push(`**IRQL** ${info.irqlText}`);
    lines.push('');
    lines.push(`**Process context** ${info.process}`);
  }
  return lines.join('\n');
}

/** Hover for the constants of the API set: pool types and POOL_FLAG_* flags. */
export function constantHover(name: string): string | undefined {
  const t = POOL_TYPE_BY_NAME.get(name);
  if (t) return `**${t.name}** (POOL_TYPE ${t.value}) — ${t.pool === 'paged' ? 'paged' : 'non-paged'} pool. ${t.doc}`;
  const f = POOL_FLAG_BY_NAME.get(name);
  if (f) return `**${f.name}** (0x${f.value.toString(16)}) — ${f.doc}`;
  return undefined;
}

/** A global pointer slot or a list: where it is declared and which routines use it. */
export function storageHover(model: DocumentModel, name: string): string | undefined {
  const kind = model.globals.some((g) => g.name === name) ? 'global' : model.lists.some((l) => l.name === name) ? 'list' : undefined;
  if (!kind) return undefined;
  const uses = model.occurrences.filter((o) => o.key === `top:${name}` && !o.declaration);
  const decl = model.occurrences.find((o) => o.key === `top:${name}` && o.declaration);
  const routineAt = (offset: number): string | undefined =>
    model.routines.find((r) => r.range.start.offset <= offset && offset < r.range.end.offset)?.name;
  const byRoutine = new Map<string, number[]>();
  for (const u of uses) {
    const r = routineAt(u.range.start.offset) ?? '(top level)';
    byRoutine.set(r, [...(byRoutine.get(r) ?? []), u.range.start.line]);
  }
  const lines = ['```drvm', `${kind} ${name}`, '```', ''];
  lines.push(
    kind === 'global'
      ? 'A pointer slot that outlives a routine: a block stored here must be freed before unload (`leak-at-unload`).'
      : 'An unordered bag of pointers (a queue, a table): every block pushed must be popped and freed, or emptied by unload or the IRP_MJ_CLEANUP / IRP_MJ_CLOSE dispatch routines (`leak-at-unload`).',
  );
  if (decl) lines.push('', `Declared at line ${decl.range.start.line}.`);
  if (byRoutine.size) {
    lines.push('', 'Used in:');
    for (const [r, ls] of byRoutine) lines.push(`- ${r}: line${ls.length === 1 ? '' : 's'} ${ls.join(', ')}`);
  }
  return lines.join('\n');
}
