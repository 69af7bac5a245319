/**
 * Go to definition, find references, document highlights and rename — for routines, globals,
 * lists and locals, and for pool tags (every site using the tag). These need exact positions,
 * so they use the analysis of the current version (made now if the validator has not run yet).
 */
import {
  DocumentHighlightKind,
  ErrorCodes,
  ResponseError,
  type DocumentHighlight,
  type Location,
  type PrepareRenameParams,
  type Range as LspRange,
  type ReferenceParams,
  type RenameParams,
  type TextDocumentPositionParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import {
  isValidIdentifier,
  normalizeTagInput,
  occurrenceAt,
  occurrencesOf,
  tagSiteAt,
  type Occurrence,
  type ScriptIndex,
  type TagSite,
} from '../services/occurrences';
import { toLspRange } from './convert';
import type { Workspace } from './workspace';

interface Target {
  uri: string;
  index: ScriptIndex;
  occurrence?: Occurrence;
  tag?: TagSite;
}

function targetAt(workspace: Workspace, params: TextDocumentPositionParams): Target | undefined {
  const doc = workspace.get(params.textDocument.uri);
  if (!doc) return undefined;
  const analysis = workspace.currentAnalysis(doc.uri);
  if (!analysis) return undefined;
  const index = workspace.index(analysis);
  const offset = doc.offsetAt(params.position);
  const tag = tagSiteAt(index, offset);
  if (tag) return { uri: doc.uri, index, tag };
  const occurrence = occurrenceAt(index, offset);
  return occurrence ? { uri: doc.uri, index, occurrence } : undefined;
}

function tagSites(index: ScriptIndex, value: string): TagSite[] {
  return index.tags.filter((t) => t.value === value);
}

export function provideDefinition(workspace: Workspace, params: TextDocumentPositionParams): Location[] | null {
  const t = targetAt(workspace, params);
  if (!t?.occurrence) {
    // A tag's "definition": its allocation sites.
    if (t?.tag) return tagSites(t.index, t.tag.value).filter((s) => s.allocation).map((s) => ({ uri: t.uri, range: toLspRange(s.tag.range) }));
    return null;
  }
  const decls = occurrencesOf(t.index, t.occurrence).filter((o) => o.declaration);
  return decls.map((o) => ({ uri: t.uri, range: toLspRange(o.range) }));
}

export function provideReferences(workspace: Workspace, params: ReferenceParams): Location[] | null {
  const t = targetAt(workspace, params);
  if (!t) return null;
  if (t.tag) return tagSites(t.index, t.tag.value).map((s) => ({ uri: t.uri, range: toLspRange(s.tag.range) }));
  const all = occurrencesOf(t.index, t.occurrence!);
  return all.filter((o) => params.context.includeDeclaration || !o.declaration).map((o) => ({ uri: t.uri, range: toLspRange(o.range) }));
}

export function provideHighlights(workspace: Workspace, params: TextDocumentPositionParams): DocumentHighlight[] | null {
  const t = targetAt(workspace, params);
  if (!t) return null;
  if (t.tag) return tagSites(t.index, t.tag.value).map((s) => ({ range: toLspRange(s.tag.range), kind: DocumentHighlightKind.Text }));
  return occurrencesOf(t.index, t.occurrence!).map((o) => ({
    range: toLspRange(o.range),
    kind: o.declaration ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}

/** The range inside the quotes for a tag (what the user edits), the name for a symbol. */
function tagInnerRange(site: TagSite): LspRange {
  const r = toLspRange(site.tag.range);
  return { start: { line: r.start.line, character: r.start.character + 1 }, end: { line: r.end.line, character: Math.max(r.start.character + 1, r.end.character - 1) } };
}

export function providePrepareRename(workspace: Workspace, params: PrepareRenameParams): { range: LspRange; placeholder: string } | null {
  const t = targetAt(workspace, params);
  if (!t) throw new ResponseError(ErrorCodes.InvalidRequest, 'Only routines, globals, lists, locals and pool tags can be renamed.');
  if (t.tag) return { range: tagInnerRange(t.tag), placeholder: t.tag.tag.raw };
  return { range: toLspRange(t.occurrence!.range), placeholder: t.occurrence!.name };
}

export function provideRename(workspace: Workspace, params: RenameParams): WorkspaceEdit | null {
  const t = targetAt(workspace, params);
  if (!t) throw new ResponseError(ErrorCodes.InvalidRequest, 'Only routines, globals, lists, locals and pool tags can be renamed.');
  const edits: TextEdit[] = [];
  if (t.tag) {
    const norm = normalizeTagInput(params.newName);
    if ('error' in norm) throw new ResponseError(ErrorCodes.InvalidParams, `Cannot rename the tag: ${norm.error}`);
    // Written without the trailing padding when the user typed a short tag (short-tag will say so).
    const written = params.newName.replace(/^'(.*)'$/, '$1');
    for (const s of tagSites(t.index, t.tag.value)) edits.push({ range: toLspRange(s.tag.range), newText: `'${written}'` });
  } else {
    const o = t.occurrence!;
    if (!isValidIdentifier(params.newName)) {
      throw new ResponseError(ErrorCodes.InvalidParams, `'${params.newName}' is not a valid name (letters, digits and _, not a keyword).`);
    }
    const clash = t.index.occurrences.find(
      (x) => x.declaration && x.name === params.newName && (x.kind !== 'local' || o.kind !== 'local' || x.scope === o.scope),
    );
    if (clash && params.newName !== o.name) throw new ResponseError(ErrorCodes.InvalidParams, `'${params.newName}' is already declared at line ${clash.range.start.line}.`);
    for (const x of occurrencesOf(t.index, o)) edits.push({ range: toLspRange(x.range), newText: params.newName });
  }
  return { changes: { [t.uri]: edits } };
}
