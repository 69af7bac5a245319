/**
 * `poolscope <command> ...` — the command line of cli.md. Each sub-command lives in its own
 * module; this file only dispatches and turns CliError into one line on stderr.
 */
import { CliError, processIO, type Command } from './io';

const USAGE = `usage: poolscope <command> [options]

commands:
  lint <file.drvm>...        lint scripts (--format text|json|sarif, --rule name=severity, --max-warnings N)
  simulate <file.drvm>       run a scenario under the Pool Tracking simulator
  logs <file>...             parse !poolused / PoolMon / !poolfind / kb text (--json, --diff before after)
  lsp --stdio                run the language server over stdio
`;

async function loadCommand(name: string): Promise<Command | undefined> {
  switch (name) {
    case 'lint':
      return (await import('./lint')).lintCommand;
    case 'simulate':
      return (await import('./simulate')).simulateCommand;
    case 'logs':
      return (await import('./logs')).logsCommand;
    case 'lsp':
      return (await import('./lsp')).lspCommand;
    default:
      return undefined;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? processIO.stdout : processIO.stderr)(USAGE);
    return name ? 0 : 2;
  }
  try {
    const command = await loadCommand(name);
    if (!command) throw new CliError(`poolscope: unknown command '${name}'\n${USAGE}`);
    return await command(rest, processIO);
  } catch (e) {
    if (e instanceof CliError) {
      processIO.stderr(e.message.endsWith('\n') ? e.message : e.message + '\n');
      return e.exitCode;
    }
    // An internal failure is still one clear line, never a stack trace (set POOLSCOPE_DEBUG=1 for one).
    processIO.stderr(`poolscope: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.POOLSCOPE_DEBUG) processIO.stderr(String((e as Error)?.stack) + '\n');
    return 2;
  }
}

/**
 * `poolscope … | head` closes the pipe early: that is not an error worth a stack trace. Exit
 * quietly with the code already decided (or 0).
 */
export function exitQuietlyOnBrokenPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw e;
    });
  }
}

if (require.main === module || process.env.POOLSCOPE_CLI_MAIN === '1') {
  exitQuietlyOnBrokenPipe();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 2;
    },
  );
}
