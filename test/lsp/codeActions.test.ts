// Quick fixes over a real stdio connection: the core's fixes become code actions in order
// (repair first and preferred, "Disable … for this line" last); applying one removes the
// finding; actions for a stale version are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { CodeActionRequest, type CodeAction, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { applyEdits, LEAKY_TEXT, ROOT, TestClient } from './client';

describe('code actions', () => {
  let client: TestClient;
  before(async () => {
    // A debounce long enough that a request sent right after an edit surely precedes its validation.
    ({ client } = await TestClient.start({ initializationOptions: { diagnosticsDelay: 300 } }));
  });
  after(async () => client.stop());

  const actionsFor = async (uri: string, d: Diagnostic, only?: string[]): Promise<CodeAction[]> =>
    (await client.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: d.range,
      context: { diagnostics: [d], ...(only ? { only } : {}) },
    })) as CodeAction[];

  test('quota-in-dpc: "Allocate without quota" is preferred, first, and fixes it; disable-line is last', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-fix-quota.drvm`).href;
    await client.open(uri, LEAKY_TEXT);
    const { diagnostics } = await client.diagnosticsFor(uri, 1);
    const quota = diagnostics.find((d) => d.code === 'quota-in-dpc')!;
    assert.ok(quota);
    const actions = await actionsFor(uri, quota);
    assert.ok(actions.length >= 2, actions.map((a) => a.title).join(' | '));
    assert.equal(actions[0].isPreferred, true);
    assert.equal(actions[0].kind, 'quickfix');
    assert.match(actions[0].title, /without quota/i);
    assert.equal(actions[actions.length - 1].title, 'Disable quota-in-dpc for this line');
    assert.deepEqual(actions[0].diagnostics, [quota]);

    const edits = actions[0].edit!.changes![uri];
    const fixed = applyEdits(LEAKY_TEXT, edits);
    const v = await client.change(uri, [{ text: fixed }]);
    const after = await client.diagnosticsFor(uri, v);
    assert.equal(after.diagnostics.filter((d) => d.code === 'quota-in-dpc').length, 0, 'the finding is gone');
    await client.close(uri);
  });

  test('shared-tag: per-site fix and the file-wide source action', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-fix-shared.drvm`).href;
    await client.open(uri, LEAKY_TEXT);
    const { diagnostics } = await client.diagnosticsFor(uri, 1);
    const shared = diagnostics.find((d) => d.code === 'shared-tag')!;
    const actions = await actionsFor(uri, shared);
    const fix = actions.find((a) => a.kind === 'quickfix' && a.isPreferred);
    assert.ok(fix, actions.map((a) => `${a.kind}:${a.title}`).join(' | '));
    assert.equal(fix!.title, 'Give each call site its own tag');
    const source = (await actionsFor(uri, shared, ['source'])).filter((a) => a.kind === 'source');
    assert.equal(source.length, 1, 'offered once as a source action');

    const v = await client.change(uri, [{ text: applyEdits(LEAKY_TEXT, fix!.edit!.changes![uri]) }]);
    const after = await client.diagnosticsFor(uri, v);
    assert.equal(after.diagnostics.filter((d) => d.code === 'shared-tag').length, 0);
    await client.close(uri);
  });

  test('"Disable <rule> for this line" silences that finding', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-fix-disable.drvm`).href;
    await client.open(uri, LEAKY_TEXT);
    const { diagnostics } = await client.diagnosticsFor(uri, 1);
    const paged = diagnostics.find((d) => d.code === 'paged-free-at-dispatch')!;
    const actions = await actionsFor(uri, paged);
    const disable = actions[actions.length - 1];
    assert.equal(disable.title, 'Disable paged-free-at-dispatch for this line');
    const v = await client.change(uri, [{ text: applyEdits(LEAKY_TEXT, disable.edit!.changes![uri]) }]);
    const after = await client.diagnosticsFor(uri, v);
    assert.equal(after.diagnostics.filter((d) => d.code === 'paged-free-at-dispatch').length, 0);
    assert.ok(after.diagnostics.some((d) => d.code === 'quota-in-dpc'), 'other findings stay');
    await client.close(uri);
  });

  test('a code action for a version the document has moved past is refused', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-fix-stale.drvm`).href;
    await client.open(uri, LEAKY_TEXT);
    const { diagnostics } = await client.diagnosticsFor(uri, 1);
    const quota = diagnostics.find((d) => d.code === 'quota-in-dpc')!;
    assert.ok((await actionsFor(uri, quota)).length > 0, 'offered while current');
    // Insert a line at the top: the recorded edits would now land one line too high.
    const v = await client.change(uri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '// moved\n' }]);
    // Asked before the new version's validation has run: refused, not wrong.
    const stale = await actionsFor(uri, quota);
    assert.deepEqual(stale, []);
    // Once revalidated, the action is offered again at the moved position.
    const fresh = await client.diagnosticsFor(uri, v);
    const moved = fresh.diagnostics.find((d) => d.code === 'quota-in-dpc')!;
    assert.equal(moved.range.start.line, quota.range.start.line + 1);
    const again = await actionsFor(uri, moved);
    assert.equal(again[0].isPreferred, true);
    assert.equal(again[0].edit!.changes![uri][0].range.start.line, moved.range.start.line);
    await client.close(uri);
  });
});
