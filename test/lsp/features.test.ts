// Editing features over a real stdio connection, on examples/leaky.drvm: hover, completion,
// signature help, definition / references / rename, outline, folding, semantic tokens, lenses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  SemanticTokensRequest,
  SignatureHelpRequest,
  type CompletionItem,
  type CompletionList,
  type DocumentSymbol,
  type Hover,
  type Location,
  type MarkupContent,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { pathToFileURL } from 'node:url';
import { applyEdits, LEAKY_TEXT, LEAKY_URI, positionOf, ROOT, TestClient } from './client';

const doc = { uri: LEAKY_URI };

describe('editing features', () => {
  let client: TestClient;
  before(async () => {
    ({ client } = await TestClient.start());
    await client.open(LEAKY_URI, LEAKY_TEXT);
    await client.diagnosticsFor(LEAKY_URI, 1);
  });
  after(async () => client.stop());

  const hover = async (needle: string, delta = 1, occurrence = 0): Promise<string> => {
    const h = (await client.connection.sendRequest(HoverRequest.type, { textDocument: doc, position: positionOf(LEAKY_TEXT, needle, delta, occurrence) })) as Hover | null;
    assert.ok(h, `hover on ${needle}`);
    return (h.contents as MarkupContent).value;
  };

  test('hover on a tag: display, C constant, ULONG, the ed line, every site', async () => {
    const text = await hover("'Abc ');\n    if (buf == NULL)", 2);
    assert.match(text, /Abc /);
    assert.ok(text.includes("' cbA'"), 'C constant form, reversed');
    assert.ok(text.includes('0x20636241'), 'ULONG');
    assert.ok(text.includes('ed nt!poolhittag 0x20636241'), 'the ed command');
    // 'Abc ' appears at lines 14, 23 (allocations), 24, 31, 35 (frees): every site, by line.
    for (const line of [14, 23, 24, 31, 35]) assert.ok(text.includes(`line ${line}:`), `site at line ${line} in:\n${text}`);
  });

  test('hover on a tag shows its owner from poolscope.pooltagFile', async () => {
    client.settings = { pooltagFile: 'test/lsp/fixtures/pooltag.txt' };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const text = await hover("'Tron'", 2);
    client.settings = {};
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    assert.ok(text.includes('ed nt!poolhittag 0x6e6f7254'), text);
    assert.match(text, /Tron statistics block/);
  });

  test('hover on an API: prototype, IRQL rule, allocation and release', async () => {
    const text = await hover('ExAllocatePoolWithQuotaTag(', 3);
    assert.ok(text.includes('PVOID ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)'));
    assert.match(text, /IRQL\*\* <= DISPATCH_LEVEL/);
    assert.match(text, /quota/);
    assert.match(text, /released by ExFreePoolWithTag/);
  });

  test('hover on a routine: kind, IRQL, process context', async () => {
    const text = await hover('dpc TimerDpc;', 5);
    assert.ok(text.includes('dpc TimerDpc'));
    assert.match(text, /DISPATCH_LEVEL/);
    assert.match(text, /arbitrary/);
    const read = await hover('ReadDispatch {', 2);
    assert.ok(read.includes('dispatch IRP_MJ_READ ReadDispatch'));
    assert.match(read, /PASSIVE_LEVEL/);
    assert.match(read, /requesting process/);
  });

  test('hover on a list: its role and the routines that use it', async () => {
    const text = await hover('g_Pending;', 2);
    assert.ok(text.includes('list g_Pending'));
    assert.match(text, /Declared at line 7/);
    assert.match(text, /ReadDispatch: line 19/);
    assert.match(text, /TimerDpc: line 30/);
    assert.match(text, /DriverUnload: line 35/);
  });

  const complete = async (text: string, uri: string, needle: string, delta: number): Promise<CompletionItem[]> => {
    const r = (await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: positionOf(text, needle, delta) })) as CompletionList;
    return r.items;
  };

  test('completion: the right candidates in each position', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-completion.drvm`).href;
    const text = LEAKY_TEXT.replace(
      'unload DriverUnload {',
      'unload DriverUnload {\n    KeInsertQueueDpc();\n    w = IoAllocateWorkItem();\n    IoQueueWorkItem(w, );\n    x = ExAllocatePool2(, 8, );\n    y = ExAllocatePoolWithTag(, 8, \'\');\n    ExFreePool(y);\n    ExFreePool(x);\n    \n',
    ).replace('dpc TimerDpc {', 'workitem Worker(w) {\n    IoFreeWorkItem(w);\n}\n\ndpc TimerDpc {') + '\nscenario more {\n    load;\n    dpc ;\n    irp ;\n    \n}\n';
    await client.open(uri, text);
    await client.diagnosticsFor(uri, 1);
    const labels = (items: CompletionItem[]): string[] => items.map((i) => i.label);

    const dpcArg = labels(await complete(text, uri, 'KeInsertQueueDpc(', 17));
    assert.deepEqual(dpcArg, ['TimerDpc']);
    const workArg = labels(await complete(text, uri, 'IoQueueWorkItem(w, ', 19));
    assert.deepEqual(workArg, ['Worker']);
    const flags = labels(await complete(text, uri, 'ExAllocatePool2(, 8', 16));
    assert.ok(flags.includes('POOL_FLAG_NON_PAGED') && flags.includes('POOL_FLAG_USE_QUOTA'));
    const types = labels(await complete(text, uri, 'ExAllocatePoolWithTag(, 8', 22));
    assert.deepEqual(types.sort(), ['NonPagedPool', 'NonPagedPoolExecute', 'NonPagedPoolNx', 'PagedPool']);
    const tags = labels(await complete(text, uri, "ExAllocatePoolWithTag(, 8, ''", 28));
    assert.ok(tags.includes("'Abc '") && tags.includes("'Tron'") && tags.includes("'Ctx '"), tags.join());
    const dpcStep = labels(await complete(text, uri, '    dpc ;', 8));
    assert.deepEqual(dpcStep, ['TimerDpc']);
    const irpStep = labels(await complete(text, uri, '    irp ;', 8));
    assert.ok(irpStep.includes('IRP_MJ_READ') && irpStep.includes('IRP_MJ_WRITE'));
    const steps = labels(await complete(text, uri, '    irp ;\n    ', 14));
    for (const s of ['load', 'unload', 'irp', 'dpc', 'workitem', 'repeat', 'process', 'snapshot', 'hittag']) assert.ok(steps.includes(s), s);

    const statement = await complete(text, uri, 'ExFreePool(x);\n    ', 19);
    const pool2 = statement.find((i) => i.label === 'ExAllocatePool2')!;
    assert.ok(pool2, 'APIs at a statement start');
    assert.equal(pool2.insertTextFormat, 2);
    assert.equal(pool2.insertText, "ExAllocatePool2(${1:POOL_FLAG_NON_PAGED}, ${2:size}, '${3:Tag }')");
    assert.ok(statement.some((i) => i.label === 'foreach'));
    await client.close(uri);
  });

  test('completion after `dispatch` at top level offers IRP_MJ codes', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-dispatch.drvm`).href;
    const text = 'driver "D.sys";\ndispatch \n';
    await client.open(uri, text);
    const items = await complete(text, uri, 'dispatch ', 9);
    assert.equal(items.length, 28);
    assert.equal(items[0].label, 'IRP_MJ_CREATE');
    await client.close(uri);
  });

  test('signature help for an API and a helper', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-sig.drvm`).href;
    const text = 'routine Helper(p, q) { }\nentry E {\n    b = ExAllocatePool2(POOL_FLAG_PAGED, 16, \'Ab\n    Helper(b, \n}\n';
    await client.open(uri, text);
    await client.diagnosticsFor(uri, 1);
    const api = await client.connection.sendRequest(SignatureHelpRequest.type, { textDocument: { uri }, position: positionOf(text, "16, 'Ab", 4) });
    assert.ok(api);
    assert.equal(api.signatures[0].label, 'ExAllocatePool2(Flags, NumberOfBytes, Tag)');
    assert.equal(api.activeParameter, 2);
    const helper = await client.connection.sendRequest(SignatureHelpRequest.type, { textDocument: { uri }, position: positionOf(text, 'Helper(b, ', 10) });
    assert.equal(helper!.signatures[0].label, 'Helper(p, q)');
    assert.equal(helper!.activeParameter, 1);
    await client.close(uri);
  });

  test('go to definition and find references for a routine, a list and a local', async () => {
    const def = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: doc, position: positionOf(LEAKY_TEXT, 'dpc TimerDpc;', 6) })) as Location[];
    assert.equal(def.length, 1);
    assert.deepEqual(def[0].range.start, positionOf(LEAKY_TEXT, 'TimerDpc {'));

    const refs = (await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: doc,
      position: positionOf(LEAKY_TEXT, 'g_Pending;', 2),
      context: { includeDeclaration: true },
    })) as Location[];
    // Declared on line 7; used by push (19), pop (30) and foreach (35).
    assert.deepEqual(refs.map((r) => r.range.start.line + 1).sort((a, b) => a - b), [7, 19, 30, 35]);

    const local = (await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: doc,
      position: positionOf(LEAKY_TEXT, 'tmp = ', 1),
      context: { includeDeclaration: true },
    })) as Location[];
    assert.deepEqual(local.map((r) => r.range.start.line + 1), [23, 24, 24]);
  });

  test('find references on a tag lists every site using it', async () => {
    const refs = (await client.connection.sendRequest(ReferencesRequest.type, {
      textDocument: doc,
      position: positionOf(LEAKY_TEXT, "'Ctx ');\n}", 1),
      context: { includeDeclaration: true },
    })) as Location[];
    assert.deepEqual(refs.map((r) => r.range.start.line + 1), [10, 36]);
  });

  test('rename a routine everywhere; invalid names are refused', async () => {
    const pos = positionOf(LEAKY_TEXT, 'TimerDpc {', 2);
    const prep = await client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: doc, position: pos });
    assert.deepEqual(prep, { range: { start: positionOf(LEAKY_TEXT, 'TimerDpc {'), end: positionOf(LEAKY_TEXT, 'TimerDpc {', 8) }, placeholder: 'TimerDpc' });
    const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: doc, position: pos, newName: 'StatsDpc' })) as WorkspaceEdit;
    const edits = edit.changes![LEAKY_URI];
    assert.equal(edits.length, 2, 'declaration and the scenario step');
    const renamed = applyEdits(LEAKY_TEXT, edits);
    assert.ok(renamed.includes('dpc StatsDpc {') && renamed.includes('dpc StatsDpc;'));
    assert.ok(!renamed.includes('TimerDpc'));
    await assert.rejects(client.connection.sendRequest(RenameRequest.type, { textDocument: doc, position: pos, newName: '9lives' }), /not a valid name/);
    await assert.rejects(client.connection.sendRequest(RenameRequest.type, { textDocument: doc, position: pos, newName: 'ReadDispatch' }), /already declared/);
  });

  test('rename a tag renames every site; the new tag is validated', async () => {
    const pos = positionOf(LEAKY_TEXT, "'Abc ');\n    if (buf == NULL)", 2);
    const prep = await client.connection.sendRequest(PrepareRenameRequest.type, { textDocument: doc, position: pos });
    assert.equal((prep as { placeholder: string }).placeholder, 'Abc ');
    const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: doc, position: pos, newName: 'Rd01' })) as WorkspaceEdit;
    const edits = edit.changes![LEAKY_URI];
    assert.equal(edits.length, 5);
    const renamed = applyEdits(LEAKY_TEXT, edits);
    // The header comment mentions 'Abc ' too; comments are not code and stay as they are.
    assert.equal(renamed.split("'Rd01'").length - 1, 5);
    assert.equal(renamed.split("'Abc '").length - 1, 1);
    await assert.rejects(client.connection.sendRequest(RenameRequest.type, { textDocument: doc, position: pos, newName: 'TooLong' }), /longer than 4/);
    await assert.rejects(client.connection.sendRequest(RenameRequest.type, { textDocument: doc, position: pos, newName: 'Ab\u00e9' }), /printable ASCII/);
  });

  test('document symbols: routines with their kind, scenarios, globals, lists', async () => {
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: doc })) as DocumentSymbol[];
    const byName = new Map(symbols.map((s) => [s.name, s]));
    assert.equal(byName.get('TimerDpc')?.detail, 'dpc');
    assert.equal(byName.get('ReadDispatch')?.detail, 'dispatch IRP_MJ_READ');
    assert.equal(byName.get('g_Ctx')?.detail, 'global');
    assert.equal(byName.get('g_Pending')?.detail, 'list');
    assert.equal(byName.get('steady_reads')?.detail, 'scenario');
    assert.equal(byName.get('timer')?.detail, 'scenario');
  });

  test('folding ranges for routines, scenarios and nested blocks', async () => {
    const ranges = await client.connection.sendRequest(FoldingRangeRequest.type, { textDocument: doc });
    assert.ok(ranges);
    const starts = ranges.map((r) => r.startLine + 1);
    // ReadDispatch (13), its chance block (16), steady_reads (39), its process block (41), the header comment (1).
    for (const line of [13, 16, 39, 41, 1]) assert.ok(starts.includes(line), `fold at ${line}: ${starts.join()}`);
  });

  test('semantic tokens cover tags, routine kinds, routine names and APIs', async () => {
    const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: doc });
    assert.ok(tokens);
    const data = tokens.data;
    assert.equal(data.length % 5, 0);
    // Decode: [line, char, length, type, modifiers]
    const decoded: Array<[number, number, number, number, number]> = [];
    let line = 0;
    let ch = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      ch = data[i] === 0 ? ch + data[i + 1] : data[i + 1];
      decoded.push([line, ch, data[i + 2], data[i + 3], data[i + 4]]);
    }
    const at = (needle: string, delta = 0) => {
      const p = positionOf(LEAKY_TEXT, needle, delta);
      return decoded.find((t) => t[0] === p.line && t[1] === p.character);
    };
    assert.equal(at("'Ctx '")?.[3], 0, 'tag → string');
    assert.equal(at('dpc TimerDpc {')?.[3], 1, 'routine kind → keyword');
    assert.equal(at('TimerDpc {')?.[3], 2, 'routine name → function');
    assert.equal(at('ExAllocatePool2')?.[3], 2, 'API → function');
    assert.equal((at('ExAllocatePool2')![4] & 2) !== 0, true, 'API carries defaultLibrary');
  });

  test('code lenses above each scenario run it', async () => {
    const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: doc });
    assert.ok(lenses);
    assert.equal(lenses.length, 4);
    assert.deepEqual(lenses[0].command, { title: 'Run scenario', command: 'poolscope.runScenario', arguments: [LEAKY_URI, 'steady_reads'] });
    assert.deepEqual(lenses[1].command, { title: 'Run with PoolHitTag…', command: 'poolscope.runScenarioWithHitTag', arguments: [LEAKY_URI, 'steady_reads'] });
    assert.equal(lenses[0].range.start.line + 1, 39);
    assert.deepEqual(lenses[2].command?.arguments, [LEAKY_URI, 'timer']);
  });
});

test('untrusted workspace: poolscope.pooltagFile is not read', async () => {
  const { client } = await TestClient.start({ initializationOptions: { workspaceTrusted: false } });
  try {
    client.settings = { pooltagFile: 'test/lsp/fixtures/pooltag.txt' };
    await client.open(LEAKY_URI, LEAKY_TEXT);
    await client.diagnosticsFor(LEAKY_URI, 1);
    const h = (await client.connection.sendRequest(HoverRequest.type, { textDocument: doc, position: positionOf(LEAKY_TEXT, "'Tron'", 2) })) as Hover;
    const text = (h.contents as MarkupContent).value;
    assert.ok(text.includes('ed nt!poolhittag 0x6e6f7254'));
    assert.ok(!text.includes('Tron statistics block'), 'no owner from a file named by an untrusted workspace');
  } finally {
    await client.stop();
  }
});
