/**
 * Routines compiled into closures, once per run (simulator.md, "Execution model"): names are
 * resolved to slots, helper calls to their target, API calls to their pool behaviour
 * (apiCalls.ts). Executing a statement is then a few property reads, one counter increment and
 * one comparison against the machine's `nextCheck` (engine.ts: the earliest of the step budget,
 * the next progress/cancel poll and the next timeline sample).
 */
import { forEachStatement } from '../analysis/walk';
import type * as Ast from '../ast';
import type { SymbolTable } from '../symbols';
import { compileApiCall } from './apiCalls';
import type { Machine, RoutineCompilation } from './machine';
import { PointerList } from './pointerList';
import { NULL_HANDLE as NULL_POINTER } from './poolTracker';
import type { PoolOperations } from './poolOps';
import type { SeededRandom } from './prng';
import { Activation, CompiledRoutine, repeatCount, type Eval, type Exec, type Value } from './routine';
import { SiteFrame } from './stack';

/** NULL, module-local: compiled closures must not go through an import getter per call. */
const NULL_HANDLE = NULL_POINTER;

export class RoutineCompiler implements RoutineCompilation {
  readonly routines = new Map<Ast.Routine, CompiledRoutine>();
  private readonly globals: Value[] = [];
  private readonly globalSlots = new Map<string, number>();
  private readonly lists = new Map<string, PointerList>();

  constructor(
    /** The machine the compiled code runs on (steps, budget, IRQL, nested calls, queue). */
    readonly m: Machine,
    readonly pool: PoolOperations,
    private readonly rng: SeededRandom,
    private readonly script: Ast.Script,
    private readonly symbols: SymbolTable,
    /** `Leaky` in `Leaky!ReadDispatch`. */
    private readonly module: string,
  ) {}

  compileProgram(): void {
    for (const g of this.script.globals) {
      for (const id of g.names) {
        if (!this.globalSlots.has(id.name)) {
          this.globalSlots.set(id.name, this.globals.length);
          this.globals.push(NULL_HANDLE);
        }
      }
    }
    for (const l of this.script.lists) for (const id of l.names) if (!this.lists.has(id.name)) this.lists.set(id.name, new PointerList());

    for (const r of this.script.routines) {
      const slots = new Map<string, number>();
      const paramSlots: number[] = [];
      for (const p of r.params) {
        if (!slots.has(p.name)) slots.set(p.name, slots.size);
        paramSlots.push(slots.get(p.name)!);
      }
      const declare = (name: string): void => {
        if (!slots.has(name) && !this.globalSlots.has(name)) slots.set(name, slots.size);
      };
      // Locals need no declaration: every name a statement assigns is one (unless it is a global).
      forEachStatement(r.body, (s) => {
        if (s.type === 'assign') declare(s.target.name);
        else if (s.type === 'foreach') declare(s.variable.name);
        else if (s.type === 'error' && s.assigns) declare(s.assigns.name);
      });
      const compiled = new CompiledRoutine(r, `${this.module}!${r.name.name}`, slots, paramSlots);
      compiled.slotCount = slots.size;
      this.routines.set(r, compiled);
    }
    for (const cr of this.routines.values()) cr.body = this.compileBlock(cr.routine.body, cr);
  }

  routineByName(name: string): CompiledRoutine | undefined {
    const r = this.symbols.routines.get(name);
    return r ? this.routines.get(r) : undefined;
  }

  /** The routine an API argument names (`KeInsertQueueDpc(R)`, `IoQueueWorkItem(w, R)`, …). */
  routineArg(arg: Ast.Argument | undefined): CompiledRoutine | undefined {
    return arg && arg.type === 'identifier' ? this.routineByName(arg.name) : undefined;
  }

  private reader(name: string, cr: CompiledRoutine): Eval {
    if (name === 'NULL') return () => NULL_HANDLE;
    const slot = cr.slots.get(name);
    if (slot !== undefined) return (a) => a.locals[slot];
    const g = this.globalSlots.get(name);
    if (g !== undefined) {
      const globals = this.globals;
      return () => globals[g];
    }
    return () => NULL_HANDLE;
  }

  private writer(name: string, cr: CompiledRoutine): (a: Activation, v: Value) => void {
    const slot = cr.slots.get(name);
    if (slot !== undefined) return (a, v) => void (a.locals[slot] = v);
    const g = this.globalSlots.get(name);
    if (g !== undefined) {
      const globals = this.globals;
      return (_a, v) => void (globals[g] = v);
    }
    return () => undefined;
  }

  /** The pointer an argument passes: a local, parameter or global; anything else is NULL. */
  argReader(arg: Ast.Argument | undefined, cr: CompiledRoutine): Eval {
    if (arg && arg.type === 'identifier') return this.reader(arg.name, cr);
    return () => NULL_HANDLE;
  }

