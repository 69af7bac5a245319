/**
 * Quick fixes: each QuickFix the core attached to a finding becomes a CodeAction, in the core's
 * order (the repair first and `isPreferred`, "Disable … for this line" last). They are served
 * from the record made at validation time for that document version; once the document has
 * changed, the record is stale and no action is offered (its edits would land in the wrong place).
 */
import { CodeActionKind, type CodeAction, type CodeActionParams, type Range as LspRange } from 'vscode-languageserver';
import { sameDiagnostic, toLspEdit } from './convert';
import type { RecordedFinding, Validator } from './diagnostics';
import type { Workspace } from '../state/workspace';

function overlaps(a: LspRange, b: LspRange): boolean {
  const before = (p: { line: number; character: number }, q: { line: number; character: number }): boolean =>
    p.line < q.line || (p.line === q.line && p.character < q.character);
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function wanted(only: string[] | undefined, kind: string): boolean {
  return !only || only.some((o) => kind === o || kind.startsWith(o + '.'));
}

export function provideCodeActions(workspace: Workspace, validator: Validator, params: CodeActionParams): CodeAction[] | null {
  const uri = params.textDocument.uri;
  const doc = workspace.get(uri);
  if (!doc) return null;
  const record = validator.recordFor(uri, doc.version);
  if (!record) return []; // stale: the document changed since its findings were computed

  const only = params.context.only;
  const fromClient = params.context.diagnostics ?? [];
  const matched: RecordedFinding[] = fromClient.length
    ? record.findings.filter((f) => fromClient.some((d) => sameDiagnostic(d, f.lsp)))
    : record.findings.filter((f) => overlaps(f.lsp.range, params.range));

  const actions: CodeAction[] = [];
  const seenSource = new Set<string>();
  const toAction = (f: RecordedFinding, fix: NonNullable<RecordedFinding['core']['fixes']>[number]): CodeAction => ({
    title: fix.title,
    kind: fix.kind === 'source' ? CodeActionKind.Source : CodeActionKind.QuickFix,
    ...(fix.kind === 'quickfix' ? { diagnostics: [f.lsp] } : {}),
    ...(fix.isPreferred ? { isPreferred: true } : {}),
    edit: { changes: { [uri]: fix.edits.map(toLspEdit) } },
  });

  const seen = new Set<string>();
  for (const f of matched) {
    for (const fix of f.core.fixes ?? []) {
      const kind = fix.kind === 'source' ? CodeActionKind.Source : CodeActionKind.QuickFix;
      if (!wanted(only, kind)) continue;
      // Two findings at one place (two leaking paths of one allocation) offer one fix once.
      const key = `${kind}\u0000${fix.title}\u0000${JSON.stringify(fix.edits)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (fix.kind === 'source') {
        if (seenSource.has(fix.title)) continue;
        seenSource.add(fix.title);
      }
      actions.push(toAction(f, fix));
    }
  }
  // File-wide source actions are offered wherever the client asks for source actions.
  if (only?.some((o) => o === CodeActionKind.Source || o.startsWith(CodeActionKind.Source + '.'))) {
    for (const f of record.findings) {
      for (const fix of f.core.fixes ?? []) {
        if (fix.kind !== 'source' || seenSource.has(fix.title)) continue;
        seenSource.add(fix.title);
        actions.push(toAction(f, fix));
      }
    }
  }
  // The repairs first (preferred ones leading), then "Disable … for this line", then source actions.
  const rank = (a: CodeAction): number =>
    a.kind !== CodeActionKind.QuickFix ? 3 : /^Disable\b/.test(a.title) ? 2 : a.isPreferred ? 0 : 1;
  return actions.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i).map((x) => x.a);
}
