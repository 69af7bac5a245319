/**
 * Server entry (dist/server.js). The transport comes from the command line, as
 * vscode-languageclient passes it: `--node-ipc` when the VS Code client forks the server,
 * `--stdio` for any other editor (also `poolscope lsp --stdio`), `--socket=N`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { installProcessGuards, serverConnectionOptions } from './transport';

installProcessGuards();
const connection = createConnection(ProposedFeatures.all, serverConnectionOptions);
startServer(connection);
