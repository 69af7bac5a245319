/**
 * `poolscope logs <file>... [--json] [--diff before.txt after.txt]` (cli.md): reads real
 * `!poolused`, PoolMon, `!poolfind` and `kb` output into the shapes of `simulate --json`, reprints
 * it as a table, or prints the per-tag difference between two snapshots, largest growth first.
 * Unreadable files and unrecognised text exit 2 with one stderr line naming file and line.
 */
import {
  diffLogs,
  formatLogDiff,
  formatParsedStack,
  LogParseError,
  parseLog,
  type ParsedLog,
} from '../core/logs';
import { formatPoolFind, formatPoolMon, formatPoolUsed, POOLUSED_SORT_NONPAGED, POOLUSED_SORT_PAGED, POOLUSED_VERBOSE } from '../core/reports';
import { readFileSync } from 'node:fs';
import { CliError, readTextFile, type Command } from './io';

const USAGE = 'usage: poolscope logs <file>... [--json] | poolscope logs --diff <before.txt> <after.txt> [--json]   (file - reads stdin)';

const FORMAT_TITLES: Record<ParsedLog['format'], string> = {
  poolused: '!poolused',
  'poolused-verbose': '!poolused (verbose)',
  poolmon: 'PoolMon',
  poolfind: '!poolfind',
  kb: 'kb',
};

interface LogsArgs {
  files: string[];
  json: boolean;
  diff?: [string, string];
}

function parseArgs(args: readonly string[]): LogsArgs {
  const out: LogsArgs = { files: [], json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') out.json = true;
    else if (a === '--diff') {
      const before = args[i + 1];
      const after = args[i + 2];
      if (before === undefined || after === undefined || before.startsWith('--') || after.startsWith('--'))
        throw new CliError(`poolscope logs: --diff needs two files (before and after)\n${USAGE}`);
      out.diff = [before, after];
      i += 2;
    } else if (a === '--help' || a === '-h') throw new CliError(USAGE, 0);
    else if (a.startsWith('-') && a !== '-') throw new CliError(`poolscope logs: unknown option '${a}'\n${USAGE}`);
    else out.files.push(a);
  }
  if (out.diff && out.files.length > 0)
    throw new CliError(`poolscope logs: --diff takes exactly two files; remove '${out.files[0]}'\n${USAGE}`);
  if (!out.diff && out.files.length === 0) throw new CliError(`poolscope logs: no file given\n${USAGE}`);
  return out;
}

/** Reads and parses one file; every failure is a one-line CliError naming the file (and line). */
function readLog(file: string): ParsedLog {
  // `-` reads standard input, so a capture can be piped in (`pbpaste | poolscope logs -`).
  const text = file === '-' ? new TextDecoder('utf-8', { fatal: false }).decode(readFileSync(0)) : readTextFile(file);
  try {
    return parseLog(text);
  } catch (e) {
    if (e instanceof LogParseError) throw new CliError(`poolscope: ${file}:${e.line}: ${e.message.replace(/^line \d+: /, '')}`);
    throw e;
  }
}

/** The JSON object of one log: `{ file, format, poolused | blocks | frames, … }`. */
function logJson(file: string, log: ParsedLog): Record<string, unknown> {
  const out: Record<string, unknown> = { file, format: log.format };
  if (log.sort) out.sort = log.sort;
  if (log.rows) out.poolused = log.rows;
  if (log.tag !== undefined) out.tag = log.tag;
  if (log.blocks) out.blocks = log.blocks;
  if (log.frames) out.frames = log.frames;
  if (log.stacks) out.stacks = log.stacks;
  return out;
}

function logText(file: string, log: ParsedLog): string {
  const head = `${file}: ${FORMAT_TITLES[log.format]}\n`;
  switch (log.format) {
    case 'poolmon':
      return head + formatPoolMon(log.rows ?? []);
    case 'poolused':
    case 'poolused-verbose': {
      let flags = log.format === 'poolused' ? 0 : POOLUSED_VERBOSE;
      if (log.sort === 'paged') flags |= POOLUSED_SORT_PAGED;
      if (log.sort === 'nonPaged') flags |= POOLUSED_SORT_NONPAGED;
      return head + formatPoolUsed(log.rows ?? [], flags);
    }
    case 'poolfind':
      return head + formatPoolFind(log.blocks ?? [], log.tag ?? '*');
    case 'kb':
      return head + (log.stacks ?? [log.frames ?? []]).map(formatParsedStack).join('\n');
  }
}

export const logsCommand: Command = (args, io) => {
  const options = parseArgs(args);
  if (options.diff) {
    const [beforeFile, afterFile] = options.diff;
    const before = readLog(beforeFile);
    const after = readLog(afterFile);
    let diff;
    try {
      diff = diffLogs(before, after);
    } catch (e) {
      throw new CliError(`poolscope: ${(e as Error).message}`);
    }
    if (options.json) io.stdout(JSON.stringify({ before: beforeFile, after: afterFile, diff }, null, 2) + '\n');
    else io.stdout(`${beforeFile} -> ${afterFile}\n` + formatLogDiff(diff));
    return 0;
  }
  // Parse everything first: one bad file fails the command before anything is printed.
  const logs = options.files.map((file) => ({ file, log: readLog(file) }));
  if (options.json) {
    const body = logs.length === 1 ? logJson(logs[0].file, logs[0].log) : { files: logs.map((l) => logJson(l.file, l.log)) };
    io.stdout(JSON.stringify(body, null, 2) + '\n');
  } else {
    io.stdout(logs.map((l) => logText(l.file, l.log)).join('\n'));
  }
  return 0;
};
