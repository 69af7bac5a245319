/** Runs a script through parse → check → simulate, refusing scripts with structural errors. */
import assert from 'node:assert/strict';
import { check } from '../../../server/src/core/checker';
import { parse } from '../../../server/src/core/parser';
import { runnableErrors, simulate, type SimulationOptions } from '../../../server/src/core/simulator';
import type { BugCheck, SimulationResult, StackFrame } from '../../../server/src/core/simulator/result';
import { addressValue } from '../../../server/src/core/simulator/address';

export function run(source: string, options: SimulationOptions = {}): SimulationResult {
  const parsed = parse(source);
  const checked = check(parsed.script);
  const blocking = runnableErrors([...parsed.diagnostics, ...checked.diagnostics]);
  assert.deepEqual(
    blocking.map((d) => `${d.rule} ${d.range.start.line}: ${d.message}`),
    [],
    'test script must be runnable',
  );
  return simulate(parsed.script, checked.symbols, { file: 'test.drvm', ...options });
}

export function frames(stack: StackFrame[]): string[] {
  return stack.map((f) => (f.line === undefined ? f.frame : `${f.frame}:${f.line}`));
}

/** `ffffc000`00010010` → `0xFFFFC00000010010`, the form bug-check parameters use. */
export function param(windbgAddress: string): string {
  return '0x' + windbgAddress.replace('`', '').toUpperCase();
}

export function bugcheckOf(result: SimulationResult): BugCheck {
  assert.ok(result.bugcheck, 'expected a bug check');
  return result.bugcheck;
}

export { addressValue };
