/**
 * `poolscope lint <file.drvm>... [--format text|json|sarif] [--rule name=severity]... [--max-warnings N]`
 * [--baseline FILE] [--write-baseline FILE]` (cli.md; baselines: baseline.ts, docs/ci.md).
 * Exit codes, as ESLint's: 0 clean; 1 any finding of severity `error` (syntax errors included)
 * or more warnings than --max-warnings; 2 bad usage, a file or baseline that cannot be read —
 * the other files are still linted and printed. With --baseline only new findings count.
 */
import type { ConfiguredSeverity } from '../core/diagnostics';
import { lint, validateRulesConfig } from '../core/linter';
import { newFindings, readBaseline, writeBaseline } from './baseline';
import { fingerprints } from './findingIdentity';
import { formatJson, formatText, type LintedFile } from './formatText';
import { CliError, readTextFile, type Command } from './io';
import { scanOptions } from './options';
import { formatSarif, type UnreadableFile } from './sarif';

export const LINT_USAGE = `usage: poolscope lint <file.drvm>... [options]

options:
  --format text|json|sarif   output format (default: text)
  --rule name=severity       set a rule's severity: off, hint, info, warning, error (repeatable)
  --max-warnings N           exit 1 when there are more than N warnings
  --baseline FILE            report and count only findings not in FILE (a previous
                             --format sarif or --format json output, or --write-baseline)
  --write-baseline FILE      write every finding of this run to FILE (JSON) as a baseline
`;

const SHORT_USAGE = 'usage: poolscope lint <file.drvm>... [--format text|json|sarif] [--rule name=severity]... [--max-warnings N] [--baseline FILE] [--write-baseline FILE]';

type Format = 'text' | 'json' | 'sarif';
const FORMATS: readonly Format[] = ['text', 'json', 'sarif'];

export interface LintArguments {
  files: string[];
  format: Format;
  rules: Record<string, ConfiguredSeverity>;
  maxWarnings: number | undefined;
  baseline: string | undefined;
  writeBaseline: string | undefined;
  help: boolean;
}

function usageError(message: string): CliError {
  return new CliError(`poolscope lint: ${message}\n${SHORT_USAGE}`, 2);
}

/** Parses the arguments after `lint`; throws CliError (exit 2) with a clear message on misuse. */
export function parseLintArguments(args: readonly string[]): LintArguments {
  const out: LintArguments = { files: [], format: 'text', rules: {}, maxWarnings: undefined, baseline: undefined, writeBaseline: undefined, help: false };
  const ruleSpecs: string[] = [];
  scanOptions(args, {
    usageError,
    splitShortOptions: true,
    unknownOption: 'argument',
    positional: (arg) => void out.files.push(arg),
    option: (name, value) => {
      switch (name) {
        case '--help':
        case '-h':
          out.help = true;
          return true;
        case '--format':
        case '-f': {
          const f = value();
          if (!FORMATS.includes(f as Format)) throw usageError(`unknown format '${f}' (use text, json or sarif)`);
          out.format = f as Format;
          return true;
        }
        case '--rule':
          ruleSpecs.push(value());
          return true;
        case '--max-warnings': {
          const v = value();
          if (!/^\d+$/.test(v)) throw usageError(`--max-warnings needs a whole number of warnings, not '${v}'`);
          out.maxWarnings = Number(v);
          return true;
        }
        case '--baseline':
          out.baseline = value();
          return true;
        case '--write-baseline':
          out.writeBaseline = value();
          return true;
        default:
          return false;
      }
    },
  });
  const config: Record<string, string> = {};
  for (const spec of ruleSpecs) {
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(spec.trim());
    if (!m) throw usageError(`--rule takes name=severity (e.g. --rule shared-tag=off), not '${spec}'`);
    config[m[1]] = m[2];
  }
  const { rules, problems } = validateRulesConfig(config);
  if (problems.length) throw usageError(`--rule: ${problems.map((p) => p.message).join('; ')}`);
  out.rules = rules;
  if (!out.help && out.files.length === 0) throw usageError('no files to lint');
  return out;
}

export const lintCommand: Command = (args, io) => {
  const options = parseLintArguments(args);
  if (options.help) {
    io.stdout(LINT_USAGE);
    return 0;
  }
  // Read first: a bad baseline is a usage error before any output.
  const baseline = options.baseline !== undefined ? readBaseline(options.baseline) : undefined;
  let linted: LintedFile[] = [];
  const unreadable: UnreadableFile[] = [];
  for (const file of options.files) {
    let text: string;
    try {
      text = readTextFile(file);
    } catch (e) {
      const message = e instanceof CliError ? e.message : `poolscope: cannot read '${file}': ${String(e)}`;
      io.stderr(message + '\n');
      unreadable.push({ file, message: message.replace(/^poolscope: /, '') });
      continue;
    }
    const result = lint(text, { file, rules: options.rules });
    for (const err of result.internalErrors ?? []) {
      // A rule that failed is one line, not a stack trace; its findings are missing from this file.
      io.stderr(`poolscope: internal error in rule ${err.rule} on '${file}': ${err.message}\n`);
    }
    linted.push({ file, diagnostics: result.diagnostics, fingerprints: fingerprints(text, result.script, result.diagnostics), text, script: result.script });
  }

  if (options.writeBaseline !== undefined) writeBaseline(options.writeBaseline, formatJson(linted));
  if (baseline) linted = newFindings(linted, baseline);

  switch (options.format) {
    case 'json':
      io.stdout(formatJson(linted));
      break;
    case 'sarif':
      io.stdout(formatSarif(linted, unreadable));
      break;
    default:
      io.stdout(formatText(linted));
  }

  if (unreadable.length) return 2;
  let errors = 0;
  let warnings = 0;
  for (const f of linted) {
    for (const d of f.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
    }
  }
  if (errors > 0) return 1;
  if (options.maxWarnings !== undefined && warnings > options.maxWarnings) {
    io.stderr(`poolscope lint: ${warnings} warnings, more than --max-warnings ${options.maxWarnings}\n`);
    return 1;
  }
  return 0;
};
