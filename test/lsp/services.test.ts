// The pure services under the LSP handlers, called directly (no server): text scans around the
// cursor, completion contexts, the model made for the main thread, tag input, hover text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/lsp/services/analysis';
import { complete } from '../../server/src/lsp/services/completion';
import { apiHover, tagHover } from '../../server/src/lsp/services/hoverContent';
import { hitTagCommand as edCommand } from '../../server/src/core/poolTag';
import { buildModel, occurrenceAtOffset, occurrencesOfKey } from '../../server/src/lsp/services/model';
import { isValidIdentifier, normalizeTagInput } from '../../server/src/lsp/services/occurrences';
import { callContextAt, inComment, regionAt, tagAt } from '../../server/src/lsp/services/textScan';
import { lookupApi } from '../../server/src/core/apis';
import { LEAKY_TEXT } from './client';

const model = buildModel('file:///leaky.drvm', analyze(LEAKY_TEXT, 1, { file: 'file:///leaky.drvm' }));

test('tagAt finds the literal under the cursor, not one in a comment', () => {
  const at = LEAKY_TEXT.indexOf("'Tron'") + 2;
  assert.deepEqual(tagAt(LEAKY_TEXT, at), { raw: 'Tron', start: at - 2, end: at + 4, closed: true });
  assert.equal(tagAt(LEAKY_TEXT, LEAKY_TEXT.indexOf("'Abc '") + 2), undefined, 'the first one is in the header comment');
  assert.deepEqual(tagAt("x('Ab", 5), { raw: 'Ab', start: 2, end: 5, closed: false });
});

test('callContextAt: callee and argument index, across nested calls and tags', () => {
  const text = "p = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_USE_QUOTA, 4K, 'a,b";
  const c = callContextAt(text, text.length)!;
  assert.equal(c.callee, 'ExAllocatePool2');
  assert.equal(c.argIndex, 2);
  assert.equal(callContextAt('foo(); bar', 10), undefined);
  assert.equal(callContextAt('Helper(a, b(c), ', 16)!.argIndex, 2);
});

test('regionAt tells routines, scenarios and top level apart', () => {
  const inRoutine = LEAKY_TEXT.indexOf('push g_Pending');
  assert.deepEqual(regionAt(LEAKY_TEXT, inRoutine), { kind: 'routine', name: 'ReadDispatch', routineKind: 'dispatch', declStart: LEAKY_TEXT.indexOf('dispatch IRP_MJ_READ') });
  assert.equal(regionAt(LEAKY_TEXT, LEAKY_TEXT.indexOf('dpc TimerDpc;')).kind, 'scenario');
  assert.equal(regionAt(LEAKY_TEXT, LEAKY_TEXT.indexOf('global g_Ctx')).kind, 'topLevel');
  assert.equal(regionAt(LEAKY_TEXT, LEAKY_TEXT.indexOf('\n\ndispatch IRP_MJ_WRITE') + 1).kind, 'topLevel');
});

test('inComment', () => {
  assert.equal(inComment('a // b', 6), true);
  assert.equal(inComment("x('//')", 6), false);
  assert.equal(inComment('/* a\n b', 7), true);
  assert.equal(inComment('/* a */ b', 9), false);
});

test('complete(): expectations by position', () => {
  const at = (text: string, needle: string, delta: number) => complete(text, text.indexOf(needle) + delta, model);
  const t = LEAKY_TEXT.replace('    push g_Pending, buf;', '    push g_Pending, buf;\n    KeInsertQueueDpc();\n    x = pop ;\n    ExAllocatePoolWithTag(PagedPool, 8, );\n');
  assert.equal(at(t, 'KeInsertQueueDpc(', 17).expects, 'routine:dpc');
  assert.deepEqual(at(t, 'KeInsertQueueDpc(', 17).candidates.map((c) => c.label), ['TimerDpc']);
  assert.deepEqual(at(t, 'x = pop ', 8).candidates.map((c) => c.label), ['g_Pending']);
  assert.equal(at(t, 'PagedPool, 8, ', 14).expects, 'tag');
  assert.equal(at(t, '    push g_Pending, buf;\n', 4).expects, 'statement');
  assert.equal(at(LEAKY_TEXT, '// A small', 5).expects, 'comment');
  assert.equal(at(LEAKY_TEXT, 'load;', 0).expects, 'step');
});

