// The server survives what real clients and real files throw at it: malformed JSON-RPC,
// requests for documents it never saw, handler failures, hostile text, importLog errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  ReferencesRequest,
  RenameRequest,
  SemanticTokensRequest,
} from 'vscode-languageserver-protocol/node';
import { GetHitTagRequest, ImportLogRequest } from '../../server/src/protocol';
import { ROOT, TestClient, withTimeout } from './client';

describe('robustness', () => {
  let client: TestClient;
  before(async () => {
    ({ client } = await TestClient.start());
  });
  after(async () => client.stop());

  const alive = async (): Promise<void> => {
    const state = await withTimeout(client.connection.sendRequest(GetHitTagRequest, undefined), 3000, 'a request after the bad input');
    assert.equal(state.tag, null);
    assert.equal(client.process.exitCode, null);
  };

  test('a body that is not JSON does not kill the server', async () => {
    const body = '{"jsonrpc":"2.0","id":99,"method":"textDocument/hover", this is not json';
    client.process.stdin!.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await alive();
  });

  test('a corrupt header (none, or a non-numeric Content-Length) costs that message, not the session', async () => {
    client.process.stdin!.write('Garbage-Header: 1\r\n\r\n');
    await alive();
    client.process.stdin!.write('Content-Length: xyz\r\n\r\n{}');
    await alive();
    client.process.stdin!.write('random bytes without any header at all\n');
    await alive();
    await client.waitForStderr(/skipped \d+ bytes of malformed input \(a header without a valid Content-Length\)/);
  });

  test('a valid JSON message that is not JSON-RPC, and an unknown method, are answered or ignored', async () => {
    const junk = '{"hello":"world"}';
    client.process.stdin!.write(`Content-Length: ${Buffer.byteLength(junk)}\r\n\r\n${junk}`);
    await assert.rejects(client.connection.sendRequest('poolscope/noSuchThing', {}), (e: { code?: number }) => e.code === -32601);
    await alive();
  });

  test('requests for a document the server never saw are answered gracefully', async () => {
    const textDocument = { uri: 'file:///never/opened.drvm' };
    const position = { line: 0, character: 0 };
    assert.equal(await client.connection.sendRequest(HoverRequest.type, { textDocument, position }), null);
    assert.equal(await client.connection.sendRequest(CompletionRequest.type, { textDocument, position }), null);
    assert.equal(await client.connection.sendRequest(DefinitionRequest.type, { textDocument, position }), null);
    assert.equal(await client.connection.sendRequest(ReferencesRequest.type, { textDocument, position, context: { includeDeclaration: true } }), null);
    assert.equal(await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument }), null);
    assert.deepEqual(await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument }), { data: [] });
    assert.equal(
      await client.connection.sendRequest(CodeActionRequest.type, { textDocument, range: { start: position, end: position }, context: { diagnostics: [] } }),
      null,
    );
    await assert.rejects(client.connection.sendRequest(RenameRequest.type, { textDocument, position, newName: 'x' }), /can be renamed/);
    await alive();
  });

  test('malformed params make one request fail with an error, not the server', async () => {
    await assert.rejects(client.connection.sendRequest(HoverRequest.type, { textDocument: null, position: null } as never), (e: { code?: number }) => typeof e.code === 'number');
    const noText = await client.connection.sendRequest(ImportLogRequest, null as never);
    assert.equal(noText.format, 'unknown');
    assert.match(noText.error!.message, /no .* output found/);
    await alive();
  });

  test('hostile text: every request over it is answered', async () => {
    const uri = pathToFileURL(`${ROOT}/test/lsp/fixtures-hostile.drvm`).href;
    const text = '{'.repeat(2000) + "\n'\u0000\u{1F4A9}' scenario \"x\" { dpc ; irp ; hittag ' '; }\n/* unterminated " + "routine R(".repeat(200);
    await client.open(uri, text);
    const d = await client.diagnosticsFor(uri, 1, 20000);
    assert.ok(d.diagnostics.some((x) => x.code === 'syntax-error'));
    for (let line = 0; line < 3; line++) {
      for (const character of [0, 1, 5, 20]) {
        const position = { line, character };
        await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
        await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
        await client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position, context: { includeDeclaration: true } });
      }
    }
    await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
    await client.close(uri);
    await alive();
  });

  test('importLog: a real capture, a diff, and unrecognised text named by line', async () => {
    const before = ` Sorting by Tag

  Pool Used:
            NonPaged            Paged
 Tag    Allocs     Used    Allocs     Used
 Abc         0        0        10    40960
`;
    const afterText = before.replace('10    40960', '30   122880');
    const one = await client.connection.sendRequest(ImportLogRequest, { text: before });
    assert.equal(one.error, undefined);
    assert.equal(one.format, 'poolused');
    assert.equal(one.rows[0].tag, 'Abc ');
    assert.equal(one.rows[0].paged.used, 40960);
    const two = await client.connection.sendRequest(ImportLogRequest, { text: before, after: afterText });
    assert.deepEqual(two.diff?.[0], { tag: 'Abc ', pagedBytes: 81920, nonPagedBytes: 0, pagedAllocs: 20, nonPagedAllocs: 0 });
    const bad = await client.connection.sendRequest(ImportLogRequest, { text: 'hello\nworld\n' });
    assert.equal(bad.format, 'unknown');
    assert.deepEqual(bad.rows, []);
    assert.equal(bad.error?.line, 1);
    assert.match(bad.error!.message, /line 1/);
  });

  test('the server exits on shutdown + exit', async () => {
    const { client: other } = await TestClient.start();
    await other.stop();
    assert.equal(await withTimeout(other.exited, 3000, 'exit'), 0);
  });
});
