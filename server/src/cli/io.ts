/** Shared CLI plumbing: reading scripts, reporting usage errors without stack traces. */
import { readFileSync } from 'node:fs';

/** A failure that ends the command with a one-line message on stderr and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 2,
  ) {
    super(message);
  }
}

/**
 * Reads a file as UTF-8. Bytes that are not UTF-8 become U+FFFD (cli.md: decoded with
 * replacement characters, not refused). A missing or unreadable file is a CliError (exit 2).
 */
export function readTextFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(e));
    throw new CliError(`poolscope: cannot read '${path}': ${why}`);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * Names, tags and strings in reports come from scripts and logs: printed raw, an ESC or BEL in
 * a driver name would drive the user's terminal. Control characters other than tab and
 * newline are shown as `\uNNNN` instead — the form JSON uses, so JSON output stays valid and
 * decodes to the same text (JSON.stringify escapes C0 itself but leaves DEL and C1 raw).
 */
export function escapeControlCharacters(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const processIO: CommandIO = {
  stdout: (t) => process.stdout.write(escapeControlCharacters(t)),
  stderr: (t) => process.stderr.write(escapeControlCharacters(t)),
};

/** One CLI sub-command. Returns the exit code; throws CliError for usage problems. */
export type Command = (args: string[], io: CommandIO) => Promise<number> | number;
