/**
 * Scenario steps compiled into closures (language.md, "Scenarios"): each step runs one routine
 * at its kind's IRQL and in its process context, then the DPCs and work items it queued.
 *
 * | step | IRQL | process | system frames (frames.ts) |
 * |---|---|---|---|
 * | `load` | PASSIVE_LEVEL | System | `nt!IopLoadDriver` |
 * | `unload` | PASSIVE_LEVEL | System | `nt!IopUnloadDriver`; then queued work, then the unload checks |
 * | `irp IRP_MJ_X` | PASSIVE_LEVEL | the enclosing `process`, else System | `nt!IofCallDriver`, `nt!Nt…` |
 * | `dpc X` | DISPATCH_LEVEL | the enclosing `process`, else Idle | `nt!KiExecuteAllDpcs`, `nt!KiRetireDpcList` |
 * | `workitem X` | PASSIVE_LEVEL | System | `nt!IopProcessWorkItem`, `nt!ExpWorkerThread` |
 * | `call X` | PASSIVE_LEVEL | the enclosing `process`, else System | none; parameters NULL |
 *
 * Every step counts one step of the budget (and every iteration of a `repeat`).
 */
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from '../apis';
import type * as Ast from '../ast';
import { padTag } from '../poolTag';
import type { SymbolTable } from '../symbols';
import { SimulationError } from './contract';
import type { Machine, RoutineCompilation } from './machine';
import { repeatCount, type CompiledRoutine } from './routine';

type Step = () => void;

/** Module-local copies: the step closures must not go through import getters on every run. */
const PASSIVE = PASSIVE_LEVEL;
const DISPATCH = DISPATCH_LEVEL;

export class ScenarioCompiler {
  constructor(
    private readonly m: Machine,
    private readonly routines: RoutineCompilation,
    private readonly symbols: SymbolTable,
  ) {}

  compileSteps(steps: readonly Ast.ScenarioStep[]): Step | null {
    const compiled = steps.map((s) => this.compileStep(s)).filter((e): e is Step => e !== null);
    if (compiled.length === 0) return null;
    if (compiled.length === 1) return compiled[0];
    return () => {
      for (let i = 0; i < compiled.length; i++) compiled[i]();
    };
  }

  private compiled(routine: Ast.Routine | undefined): CompiledRoutine | undefined {
    return routine && this.routines.routines.get(routine);
  }

  /** Compiles one scenario step; every step counts one step of the budget. */
  private compileStep(step: Ast.ScenarioStep): Step | null {
    const m = this.m;
    const frames = m.frames;
    const line = step.range.start.line;
    const column = step.range.start.column;
    /** A step that starts a routine: runs it, then the DPCs and work items it queued. */
    const routineStep = (target: CompiledRoutine | undefined, start: (target: CompiledRoutine) => void): Step => {
      if (!target) {
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
        };
      }
      return () => {
        if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
        start(target);
        if (m.queueHead < m.queue.length) m.drainQueue(line, column);
      };
    };
    switch (step.type) {
      case 'load': {
        const entry = this.compiled(this.symbols.entry);
        if (!entry) {
          return () => {
            throw new SimulationError('cannot-run', `no entry routine for 'load' at ${m.file}:${line}`, line, column);
          };
        }
        return routineStep(entry, (r) => m.runTop(r, frames.load, m.system, false, PASSIVE, null, line, column));
      }
      case 'unload': {
        const unload = this.compiled(this.symbols.unload);
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          if (unload) m.runTop(unload, frames.unload, m.system, false, PASSIVE, null, line, column);
          // Work the unload routine queued runs before Pool Tracking's unload checks.
          if (m.queueHead < m.queue.length) m.drainQueue(line, column);
          m.pool.unloadChecks(frames.unloadCheck);
        };
      }
      case 'irp': {
        const target = this.compiled(this.symbols.dispatch.get(step.major.name));
        const base = frames.irp(step.major.name);
        return routineStep(target, (r) => m.runTop(r, base, m.scenarioProcess ?? m.system, false, PASSIVE, null, line, column));
      }
      case 'dpc': {
        const target = this.routines.routineByName(step.routine.name);
        return routineStep(target, (r) => m.runTop(r, frames.dpc, m.scenarioProcess ?? m.idle, true, DISPATCH, null, line, column));
      }
      case 'workitem': {
        const target = this.routines.routineByName(step.routine.name);
        return routineStep(target, (r) => m.runTop(r, frames.ioWorkItem, m.system, false, PASSIVE, null, line, column));
      }
      case 'call': {
        const target = this.routines.routineByName(step.routine.name);
        // A callback with no IRP of its own: PASSIVE, the current process, NULL
        // parameters, and no system frames below it.
        return routineStep(target, (r) => m.runTop(r, frames.callback, m.scenarioProcess ?? m.system, false, PASSIVE, null, line, column));
      }
      case 'repeat': {
        const n = repeatCount(step.count.value);
        const body = this.compileSteps(step.steps);
        if (!body) {
          return () => {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
            m.skipEmptyIterations(n, line, column);
          };
        }
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          // Every iteration counts one step, on top of the steps it runs.
          for (let i = 0; i < n; i++) {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
            body();
          }
        };
      }
      case 'process': {
        const p = m.tracker.process(step.name.value);
        const body = this.compileSteps(step.steps);
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          const saved = m.scenarioProcess;
          p.shown = true;
          m.scenarioProcess = p;
          body?.();
          m.scenarioProcess = saved;
        };
      }
      case 'snapshot': {
        const label = step.label ? step.label.value : null;
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          m.timeline.snapshot(m.steps, label);
        };
      }
      case 'hittag': {
        const tag = step.tag ? (step.tag.value ?? padTag(step.tag.raw)) : null;
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, column);
          m.tracker.setHitTag(tag);
        };
      }
      case 'error':
        return null;
    }
  }
}