test('the model: occurrences keyed per symbol, locals scoped to their routine', () => {
  const bufInRead = occurrenceAtOffset(model, LEAKY_TEXT.indexOf('buf = ExAllocatePoolWithTag') + 1)!;
  const bufInDpc = occurrenceAtOffset(model, LEAKY_TEXT.indexOf('buf = pop') + 1)!;
  assert.equal(bufInRead.kind, 'local');
  assert.notEqual(bufInRead.key, bufInDpc.key, 'two routines, two locals');
  assert.deepEqual(occurrencesOfKey(model, bufInRead.key).map((o) => o.range.start.line), [14, 15, 19]);
  assert.equal(model.routines.find((r) => r.name === 'TimerDpc')?.kind, 'dpc');
  assert.deepEqual(model.dispatch, { IRP_MJ_READ: 'ReadDispatch', IRP_MJ_WRITE: 'WriteDispatch' });
  assert.equal(model.tags.filter((t) => t.value === 'Abc ').length, 5);
  // Plain data: survives structured cloning (it crosses from the worker to the main thread).
  assert.deepEqual(structuredClone(model), model);
});

test('tag input, identifiers, hover text', () => {
  assert.deepEqual(normalizeTagInput('Abc'), { tag: 'Abc ' });
  assert.deepEqual(normalizeTagInput("'Tron'"), { tag: 'Tron' });
  assert.ok('error' in normalizeTagInput(''));
  assert.ok('error' in normalizeTagInput('Ab\u00e9'));
  assert.equal(isValidIdentifier('scenario'), false);
  assert.equal(isValidIdentifier('g_Ctx2'), true);
  assert.equal(edCommand('Abc '), 'ed nt!poolhittag 0x20636241');
  const hover = tagHover('Abc ', model.tags.filter((t) => t.value === 'Abc '), 'Read buffers');
  assert.match(hover, /owner \(pooltag.txt\) \| Read buffers/);
  assert.match(hover, /line 14: ExAllocatePoolWithTag \(allocation\) in ReadDispatch/);
  assert.match(apiHover(lookupApi('IoAllocateMdl')!), /system tag `'Mdl '`.*released by IoFreeMdl/s);
});

test('the wire form of the model: decodeModel(encodeModel(m)) is m, field for field, and the lookups answer the same', async () => {
  const { decodeModel, encodeModel, tagSiteAtOffset } = await import('../../server/src/lsp/services/model');
  const { generateScript } = await import('../../bench/lsp.bench');
  const { readFileSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(__dirname, '../../examples');
  const texts = [LEAKY_TEXT, generateScript(600), ...readdirSync(dir).filter((f) => f.endsWith('.drvm')).map((f) => readFileSync(join(dir, f), 'utf8'))];
  for (const text of texts) {
    const { diagnostics: _d, ...model } = buildModel('file:///w.drvm', analyze(text, 3, { file: 'file:///w.drvm' }));
    const decoded = decodeModel(encodeModel(model));
    // Every field, every range, every optional flag, in order.
    assert.equal(JSON.stringify(decoded), JSON.stringify(model));
    assert.ok(model.occurrences.length > 0 && model.tags.length > 0);
    assert.deepEqual(decoded.occurrences[5].range, model.occurrences[5].range);
    assert.equal(decoded.occurrences.filter((o) => o.parameter).length, model.occurrences.filter((o) => o.parameter).length);
    const full = { ...decoded, diagnostics: [] };
    const plain = { ...model, diagnostics: [] };
    for (const t of model.tags) {
      const at = t.range.start.offset + 1;
      assert.deepEqual(JSON.parse(JSON.stringify(tagSiteAtOffset(full, at))), JSON.parse(JSON.stringify(tagSiteAtOffset(plain, at))));
    }
    for (const o of model.occurrences.slice(0, 200)) {
      const hit = occurrenceAtOffset(full, o.range.start.offset)!;
      assert.equal(hit.key, occurrenceAtOffset(plain, o.range.start.offset)!.key);
      assert.deepEqual(
        occurrencesOfKey(full, hit.key).map((x) => x.range.start.offset),
        occurrencesOfKey(plain, hit.key).map((x) => x.range.start.offset),
      );
    }
  }
});
