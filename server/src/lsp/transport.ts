/** Connection options and process-level safety nets shared by every way of starting the server. */
import { LSPErrorCodes, type ConnectionOptions, type Message, type ResponseMessage } from 'vscode-languageserver/node';
import { FrameGuard } from './framing';

/**
 * A request cancelled before it was dispatched is answered at once with RequestCancelled
 * instead of being run (the vscode-eslint pattern): a burst of hovers while a big file is
 * being analysed does not queue work nobody waits for.
 */
export const serverConnectionOptions: ConnectionOptions = {
  connectionStrategy: {
    cancelUndispatched: (message: Message): ResponseMessage | undefined => {
      const request = message as { id?: number | string | null; method?: string };
      if (request.id === undefined) return undefined;
      return {
        jsonrpc: '2.0',
        id: request.id,
        error: { code: LSPErrorCodes.RequestCancelled, message: `${request.method ?? 'request'} cancelled before it ran` },
      };
    },
  },
};

let installed = false;

/**
 * An exception that escapes a handler or a malformed message must not kill the server: log it
 * on stderr (never stdout — in stdio mode that is the protocol stream) and keep serving.
 */
export function installProcessGuards(): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (e) => {
    process.stderr.write(`poolscope: uncaught exception (server continues): ${e?.stack ?? String(e)}\n`);
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`poolscope: unhandled rejection (server continues): ${(e as Error)?.stack ?? String(e)}\n`);
  });
  // Stray console output must not corrupt a stdio protocol stream.
  console.log = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');
  console.info = console.log;
}

/** stdin behind a FrameGuard: a corrupt header costs one message, not the session. */
export function guardedStdin(report: (message: string) => void): NodeJS.ReadableStream {
  const guard = new FrameGuard(report);
  process.stdin.pipe(guard);
  return guard;
}
