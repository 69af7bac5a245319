/**
 * Server entry (dist/server.js). The transport comes from the command line, as
 * vscode-languageclient passes it: `--node-ipc` when the VS Code client forks the server,
 * `--stdio` for any other editor (also `poolscope lsp --stdio`), `--socket=N`.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { guardedStdin, installProcessGuards, serverConnectionOptions } from './transport';

installProcessGuards();
const report = (m: string): void => void process.stderr.write(m + '\n');
const connection = process.argv.includes('--stdio')
  ? createConnection(ProposedFeatures.all, guardedStdin(report), process.stdout, serverConnectionOptions)
  : createConnection(ProposedFeatures.all, serverConnectionOptions);
startServer(connection);
