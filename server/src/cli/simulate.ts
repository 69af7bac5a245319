/**
 * `poolscope simulate <file.drvm> [options]` (cli.md): runs one scenario under the Pool Tracking
 * simulator and prints WinDbg-style reports or the `--json` object.
 *
 * Exit codes: 0 the run finished without a bug check; 1 a bug check; 2 bad usage, a file that
 * cannot be read, a script that cannot run (names file:line of its first structural error) or
 * a run stopped by its step budget or recursion limit. Always one line on stderr, never a
 * stack trace.
 */
import { parsePoolTag } from '../core/poolTag';
import { check } from '../core/checker';
import { parse } from '../core/parser';
import { lookupOwner, parsePoolTagFile, parseReportSpec, renderReports, type PoolTagDatabase } from '../core/reports';
import { runnableErrors, simulate, SimulationError, type SimulationOptions } from '../core/simulator';
import { CliError, readTextFile, type Command } from './io';
import { scanOptions } from './options';

export const SIMULATE_USAGE = `usage: poolscope simulate <file.drvm> [options]

options:
  --scenario NAME          scenario to run (default: the first one)
  --seed N                 seed of chance(...) and --low-resources (default: 1)
  --hit-tag TAG            PoolHitTag from the start: Tron, 'Abc ' or Abc (short tags are padded)
  --low-resources P        fail each allocation with probability P percent (seeded)
  --continue-on-bugcheck   record every bug check, skip the offending operation and go on
  --max-steps N            stop after N executed statements (default: 100000000)
  --json                   print the result as one JSON object
  --report SPEC            text report, repeatable (default: bugcheck then poolused:4):
                           poolused[:FLAGS[:PATTERN]]|poolfind:TAG|verifier|hits|quota|timeline|bugcheck|all
  --pooltag FILE           pooltag.txt with owner descriptions for !poolused
`;

const SHORT_USAGE =
  'usage: poolscope simulate <file.drvm> [--scenario NAME] [--seed N] [--hit-tag TAG] [--low-resources P] ' +
  '[--continue-on-bugcheck] [--max-steps N] [--json] [--report SPEC]... [--pooltag FILE]';

export interface SimulateArguments {
  file: string | undefined;
  scenario: string | undefined;
  seed: number;
  hitTag: string | null;
  lowResources: number;
  continueOnBugcheck: boolean;
  maxSteps: number | undefined;
  json: boolean;
  reports: string[];
  pooltag: string | undefined;
  help: boolean;
}

function usageError(message: string): CliError {
  return new CliError(`poolscope simulate: ${message}\n${SHORT_USAGE}`, 2);
}

/** Parses the arguments after `simulate`; throws CliError (exit 2) with a clear message on misuse. */
export function parseSimulateArguments(args: readonly string[]): SimulateArguments {
  const out: SimulateArguments = {
    file: undefined,
    scenario: undefined,
    seed: 1,
    hitTag: null,
    lowResources: 0,
    continueOnBugcheck: false,
    maxSteps: undefined,
    json: false,
    reports: [],
    pooltag: undefined,
    help: false,
  };
  scanOptions(args, {
    usageError,
    // `-h` is the only short option; `-x` and `-h=1` are unknown options, named whole.
    splitShortOptions: false,
    unknownOption: 'name',
    positional: (arg) => {
      if (out.file !== undefined) throw usageError(`one script at a time ('${out.file}' and '${arg}' given)`);
      out.file = arg;
    },
    option: (name, value, flag) => {
      switch (name) {
        case '--help':
        case '-h':
          out.help = true;
          return true;
        case '--scenario':
          out.scenario = value();
          return true;
        case '--seed': {
          const v = value();
          if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw usageError(`--seed needs a whole number from 0 to 4294967295, not '${v}'`);
          out.seed = Number(v);
          return true;
        }
        case '--hit-tag': {
          const t = parsePoolTag(value());
          if ('error' in t) throw usageError(`invalid --hit-tag: ${t.error}`);
          out.hitTag = t.display;
          return true;
        }
        case '--low-resources': {
          const v = value().replace(/%$/, '');
          const p = Number(v);
          if (!/^\d+(\.\d+)?$/.test(v) || !(p >= 0 && p <= 100)) {
            throw usageError(`--low-resources needs a percentage from 0 to 100, not '${v}'`);
          }
          out.lowResources = p;
          return true;
        }
        case '--continue-on-bugcheck':
          flag();
          out.continueOnBugcheck = true;
          return true;
        case '--max-steps': {
          const v = value();
          if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
            throw usageError(`--max-steps needs a positive whole number, not '${v}'`);
          }
          out.maxSteps = Number(v);
          return true;
        }
        case '--json':
          flag();
          out.json = true;
          return true;
        case '--report':
          out.reports.push(value());
          return true;
        case '--pooltag':
          out.pooltag = value();
          return true;
        default:
          return false;
      }
    },
  });
  return out;
}

