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
import { tagInputText } from '../../core/poolTag';
import { isValidIdentifier, normalizeTagInput, scriptTagProblem } from '../services/occurrences';
import {
  occurrenceAtOffset,
  occurrencesOfKey,
  tagSiteAtOffset,
  type DocumentModel,
  type OccurrenceModel,
  type TagSiteModel,
} from '../services/model';
import { toLspRange } from './convert';
import type { Workspace } from '../state/workspace';

interface Target {
  uri: string;
  index: DocumentModel;
  occurrence?: OccurrenceModel;
  tag?: TagSiteModel;
}

async function targetAt(workspace: Workspace, params: TextDocumentPositionParams): Promise<Target | undefined> {
  const doc = workspace.get(params.textDocument.uri);
  if (!doc) return undefined;
  const model = await workspace.currentModel(doc.uri);
  const now = workspace.get(doc.uri);
  // Positions are only meaningful against the version the client is looking at.
  if (!model || !now || model.version !== now.version) return undefined;
  const offset = now.offsetAt(params.position);
  const tag = tagSiteAtOffset(model, offset);
  if (tag) return { uri: doc.uri, index: model, tag };
  const occurrence = occurrenceAtOffset(model, offset);
  return occurrence ? { uri: doc.uri, index: model, occurrence } : undefined;
}

function tagSites(model: DocumentModel, value: string): TagSiteModel[] {
  return model.tags.filter((t) => t.value === value);
}

function occurrencesOf(model: DocumentModel, o: OccurrenceModel): OccurrenceModel[] {
  return occurrencesOfKey(model, o.key);
}

export async function provideDefinition(workspace: Workspace, params: TextDocumentPositionParams): Promise<Location[] | null> {
  const t = await targetAt(workspace, params);
  if (!t?.occurrence) {
    // A tag's "definition": its allocation sites.
    if (t?.tag) return tagSites(t.index, t.tag.value).filter((s) => s.allocation).map((s) => ({ uri: t.uri, range: toLspRange(s.range) }));
    return null;
  }
  const decls = occurrencesOf(t.index, t.occurrence).filter((o) => o.declaration);
  return decls.map((o) => ({ uri: t.uri, range: toLspRange(o.range) }));
}

export async function provideReferences(workspace: Workspace, params: ReferenceParams): Promise<Location[] | null> {
  const t = await targetAt(workspace, params);
  if (!t) return null;
  if (t.tag) return tagSites(t.index, t.tag.value).map((s) => ({ uri: t.uri, range: toLspRange(s.range) }));
  const all = occurrencesOf(t.index, t.occurrence!);
  return all.filter((o) => params.context.includeDeclaration || !o.declaration).map((o) => ({ uri: t.uri, range: toLspRange(o.range) }));
}

export async function provideHighlights(workspace: Workspace, params: TextDocumentPositionParams): Promise<DocumentHighlight[] | null> {
  const t = await targetAt(workspace, params);
  if (!t) return null;
  if (t.tag) return tagSites(t.index, t.tag.value).map((s) => ({ range: toLspRange(s.range), kind: DocumentHighlightKind.Text }));
  return occurrencesOf(t.index, t.occurrence!).map((o) => ({
    range: toLspRange(o.range),
    kind: o.declaration ? DocumentHighlightKind.Write : DocumentHighlightKind.Read,
  }));
}

/** The range inside the quotes for a tag (what the user edits), the name for a symbol. */
function tagInnerRange(site: TagSiteModel): LspRange {
  const r = toLspRange(site.range);
  return { start: { line: r.start.line, character: r.start.character + 1 }, end: { line: r.end.line, character: Math.max(r.start.character + 1, r.end.character - 1) } };
}

export async function providePrepareRename(workspace: Workspace, params: PrepareRenameParams): Promise<{ range: LspRange; placeholder: string } | null> {
  const t = await targetAt(workspace, params);
  if (!t) throw new ResponseError(ErrorCodes.InvalidRequest, 'Only routines, globals, lists, locals and pool tags can be renamed.');
  if (t.tag) return { range: tagInnerRange(t.tag), placeholder: t.tag.raw };
  return { range: toLspRange(t.occurrence!.range), placeholder: t.occurrence!.name };
}

export async function provideRename(workspace: Workspace, params: RenameParams): Promise<WorkspaceEdit | null> {
  const t = await targetAt(workspace, params);
  if (!t) throw new ResponseError(ErrorCodes.InvalidRequest, 'Only routines, globals, lists, locals and pool tags can be renamed.');
  const edits: TextEdit[] = [];
  if (t.tag) {
    const norm = normalizeTagInput(params.newName);
    if ('error' in norm) throw new ResponseError(ErrorCodes.InvalidParams, `Cannot rename the tag: ${norm.error}`);
    const unwritable = scriptTagProblem(norm.tag);
    if (unwritable) throw new ResponseError(ErrorCodes.InvalidParams, `Cannot rename the tag: ${unwritable}`);
    // Written without the trailing padding when the user typed a short tag (short-tag will say so).
    const written = tagInputText(params.newName);
    for (const s of tagSites(t.index, t.tag.value)) edits.push({ range: toLspRange(s.range), newText: `'${written}'` });
  } else {
    const o = t.occurrence!;
    if (!isValidIdentifier(params.newName)) {
      throw new ResponseError(ErrorCodes.InvalidParams, `'${params.newName}' is not a valid name (letters, digits and _, not a keyword).`);
    }
    const scopeOf = (k: string): string => (k.startsWith('local@') ? k.slice(0, k.lastIndexOf(':')) : 'top');
    const clash = t.index.occurrences.find(
      (x) => x.declaration && x.name === params.newName && (x.kind !== 'local' || o.kind !== 'local' || scopeOf(x.key) === scopeOf(o.key)),
    );
    if (clash && params.newName !== o.name) throw new ResponseError(ErrorCodes.InvalidParams, `'${params.newName}' is already declared at line ${clash.range.start.line}.`);
    for (const x of occurrencesOf(t.index, o)) edits.push({ range: toLspRange(x.range), newText: params.newName });
  }
  return { changes: { [t.uri]: edits } };
}
