/**
 * Hover on a tag, an API, a routine or a pool constant. Served from the current text (to find
 * what is under the cursor) and the last analysis (to look it up): it never waits for a
 * validation, so a large file being re-analysed does not delay it.
 */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import { lookupApi } from '../../core/apis';
import { apiHover, constantHover, routineHover, storageHover, tagHover } from '../services/hoverContent';
import { normalizeTagInput } from '../services/occurrences';
import { identifierAt, tagAt } from '../services/textScan';
import type { Workspace } from '../state/workspace';

export type OwnerLookup = (uri: string, tag: string) => Promise<string | undefined>;

export async function provideHover(workspace: Workspace, params: HoverParams, ownerOf: OwnerLookup): Promise<Hover | null> {
  const doc = workspace.get(params.textDocument.uri);
  if (!doc) return null;
  const text = doc.getText();
  const offset = doc.offsetAt(params.position);
  const model = await workspace.namesModel(doc.uri);

  const tag = tagAt(text, offset);
  if (tag && tag.closed) {
    const norm = normalizeTagInput(`'${tag.raw}'`);
    if ('error' in norm) return { contents: { kind: MarkupKind.Markdown, value: `Invalid pool tag: ${norm.error}` } };
    const sites = model ? model.tags.filter((s) => s.value === norm.tag) : [];
    const owner = await ownerOf(doc.uri, norm.tag);
    return {
      contents: { kind: MarkupKind.Markdown, value: tagHover(norm.tag, sites, owner) },
      range: { start: doc.positionAt(tag.start), end: doc.positionAt(tag.end) },
    };
  }

  const word = identifierAt(text, offset);
  if (!word) return null;
  const range = { start: doc.positionAt(word.start), end: doc.positionAt(word.end) };
  const routine = model?.routines.find((r) => r.name === word.text);
  if (routine) return { contents: { kind: MarkupKind.Markdown, value: routineHover(routine) }, range };
  const api = lookupApi(word.text);
  if (api) return { contents: { kind: MarkupKind.Markdown, value: apiHover(api) }, range };
  const storage = model ? storageHover(model, word.text) : undefined;
  if (storage) return { contents: { kind: MarkupKind.Markdown, value: storage }, range };
  const constant = constantHover(word.text);
  if (constant) return { contents: { kind: MarkupKind.Markdown, value: constant }, range };
  return null;
}
