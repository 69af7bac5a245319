/**
 * `poolscope lsp --stdio`: the language server over stdin/stdout, for any LSP client (Neovim,
 * Emacs, Helix, Sublime). The same server as VS Code's, which starts it over IPC instead.
 */
import { CliError, type Command } from './io';

const USAGE = `usage: poolscope lsp --stdio

Runs the PoolScope language server over stdin/stdout (JSON-RPC with Content-Length headers).
Options:
  --stdio                 required: the transport
  --diagnostics-delay MS  debounce between the last edit and its diagnostics (default 50)
`;

export const lspCommand: Command = async (args, io) => {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  let delay: number | undefined;
  const rest = [...args];
  const i = rest.indexOf('--diagnostics-delay');
  if (i >= 0) {
    delay = Number(rest[i + 1]);
    if (!Number.isFinite(delay) || delay < 0) throw new CliError(`poolscope lsp: --diagnostics-delay needs a number of milliseconds\n${USAGE}`);
    rest.splice(i, 2);
  }
  const unknown = rest.filter((a) => a !== '--stdio' && !a.startsWith('--clientProcessId'));
  if (!rest.includes('--stdio') || unknown.length) {
    throw new CliError(`poolscope lsp: ${unknown.length ? `unknown option '${unknown[0]}'` : 'only --stdio is supported'}\n${USAGE}`);
  }
  const { createConnection, ProposedFeatures } = await import('vscode-languageserver/node');
  const { startServer } = await import('../lsp/server');
  const { guardedStdin, installProcessGuards, serverConnectionOptions } = await import('../lsp/transport');
  installProcessGuards();
  const report = (m: string): void => void process.stderr.write(m + '\n');
  const connection = createConnection(ProposedFeatures.all, guardedStdin(report), process.stdout, serverConnectionOptions);
  startServer(connection, { debounceMs: delay });
  // The server runs until the client sends `exit` (or closes stdin); never resolve.
  return new Promise<number>(() => undefined);
};
