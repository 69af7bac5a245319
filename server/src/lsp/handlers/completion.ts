/** Completion and signature help: LSP glue over `services/completion`. */
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type CompletionParams,
  type SignatureHelp,
  type SignatureHelpParams,
  type SignatureInformation,
} from 'vscode-languageserver';
import { lookupApi } from '../../core/apis';
import { complete, type Candidate, type CandidateKind } from '../services/completion';
import { callContextAt } from '../services/textScan';
import type { Workspace } from '../state/workspace';

const ITEM_KIND: Record<CandidateKind, CompletionItemKind> = {
  api: CompletionItemKind.Function,
  routine: CompletionItemKind.Method,
  global: CompletionItemKind.Variable,
  list: CompletionItemKind.Variable,
  local: CompletionItemKind.Variable,
  poolType: CompletionItemKind.EnumMember,
  poolFlag: CompletionItemKind.EnumMember,
  irpMajor: CompletionItemKind.EnumMember,
  irql: CompletionItemKind.Constant,
  tag: CompletionItemKind.Value,
  keyword: CompletionItemKind.Keyword,
  step: CompletionItemKind.Keyword,
  declaration: CompletionItemKind.Keyword,
};

/** Strips snippet syntax for clients without snippet support: `${1:size}` → `size`. */
function plain(snippet: string): string {
  return snippet.replace(/\$\{\d+(?::([^}]*))?\}/g, '$1').replace(/\$\d+/g, '');
}

export async function provideCompletion(workspace: Workspace, params: CompletionParams, snippetSupport: boolean): Promise<CompletionList | null> {
  if (!workspace.get(params.textDocument.uri)) return null;
  const model = await workspace.namesModel(params.textDocument.uri);
  // Read the text after any wait: position and text must be of the same version.
  const doc = workspace.get(params.textDocument.uri);
  if (!doc) return null;
  const result = complete(doc.getText(), doc.offsetAt(params.position), model);
  const items = result.candidates.map((c) => toItem(c, doc, snippetSupport));
  return { isIncomplete: false, items };
}

function toItem(c: Candidate, doc: { positionAt(o: number): { line: number; character: number } }, snippetSupport: boolean): CompletionItem {
  const item: CompletionItem = { label: c.label, kind: ITEM_KIND[c.kind] };
  if (c.detail) item.detail = c.detail;
  if (c.documentation) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
  if (c.sortText) item.sortText = c.sortText;
  let text = c.insertText ?? c.label;
  const snippet = !!c.snippet && snippetSupport;
  if (c.snippet && !snippetSupport) text = plain(text);
  if (snippet) item.insertTextFormat = InsertTextFormat.Snippet;
  if (c.replaceFrom !== undefined && c.replaceTo !== undefined) {
    item.textEdit = { range: { start: doc.positionAt(c.replaceFrom), end: doc.positionAt(c.replaceTo) }, newText: text };
    item.filterText = c.insertText ?? c.label;
  } else if (text !== c.label) item.insertText = text;
  return item;
}

export async function provideSignatureHelp(workspace: Workspace, params: SignatureHelpParams): Promise<SignatureHelp | null> {
  const doc = workspace.get(params.textDocument.uri);
  if (!doc) return null;
  const text = doc.getText();
  const call = callContextAt(text, doc.offsetAt(params.position));
  if (!call) return null;
  let signature: SignatureInformation | undefined;
  const api = lookupApi(call.callee);
  if (api) {
    const paramLabels = api.params.map((p) => `${p.name}`);
    const label = `${api.name}(${paramLabels.join(', ')})`;
    let at = api.name.length + 1;
    signature = {
      label,
      documentation: { kind: MarkupKind.Markdown, value: '```c\n' + api.prototype + ';\n```\n\n' + api.doc },
      parameters: api.params.map((p, i) => {
        const start = at;
        at += paramLabels[i].length + 2;
        return {
          label: [start, start + paramLabels[i].length] as [number, number],
          documentation: p.kind === 'routine' ? `a ${p.routineKind} routine of this script` : describeKind(p.kind),
        };
      }),
    };
  } else {
    const routine = (await workspace.namesModel(doc.uri))?.routines.find((r) => r.name === call.callee);
    if (!routine) return null;
    const names = routine.params;
    let at = routine.name.length + 1;
    signature = {
      label: `${routine.name}(${names.join(', ')})`,
      documentation: `${routine.kind} routine: arguments bind to its parameters (pointers are handed over).`,
      parameters: names.map((n) => {
        const start = at;
        at += n.length + 2;
        return { label: [start, start + n.length] as [number, number] };
      }),
    };
  }
  const count = signature.parameters?.length ?? 0;
  return { signatures: [signature], activeSignature: 0, activeParameter: count ? Math.min(call.argIndex, count - 1) : 0 };
}

function describeKind(kind: string): string {
  switch (kind) {
    case 'poolType':
      return 'POOL_TYPE: NonPagedPool, NonPagedPoolNx, NonPagedPoolExecute or PagedPool';
    case 'poolFlags':
      return 'POOL_FLAG_* flags joined by |';
    case 'size':
      return 'size in bytes (4096, 0x1000, 4K)';
    case 'tag':
      return "pool tag in display order, e.g. 'Abc '";
    case 'pointer':
      return 'a local, parameter or global holding the block';
    case 'spinLock':
      return 'any name';
    case 'irql':
      return 'DISPATCH_LEVEL, APC_LEVEL or PASSIVE_LEVEL';
    default:
      return kind;
  }
}
