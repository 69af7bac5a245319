/**
 * Quick fixes of the ownership rules, computed as edits (rules.md, "Quick fixes"):
 * - `unbalanced-allocation`: "Free 'buf' before this return" — the right release call with the
 *   right tag, inserted on each leaking path (wrapped in braces where the exit is the unbraced
 *   body of an `if`, so the result still parses);
 * - `leak-at-unload`: "Free 'g_Ctx' in DriverUnload" — a free of the global (NULL-checked) or a
 *   `foreach` that frees a list, added to the unload routine, which is created when missing.
 */
import { RELEASE_API } from '../apis';
import type { Block, Routine, Script, Statement } from '../ast';
import type { QuickFix, TextEdit } from '../diagnostics';
import { LineMap, indentationOf, insertAt, lineBreakOf, replaceRange } from '../fixes';
import type { AllocationSite, ExitPoint } from './ownership';
import { forEachStatement } from './walk';

/** The release call for a block (`ExFreePoolWithTag(buf, 'Abc ')`, `IoFreeMdl(m)`, …), without `;`. */
export function releaseCallText(site: AllocationSite, variable: string): string {
  if (site.block === 'pool') {
    return site.tag !== undefined && site.tag !== 'None' ? `ExFreePoolWithTag(${variable}, '${site.tag}')` : `ExFreePool(${variable})`;
  }
  return `${RELEASE_API[site.block] ?? 'ExFreePool'}(${variable})`;
}

/** The release call that suits every block a global or list can hold. */
function releaseForAll(sites: readonly AllocationSite[], variable: string): string {
  const first = sites[0];
  if (sites.every((s) => s.block === first.block && s.tag === first.tag)) return releaseCallText(first, variable);
  if (sites.every((s) => s.block === 'pool')) return `ExFreePool(${variable})`;
  return releaseCallText(first, variable);
}

/** Indentation one level deeper than a block's closing brace, following the block's own statements. */
function innerIndent(lines: LineMap, body: Block): string {
  const first = body.statements[0];
  if (first && first.range.start.line !== body.range.start.line) return indentationOf(lines.lineText(first.range.start.line));
  const close = lines.positionAt(body.range.end.offset - 1);
  return indentationOf(lines.lineText(close.line)) + '    ';
}

/** True when the block really is `{ … }` in the text (error recovery can close blocks that are not). */
function wellFormed(text: string, body: Block): boolean {
  return body.range.end.offset > body.range.start.offset && text[body.range.start.offset] === '{' && text[body.range.end.offset - 1] === '}';
}

/** An edit inserting a statement just before a block's closing brace (none when the block has no brace). */
function insertBeforeClosingBrace(text: string, lines: LineMap, body: Block, statement: string): TextEdit | undefined {
  if (!wellFormed(text, body)) return undefined;
  const nl = lineBreakOf(text);
  const braceOffset = body.range.end.offset - 1;
  const brace = lines.positionAt(braceOffset);
  const before = text.slice(lines.lineStart(brace.line), braceOffset);
  if (brace.line !== body.range.start.line && before.trim() === '') {
    return insertAt(lines.positionAt(lines.lineStart(brace.line)), `${innerIndent(lines, body)}${statement}${nl}`);
  }
  return insertAt(brace, ` ${statement} `);
}

/** An edit putting a statement before another one (in braces when that one is an unbraced `if` body). */
function insertBeforeStatement(text: string, lines: LineMap, st: Statement, unbraced: boolean, statement: string): TextEdit {
  if (unbraced) {
    return replaceRange(st.range, `{ ${statement} ${text.slice(st.range.start.offset, st.range.end.offset)} }`);
  }
  const lineStart = lines.lineStart(st.range.start.line);
  const before = text.slice(lineStart, st.range.start.offset);
  if (before.trim() === '') return insertAt(st.range.start, `${statement}${lineBreakOf(text)}${before}`);
  return insertAt(st.range.start, `${statement} `);
}

