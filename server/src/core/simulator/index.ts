/**
 * The pool simulator (simulator.md): runs one scenario of a driver model script the way a
 * machine with Driver Verifier's Pool Tracking would run the driver, and returns exactly the
 * `simulate --json` object of cli.md. Pure and deterministic: no I/O, no clock.
 */
import type { Script } from '../ast';
import type { Diagnostic } from '../diagnostics';
import type { SymbolTable } from '../symbols';
import { SimulationError, type SimulationOptions } from './contract';
import { Simulation } from './engine';
import type { SimulationResult } from './result';

export {
  DEFAULT_MAX_HITS,
  DEFAULT_MAX_STEPS,
  MAX_CALL_DEPTH,
  PROGRESS_INTERVAL,
  SimulationError,
  type SimulationErrorKind,
  type SimulationOptions,
} from './contract';
export { formatAddress, formatParameter } from './address';
export type * from './result';

/** Rules whose findings mean the script cannot run at all (cli.md: exit 2, no scenario runs). */
export const STRUCTURAL_RULES: ReadonlySet<string> = new Set([
  'syntax-error',
  'unknown-name',
  'duplicate-name',
  'wrong-kind',
  'invalid-tag',
  'bad-argument',
]);

/** The findings that keep a script from running, in source order (empty: it can run). */
export function runnableErrors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .filter((d) => STRUCTURAL_RULES.has(d.rule) && d.severity === 'error')
    .sort((a, b) => a.range.start.offset - b.range.start.offset);
}

/** True when no structural error keeps the script from running. */
export function canRun(diagnostics: readonly Diagnostic[]): boolean {
  return runnableErrors(diagnostics).length === 0;
}

/** Names of the script's scenarios, in source order. */
export function scenarioNames(script: Script): string[] {
  return script.scenarios.map((s) => s.name);
}

/**
 * Runs `options.scenario` (default: the first scenario). Returns the result at the end of the
 * run or at the first bug check; throws SimulationError when the run cannot start or is
 * stopped by its step budget, the recursion limit or cancellation.
 */
export function simulate(script: Script, symbols: SymbolTable, options: SimulationOptions = {}): SimulationResult {
  const file = options.file ?? '<script>';
  const names = scenarioNames(script);
  if (names.length === 0) throw new SimulationError('no-scenario', `${file}: the script has no scenario to run`);
  const scenario =
    options.scenario === undefined ? script.scenarios[0] : script.scenarios.find((s) => s.name === options.scenario);
  if (!scenario) {
    throw new SimulationError(
      'no-scenario',
      `${file}: no scenario named '${options.scenario}' (available: ${names.join(', ')})`,
    );
  }
  return new Simulation(script, symbols, options).run(scenario);
}
