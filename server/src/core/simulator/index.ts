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
import type { SimulationResult, SourceSite, StackFrame } from './result';

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

/**
 * Rules whose findings mean the script cannot run at all: exactly the list of cli.md (exit 2, no
 * scenario runs). Every other finding — `bad-argument` included — leaves a script the model can
 * run (a missing tag is `'None'`, a size that is no number is 0, flags naming no pool type are
 * non-paged, extra helper arguments are ignored): seeing what the run does is the point.
 */
export const STRUCTURAL_RULES: ReadonlySet<string> = new Set([
  'syntax-error',
  'unknown-name',
  'duplicate-name',
  'wrong-kind',
  'invalid-tag',
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
  const scenario = findScenario(script, options, options.file ?? '<script>');
  return new Simulation(script, symbols, options).run(scenario);
}

function findScenario(script: Script, options: SimulationOptions, file: string) {
  const names = scenarioNames(script);
  if (names.length === 0) throw new SimulationError('no-scenario', `${file}: the script has no scenario to run`);
  const scenario = options.scenario === undefined ? script.scenarios[0] : script.scenarios.find((s) => s.name === options.scenario);
  if (!scenario) {
    throw new SimulationError('no-scenario', `${file}: no scenario named '${options.scenario}' (available: ${names.join(', ')})`);
  }
  return scenario;
}

/** One run of a low-resources sweep: the Nth allocation failed, and what followed. */
export interface AllocationFailureOutcome {
  /** Which allocation failed (1-based, among those that can fail). */
  allocation: number;
  /** The allocating call that returned NULL, its tag and stack (driver frames first). */
  site: SourceSite;
  tag: string;
  stack: StackFrame[];
  /** The bug check the run ended with (code and P1), or null. */
  bugcheck: { code: string; subcode: string; name: string } | null;
  /** Blocks still outstanding at the end of the run. */
  outstanding: number;
  /** True when the outcome differs from the run without failures (a new bug check or more leaks). */
  differs: boolean;
}

export interface AllocationFailureSweep {
  /** Allocations (that can fail) in the run without failures. */
  allocations: number;
  baseline: { bugcheck: { code: string; subcode: string; name: string } | null; outstanding: number };
  /** One entry per failed allocation, in order (at most `maxRuns`). */
  runs: AllocationFailureOutcome[];
  /** True when there were more allocations than `maxRuns`. */
  truncated: boolean;
}

/**
 * Systematic low-resources runs (simulator.md, "Beyond the debugger"): fails the 1st, 2nd, …
 * Nth allocation in turn, one run each, and reports which failure leaves a leak or a bug check
 * that the run without failures does not have — the error paths nobody tests.
 */
export function sweepAllocationFailures(
  script: Script,
  symbols: SymbolTable,
  options: SimulationOptions = {},
  maxRuns = 1000,
): AllocationFailureSweep {
  const file = options.file ?? '<script>';
  const scenario = findScenario(script, options, file);
  const summary = (r: SimulationResult) =>
    r.bugcheck ? { code: r.bugcheck.code, subcode: r.bugcheck.params[0], name: r.bugcheck.name } : null;
  const base = new Simulation(script, symbols, { ...options, failAllocation: 0 });
  const baseResult = base.run(scenario);
  const baseline = { bugcheck: summary(baseResult), outstanding: baseResult.outstanding.length };
  const allocations = base.allocationAttempts;
  const runs: AllocationFailureOutcome[] = [];
  for (let n = 1; n <= allocations && n <= maxRuns; n++) {
    const sim = new Simulation(script, symbols, { ...options, failAllocation: n });
    const r = sim.run(scenario);
    const failed = sim.failedAllocation;
    if (!failed) break; // the run ended before its Nth allocation
    const bugcheck = summary(r);
    const sameBugcheck =
      (bugcheck === null && baseline.bugcheck === null) ||
      (bugcheck !== null && baseline.bugcheck !== null && bugcheck.code === baseline.bugcheck.code && bugcheck.subcode === baseline.bugcheck.subcode);
    runs.push({
      allocation: n,
      site: { line: failed.site.line, column: failed.site.column },
      tag: failed.tag,
      stack: failed.stack.toFrames(),
      bugcheck,
      outstanding: r.outstanding.length,
      differs: !sameBugcheck || r.outstanding.length > baseline.outstanding,
    });
  }
  return { allocations, baseline, runs, truncated: allocations > maxRuns };
}