  private compileBlock(block: Ast.Block, cr: CompiledRoutine): Exec {
    const body = block.statements.map((s) => this.compileStatement(s, cr)).filter((e): e is Exec => e !== null);
    switch (body.length) {
      case 0:
        return () => 0;
      case 1:
        return body[0];
      case 2: {
        const [s0, s1] = body;
        return (a) => s0(a) || s1(a);
      }
      default:
        return (a) => {
          for (let i = 0; i < body.length; i++) if (body[i](a)) return 1;
          return 0;
        };
    }
  }

  /** Compiles one statement; `null` for statements that contribute nothing (parse errors). */
  private compileStatement(s: Ast.Statement, cr: CompiledRoutine): Exec | null {
    const m = this.m;
    const line = s.range.start.line;
    const col = s.range.start.column;
    switch (s.type) {
      case 'block':
        // A block only groups statements; it is not counted itself.
        return this.compileBlock(s, cr);
      case 'assign': {
        const set = this.writer(s.target.name, cr);
        const value = this.compileExpression(s.value, cr);
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          set(a, value(a));
          return 0;
        };
      }
      case 'callStatement': {
        const call = this.compileCall(s.call, cr);
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          call(a);
          return 0;
        };
      }
      case 'push': {
        const list = this.lists.get(s.list.name);
        const value = this.reader(s.value.name, cr);
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          list?.push(value(a));
          return 0;
        };
      }
      case 'foreach': {
        const list = this.lists.get(s.list.name);
        const set = this.writer(s.variable.name, cr);
        const body = this.compileBlock(s.body, cr);
        const bodyLine = s.body.range.start.line;
        const bodyCol = s.body.range.start.column;
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          if (!list) return 0;
          // The list is emptied first: pointers pushed by the body stay for later.
          const items = list.take();
          for (let i = 0; i < items.length; i++) {
            if (++m.steps >= m.nextCheck) m.checkpoint(bodyLine, bodyCol);
            set(a, items[i]);
            if (body(a)) return 1;
          }
          return 0;
        };
      }
      case 'if': {
        const test = this.compileCondition(s.condition, cr);
        const then = this.compileStatement(s.then, cr) ?? (() => 0);
        const otherwise = s.else ? (this.compileStatement(s.else, cr) ?? (() => 0)) : null;
        if (otherwise) {
          return (a) => {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
            return test(a) ? then(a) : otherwise(a);
          };
        }
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          return test(a) ? then(a) : 0;
        };
      }
      case 'repeat': {
        const count = repeatCount(s.count.value);
        const body = this.compileBlock(s.body, cr);
        const bodyLine = s.body.range.start.line;
        const bodyCol = s.body.range.start.column;
        if (s.body.statements.every((st) => st.type === 'error')) {
          return () => {
            if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
            m.skipEmptyIterations(count, bodyLine, bodyCol);
            return 0;
          };
        }
        return (a) => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          // Every iteration counts, even of an empty body: `repeat 1e18 {}` meets the budget.
          for (let i = 0; i < count; i++) {
            if (++m.steps >= m.nextCheck) m.checkpoint(bodyLine, bodyCol);
            if (body(a)) return 1;
          }
          return 0;
        };
      }
      case 'return':
        return () => {
          if (++m.steps >= m.nextCheck) m.checkpoint(line, col);
          return 1;
        };
      case 'error':
        return null;
    }
  }

  private compileCondition(c: Ast.Condition, cr: CompiledRoutine): (a: Activation) => boolean {
    if (c.type === 'chance') {
      const pct = c.percent.value;
      const rng = this.rng;
      return () => rng.chance(pct);
    }
    const read = this.reader(c.variable.name, cr);
    return c.operator === '==' ? (a) => read(a) === NULL_HANDLE : (a) => read(a) !== NULL_HANDLE;
  }

  private compileExpression(e: Ast.Expression, cr: CompiledRoutine): Eval {
    switch (e.type) {
      case 'null':
        return () => NULL_HANDLE;
      case 'identifier':
        return this.reader(e.name, cr);
      case 'pop': {
        const list = this.lists.get(e.list.name);
        return list ? () => list.pop() : () => NULL_HANDLE;
      }
      case 'call':
        return this.compileCall(e, cr);
    }
  }

  private compileCall(call: Ast.Call, cr: CompiledRoutine): Eval {
    const resolved = this.symbols.resolveCall(call);
    if (resolved.kind === 'helper') return this.compileHelperCall(call, cr, resolved.routine);
    if (resolved.kind === 'api') return compileApiCall(this, call, cr, resolved.api);
    return () => NULL_HANDLE;
  }

  private compileHelperCall(call: Ast.Call, cr: CompiledRoutine, routine: Ast.Routine): Eval {
    const target = this.routines.get(routine);
    if (!target) return () => NULL_HANDLE;
    const args = call.args.map((arg) => this.argReader(arg, cr));
    const frame = new SiteFrame(cr.frame, call.range.start.line);
    const line = call.range.start.line;
    const col = call.range.start.column;
    const m = this.m;
    return (a) => {
      const values = args.length === 0 ? null : args.map((r) => r(a));
      m.invoke(target, frame.at(a.base), a.process, a.inDpc, values, line, col);
      // Routines return no value: `x = Helper();` stores NULL.
      return NULL_HANDLE;
    };
  }
}
