/**
 * The one command-line option scanner of the sub-commands (`lint`, `simulate`): positional
 * arguments, `--` (everything after it is positional), `-` (standard input, positional),
 * `--name value` and `--name=value`, flags that take no value. Each command says what its
 * options mean; every misuse is a CliError (exit 2) built by the command's `usageError`, so the
 * messages stay the command's own.
 */
import type { CliError } from './io';

export interface OptionHandlers {
  /** The command's misuse error (exit 2), with its usage line. */
  usageError(message: string): CliError;
  /** A non-option argument (a file), `-`, or any argument after `--`. */
  positional(arg: string): void;
  /**
   * An option. `value()` takes its value — inline (`--seed=3`) or the next argument — or throws
   * `<name> needs a value`; `flag()` throws `<name> takes no value` when one was given inline.
   * Returns false for an option the command does not know.
   */
  option(name: string, value: () => string, flag: () => void): boolean;
  /**
   * Whether single-dash arguments are split at `=` like long ones (`-f=json`), or taken whole
   * (`-h=1` is then an unknown option).
   */
  splitShortOptions: boolean;
  /** How an unknown option is quoted in `unknown option '…'`: the whole argument, or its name before `=`. */
  unknownOption: 'argument' | 'name';
}

/** Scans `args` in order; throws the command's CliError at the first misuse. */
export function scanOptions(args: readonly string[], handlers: OptionHandlers): void {
  let onlyPositional = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (onlyPositional || !arg.startsWith('-') || arg === '-') {
      handlers.positional(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositional = true;
      continue;
    }
    const eq = handlers.splitShortOptions || arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined) throw handlers.usageError(`${name} needs a value`);
      i++;
      return next;
    };
    const flag = (): void => {
      if (inline !== undefined) throw handlers.usageError(`${name} takes no value`);
    };
    if (!handlers.option(name, value, flag)) {
      throw handlers.usageError(`unknown option '${handlers.unknownOption === 'argument' ? arg : name}'`);
    }
  }
}