export function freeBeforeExitFix(
  text: string,
  lines: LineMap,
  site: AllocationSite,
  variable: string | undefined,
  leaks: readonly { exit: ExitPoint; variable: string | undefined; maybeNull: boolean }[],
): QuickFix | undefined {
  const edits: TextEdit[] = [];
  const done = new Set<number>();
  let v0: string | undefined;
  for (const leak of leaks) {
    const v = leak.variable ?? variable;
    if (!v) continue;
    const exit = leak.exit;
    const guard = leak.maybeNull || exit.kind === 'overwrite';
    const free = `${guard ? `if (${v} != NULL) ` : ''}${releaseCallText(site, v)};`;
    let edit: TextEdit | undefined;
    if ((exit.kind === 'return' || exit.kind === 'overwrite') && exit.statement && exit.statement.type !== 'foreach') {
      edit = insertBeforeStatement(text, lines, exit.statement, !!exit.unbraced, free);
    } else if (exit.kind === 'end' && exit.body) {
      edit = insertBeforeClosingBrace(text, lines, exit.body, free);
    }
    if (!edit || done.has(edit.range.start.offset)) continue;
    done.add(edit.range.start.offset);
    edits.push(edit);
    v0 ??= v;
  }
  if (edits.length === 0 || !v0) return undefined;
  // rules.md names this fix "Free 'buf' before this return": that is its title wherever a path
  // leaves the routine (a `return`, the closing `}`, several exits at once — one fix frees on
  // each). Only a fix that frees just before overwriting assignments says so.
  const title = leaks.every((l) => l.exit.kind === 'overwrite') ? `Free '${v0}' before it is overwritten` : `Free '${v0}' before this return`;
  return { title, kind: 'quickfix', isPreferred: true, edits };
}

function namesUsedIn(script: Script, routine: Routine | undefined): Set<string> {
  const used = new Set<string>();
  for (const r of script.routines) used.add(r.name.name);
  for (const g of script.globals) for (const n of g.names) used.add(n.name);
  for (const l of script.lists) for (const n of l.names) used.add(n.name);
  if (routine) {
    for (const p of routine.params) used.add(p.name);
    // Every identifier in the routine's text is taken, whatever it names.
    forEachStatement(routine.body, (st) => {
      if (st.type === 'assign') used.add(st.target.name);
      else if (st.type === 'foreach') used.add(st.variable.name);
      else if (st.type === 'error' && st.assigns) used.add(st.assigns.name);
    });
  }
  return used;
}

function freshName(used: ReadonlySet<string>, base: string): string {
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

/** "Free 'g_Ctx' in DriverUnload": frees a global / drains a list in the unload routine (created when missing). */
export function freeInUnloadFix(
  text: string,
  lines: LineMap,
  script: Script,
  unload: Routine | undefined,
  target: string,
  sites: readonly AllocationSite[],
): QuickFix | undefined {
  if (sites.length === 0) return undefined;
  const isList = target.startsWith('list:');
  const name = target.slice(isList ? 5 : 7);
  const used = namesUsedIn(script, unload);
  const statement = isList
    ? (() => {
        const p = freshName(used, 'p');
        return `foreach ${p} in ${name} { ${releaseForAll(sites, p)}; }`;
      })()
    : `if (${name} != NULL) ${releaseForAll(sites, name)};`;
  const nl = lineBreakOf(text);
  if (unload) {
    const edit = unload.name.name ? insertBeforeClosingBrace(text, lines, unload.body, statement) : undefined;
    if (!edit) return undefined;
    return {
      title: `Free '${name}' in ${unload.name.name}`,
      kind: 'quickfix',
      isPreferred: true,
      edits: [edit],
    };
  }
  const unloadName = freshName(namesUsedIn(script, undefined), 'DriverUnload');
  const routine = `unload ${unloadName} {${nl}    ${statement}${nl}}`;
  const last = [...script.routines].reverse().find((r) => wellFormed(text, r.body));
  const edit = last
    ? insertAt(last.range.end, `${nl}${nl}${routine}`)
    : insertAt(lines.positionAt(text.length), `${text.length > 0 && !/[\r\n]$/.test(text) ? nl : ''}${nl}${routine}${nl}`);
  return { title: `Free '${name}' in ${unloadName}`, kind: 'quickfix', isPreferred: true, edits: [edit] };
}