export const simulateCommand: Command = (args, io) => {
  const options = parseSimulateArguments(args);
  if (options.help) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }
  if (options.file === undefined) throw usageError('no script given');
  // Every report spec is checked before anything runs: a typo must not cost a long run.
  for (const spec of options.reports) {
    try {
      parseReportSpec(spec);
    } catch (e) {
      throw usageError((e as Error).message);
    }
  }
  const file = options.file;
  const text = readTextFile(file);
  let pooltag: PoolTagDatabase | undefined;
  if (options.pooltag !== undefined) pooltag = parsePoolTagFile(readTextFile(options.pooltag));

  const parsed = parse(text);
  const checked = check(parsed.script);
  const blocking = runnableErrors([...parsed.diagnostics, ...checked.diagnostics]);
  if (blocking.length > 0) {
    const d = blocking[0];
    const more = blocking.length > 1 ? ` (and ${blocking.length - 1} more structural error${blocking.length > 2 ? 's' : ''})` : '';
    throw new CliError(
      `poolscope simulate: ${file}:${d.range.start.line}:${d.range.start.column}: ${d.rule}: ${d.message} — the script cannot run${more}`,
      2,
    );
  }

  const script = parsed.script;
  if (script.scenarios.length === 0) {
    // Named at the end of the script, where a scenario would go (cli.md: the message names file and line).
    throw new CliError(`poolscope simulate: ${file}:${script.range.end.line}: the script has no scenario to run`, 2);
  }
  if (options.scenario !== undefined && !script.scenarios.some((s) => s.name === options.scenario)) {
    const names = script.scenarios.map((s) => s.name).join(', ');
    throw new CliError(`poolscope simulate: ${file}: no scenario named '${options.scenario}' (available: ${names})`, 2);
  }

  const simulation: SimulationOptions = {
    file,
    scenario: options.scenario,
    seed: options.seed,
    hitTag: options.hitTag,
    lowResources: options.lowResources,
    continueOnBugcheck: options.continueOnBugcheck,
    maxSteps: options.maxSteps,
  };
  let result;
  try {
    result = simulate(script, checked.symbols, simulation);
  } catch (e) {
    if (e instanceof SimulationError) throw new CliError(`poolscope simulate: ${e.message}`, 2);
    throw e;
  }

  if (options.json) {
    if (pooltag) {
      for (const row of result.poolused) {
        const owner = lookupOwner(pooltag, row.tag);
        if (owner !== undefined) row.owner = owner;
      }
    }
    io.stdout(JSON.stringify(result, null, 2) + '\n');
  } else {
    const out = renderReports(result, options.reports, { pooltag, file });
    io.stdout(out.endsWith('\n') ? out : out + '\n');
  }
  const crashed = result.bugcheck !== null || (result.bugchecks?.length ?? 0) > 0;
  return crashed ? 1 : 0;
};
