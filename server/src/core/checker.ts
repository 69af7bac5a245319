/**
 * The binder and structural checker: builds the `SymbolTable` of a parsed script and reports
 * the structural rules of rules.md — `unknown-name`, `duplicate-name`, `wrong-kind`,
 * `invalid-tag`, `short-tag` — plus `bad-argument` (argument count and kinds against the
 * API table of `apis.ts`). Flow rules (leaks, frees, IRQL) live in `rules/`.
 *
 * Placement (rules.md): a duplicate sits on the second declaration's name, a wrong kind on
 * the reference, a tag finding on the tag literal including its quotes.
 *
 * Works on any tree the parser produced, including ones with syntax errors: nodes the parser
 * could not finish (`ErrorStatement`, `ErrorStep`, empty names) are skipped, so a syntax
 * error never drags a structural finding behind it.
 */
import {
  API_BY_NAME,
  IRP_MAJOR_FUNCTIONS,
  IRP_MAJOR_SET,
  IRQL_CONSTANTS,
  POOL_FLAG_BY_NAME,
  POOL_TYPE_BY_NAME,
  type ApiInfo,
  type ApiParameter,
} from './apis';
import type {
  Argument,
  Call,
  Identifier,
  Range,
  Routine,
  RoutineKind,
  Scenario,
  ScenarioStep,
  Script,
  Statement,
  TagLiteral,
} from './ast';
import type { Diagnostic, QuickFix, RuleName } from './diagnostics';
import type { ResolvedCall, SymbolTable } from './symbols';
import { quoteForMessage } from './lexer';
import { isTagCharacter } from './poolTag';

export interface CheckResult {
  symbols: SymbolTable;
  diagnostics: Diagnostic[];
}

type DeclaredKind = 'routine' | 'global' | 'list';

interface Declared {
  kind: DeclaredKind;
  id: Identifier;
  routine?: Routine;
}

const KIND_NOUN: Record<RoutineKind, string> = {
  entry: 'an entry routine',
  unload: 'an unload routine',
  dispatch: 'a dispatch routine',
  dpc: 'a dpc routine',
  completion: 'a completion routine',
  workitem: 'a workitem routine',
  routine: 'a helper routine',
};

export function check(script: Script): CheckResult {
  return new Checker(script).run();
}

class Checker {
  private readonly diagnostics: Diagnostic[] = [];
  private readonly names = new Map<string, Declared>();
  private readonly routines = new Map<string, Routine>();
  private readonly globals = new Map<string, Identifier>();
  private readonly lists = new Map<string, Identifier>();
  private readonly dispatch = new Map<string, Routine>();
  private readonly locals = new Map<Routine, Set<string>>();
  /** One resolution per callee name: a call resolves by its name alone (routine first, then API). */
  private readonly resolved = new Map<string, ResolvedCall>();
  private entry: Routine | undefined;
  private unload: Routine | undefined;

  constructor(private readonly script: Script) {}

  run(): CheckResult {
    this.declare();
    for (const r of this.script.routines) this.checkRoutine(r);
    for (const s of this.script.scenarios) this.checkSteps(s.steps, s);
    this.diagnostics.sort((a, b) => a.range.start.offset - b.range.start.offset || a.range.end.offset - b.range.end.offset);
    return { symbols: this.symbolTable(), diagnostics: this.diagnostics };
  }

  private report(rule: RuleName, range: Range, message: string, fixes?: QuickFix[]): void {
    const d: Diagnostic = { rule, severity: rule === 'short-tag' ? 'info' : 'error', range, message };
    if (fixes) d.fixes = fixes;
    this.diagnostics.push(d);
  }

  // ------------------------------------------------------------------ declarations

  private declare(): void {
    let driverLine: number | undefined;
    let driverName = '';
    const scenarios = new Map<string, Scenario>();
    for (const decl of this.script.declarations) {
      switch (decl.type) {
        case 'driver':
          if (driverLine === undefined) {
            driverLine = decl.range.start.line;
            driverName = decl.name.value;
          } else {
            this.report(
              'duplicate-name',
              decl.name.range,
              `a second 'driver' declaration: the driver is already named ${quoteForMessage(driverName)} on line ${driverLine}; this one is ignored, so reports keep using that name`,
            );
          }
          break;
        case 'global':
        case 'list':
          for (const id of decl.names) {
            if (this.declareName(id, decl.type)) (decl.type === 'global' ? this.globals : this.lists).set(id.name, id);
          }
          break;
        case 'routine':
          this.declareRoutine(decl);
          break;
        case 'scenario': {
          if (!decl.name) break;
          const first = scenarios.get(decl.name);
          if (first) {
            this.report(
              'duplicate-name',
              decl.nameRange,
              `scenario ${quoteForMessage(decl.name)} is already declared on line ${first.nameRange.start.line}: 'simulate --scenario' would be ambiguous, so this one never runs`,
            );
          } else scenarios.set(decl.name, decl);
          break;
        }
      }
    }
  }

  /** Enters a name in the shared namespace of routines, globals and lists; false for a duplicate. */
  private declareName(id: Identifier, kind: DeclaredKind, routine?: Routine): boolean {
    if (!id.name) return false;
    const first = this.names.get(id.name);
    if (first) {
      this.report(
        'duplicate-name',
        id.range,
        `'${id.name}' is already declared as ${describeDeclared(first)} on line ${first.id.range.start.line}: routines, globals and lists share one namespace, and every reference resolves to that first declaration`,
      );
      return false;
    }
    this.names.set(id.name, { kind, id, routine });
    return true;
  }

  private declareRoutine(r: Routine): void {
    const nameOk = this.declareName(r.name, 'routine', r);
    if (nameOk) this.routines.set(r.name.name, r);

    // Parameters: locals bound by the caller; two with one name cannot both be bound.
    const seen = new Set<string>();
    for (const p of r.params) {
      if (seen.has(p.name)) {
        this.report('duplicate-name', p.range, `parameter '${p.name}' is declared twice in '${r.name.name}': the second one can never be bound`);
      }
      seen.add(p.name);
    }

    if (r.kind === 'entry' || r.kind === 'unload') {
      const first = r.kind === 'entry' ? this.entry : this.unload;
      if (!first) {
        if (r.kind === 'entry') this.entry = r;
        else this.unload = r;
      } else if (nameOk) {
        const what = r.kind === 'entry' ? 'DriverEntry' : 'DriverUnload';
        this.report(
          'duplicate-name',
          r.name.range,
          `a second ${r.kind} routine: '${first.name.name}' on line ${first.name.range.start.line} is already the driver's ${what}; a driver has one, so '${r.name.name}' never runs as ${what}`,
        );
      }
    } else if (r.kind === 'dispatch' && r.major) {
      const major = r.major.name;
      if (!IRP_MAJOR_SET.has(major)) {
        this.report(
          'unknown-name',
          r.major.range,
          `'${major}' is not one of the 28 IRP_MJ_* major function codes of wdm.h${didYouMean(major, IRP_MAJOR_FUNCTIONS)}: no request can reach this dispatch routine`,
        );
      } else {
        const first = this.dispatch.get(major);
        if (first) {
          this.report(
            'duplicate-name',
            r.major.range,
            `a second dispatch routine for ${major}: '${first.name.name}' on line ${first.name.range.start.line} already handles it; DriverObject->MajorFunction[${major}] holds one routine, so '${r.name.name}' never runs for it`,
          );
        } else this.dispatch.set(major, r);
      }
    }
  }

  // ------------------------------------------------------------------ routines

  private checkRoutine(r: Routine): void {
    const locals = new Set<string>();
    for (const p of r.params) locals.add(p.name);
    this.collectLocals(r.body.statements, locals, r);
    this.locals.set(r, locals);
    this.checkStatements(r.body.statements, r, locals);
  }

  /** Every name assigned anywhere in the routine (flow-insensitive, language.md "Statements"). */
  private collectLocals(statements: Statement[], locals: Set<string>, r: Routine): void {
    for (const s of statements) {
      switch (s.type) {
        case 'block':
          this.collectLocals(s.statements, locals, r);
          break;
        case 'assign':
        case 'error': {
          const target = s.type === 'assign' ? s.target : s.assigns;
          if (target && (locals.has(target.name) || !this.names.has(target.name))) locals.add(target.name);
          break;
        }
        case 'foreach':
          if (locals.has(s.variable.name) || !this.names.has(s.variable.name)) locals.add(s.variable.name);
          this.collectLocals(s.body.statements, locals, r);
          break;
        case 'if':
          this.collectLocals([s.then], locals, r);
          if (s.else) this.collectLocals([s.else], locals, r);
          break;
        case 'repeat':
          this.collectLocals(s.body.statements, locals, r);
          break;
      }
    }
  }

  private checkStatements(statements: Statement[], r: Routine, locals: Set<string>): void {
    for (const s of statements) {
      switch (s.type) {
        case 'block':
          this.checkStatements(s.statements, r, locals);
          break;
        case 'assign':
          this.checkAssignTarget(s.target, locals);
          switch (s.value.type) {
            case 'identifier':
              this.readPointer(s.value, r, locals);
              break;
            case 'pop':
              this.readList(s.value.list, r, locals, 'pop');
              break;
            case 'call':
              this.checkCall(s.value, r, locals, s.target);
              break;
          }
          break;
        case 'callStatement':
          this.checkCall(s.call, r, locals, undefined);
          break;
        case 'push':
          this.readList(s.list, r, locals, 'push');
          this.readPointer(s.value, r, locals);
          break;
        case 'foreach':
          this.checkAssignTarget(s.variable, locals);
          this.readList(s.list, r, locals, 'foreach');
          this.checkStatements(s.body.statements, r, locals);
          break;
        case 'if':
          if (s.condition.type === 'nullCheck') this.readPointer(s.condition.variable, r, locals);
          else if (s.condition.percent.value > 100) {
            this.report(
              'bad-argument',
              s.condition.percent.range,
              `chance(${s.condition.percent.text}) is more than 100%: the branch would always be taken, which 'chance' is not for — drop the condition instead`,
            );
          }
          this.checkStatements([s.then], r, locals);
          if (s.else) this.checkStatements([s.else], r, locals);
          break;
        case 'repeat':
          this.checkStatements(s.body.statements, r, locals);
          break;
        case 'return':
        case 'error':
          break;
      }
    }
  }

  /** An assignment (or foreach variable) may target a local or a global — not a list or routine. */
  private checkAssignTarget(target: Identifier, locals: Set<string>): void {
    if (locals.has(target.name)) return;
    const d = this.names.get(target.name);
    if (!d || d.kind === 'global') return;
    this.report(
      'wrong-kind',
      target.range,
      d.kind === 'list'
        ? `'${target.name}' is a list, not a pointer: assigning to it would lose every pointer it holds — use 'push ${target.name}, p;'`
        : `'${target.name}' is ${describeDeclared(d)}, not a pointer variable: it cannot be assigned`,
    );
  }

  /** A name read as a pointer: a parameter, a local assigned somewhere in the routine, or a global. */
  private readPointer(id: Identifier, r: Routine, locals: Set<string>): void {
    if (id.name === 'NULL' || locals.has(id.name)) return;
    const d = this.names.get(id.name);
    if (d?.kind === 'global') return;
    if (d?.kind === 'list') {
      this.report(
        'wrong-kind',
        id.range,
        `'${id.name}' is a list, not a pointer: take a pointer out of it with 'pop ${id.name}' or 'foreach p in ${id.name}'`,
      );
      return;
    }
    if (d?.kind === 'routine') {
      this.report('wrong-kind', id.range, `'${id.name}' is ${describeDeclared(d)}, not a pointer: it holds no pool block`);
      return;
    }
    const candidates = [...locals, ...this.globals.keys()];
    this.report(
      'unknown-name',
      id.range,
      `'${id.name}' is not a parameter of '${r.name.name}', no statement of it assigns '${id.name}', and no global has that name${didYouMean(id.name, candidates)}: the model cannot tell which block it holds`,
    );
  }

  private readList(id: Identifier, r: Routine, locals: Set<string>, verb: 'push' | 'pop' | 'foreach'): void {
    if (!locals.has(id.name) && this.lists.has(id.name)) return;
    const d = this.names.get(id.name);
    if (locals.has(id.name) || d) {
      const what = locals.has(id.name) ? `a ${r.params.some((p) => p.name === id.name) ? 'parameter' : 'local'} of '${r.name.name}'` : describeDeclared(d!);
      this.report('wrong-kind', id.range, `'${id.name}' is ${what}, not a list: '${verb}' needs a list declared with 'list ${id.name};'`);
      return;
    }
    this.report(
      'unknown-name',
      id.range,
      `no list named '${id.name}' is declared${didYouMean(id.name, this.lists.keys())}: add 'list ${id.name};' at the top level, or '${verb}' has nowhere to keep its pointers`,
    );
  }

  // ------------------------------------------------------------------ calls

  private checkCall(call: Call, r: Routine, locals: Set<string>, assignedTo: Identifier | undefined): void {
    const name = call.callee.name;
    const resolved = this.resolve(name);
    if (resolved.kind === 'helper') {
      this.checkHelperCall(call, resolved.routine, r, locals, assignedTo);
      return;
    }
    if (resolved.kind === 'api') {
      this.checkApiCall(call, resolved.api, r, locals, assignedTo);
      return;
    }
    for (const a of call.args) if (a.type === 'tag') this.checkTag(a);
    const d = this.names.get(name);
    const local = locals.has(name);
    this.report(
      'unknown-name',
      call.callee.range,
      d || local
        ? `'${name}' is ${local ? `a local of '${r.name.name}'` : describeDeclared(d!)}, not a routine or an API: it cannot be called`
        : `'${name}' is neither a routine of this script nor an API of the model${didYouMean(name, [...this.routines.keys(), ...API_BY_NAME.keys()])}: the call cannot be analysed or simulated`,
    );
  }

  private resolve(name: string): ResolvedCall {
    let r = this.resolved.get(name);
    if (r === undefined) {
      const helper = this.routines.get(name);
      const api = helper ? undefined : API_BY_NAME.get(name);
      r = helper ? { kind: 'helper', routine: helper } : api ? { kind: 'api', api } : { kind: 'unknown' };
      this.resolved.set(name, r);
    }
    return r;
  }

  private checkHelperCall(call: Call, helper: Routine, r: Routine, locals: Set<string>, assignedTo: Identifier | undefined): void {
    if (assignedTo) {
      this.report(
        'bad-argument',
        call.callee.range,
        `'${helper.name.name}' is a routine of this script, and routines return no value in the model: '${assignedTo.name}' would not receive a block — have the helper store it in a global or list instead`,
      );
    }
    const want = helper.params.length;
    if (call.args.length !== want) {
      const at = call.args.length > want ? call.args[want].range : call.callee.range;
      this.report(
        'bad-argument',
        at,
        `'${helper.name.name}' takes ${plural(want, 'argument')} (${helper.params.map((p) => p.name).join(', ') || 'none'}), found ${call.args.length}: ${call.args.length > want ? 'the extra ones bind to nothing' : 'the missing parameters would be unbound'}`,
      );
    }
    for (const a of call.args) {
      if (a.type === 'identifier') {
        this.readPointer(a, r, locals);
      } else {
        if (a.type === 'tag') this.checkTag(a);
        this.report(
          'bad-argument',
          a.range,
          `'${helper.name.name}' binds its arguments to pointer parameters, found ${describeArgument(a)}: pass a local, parameter, global or NULL`,
        );
      }
    }
  }

  private checkApiCall(call: Call, api: ApiInfo, r: Routine, locals: Set<string>, assignedTo: Identifier | undefined): void {
    if (assignedTo && !api.returnsBlock) {
      this.report(
        'bad-argument',
        call.callee.range,
        `${api.name} returns no block in the model: '${assignedTo.name}' would receive nothing — call it as a statement`,
      );
    }
    const params = api.params;
    if (call.args.length !== params.length) {
      const at = call.args.length > params.length ? call.args[params.length].range : call.callee.range;
      this.report(
        'bad-argument',
        at,
        `${api.name} takes ${plural(params.length, 'argument')} in the model (${params.map((p) => p.name).join(', ') || 'none'}), found ${call.args.length}: the model cannot tell what the call does`,
      );
    }
    for (let index = 0; index < call.args.length; index++) {
      const a = call.args[index];
      const p = params[index];
      if (p) this.checkApiArgument(api, p, a, r, locals);
      else if (a.type === 'tag') this.checkTag(a);
    }
  }

  private checkApiArgument(api: ApiInfo, p: ApiParameter, a: Argument, r: Routine, locals: Set<string>): void {
    if (a.type === 'tag') this.checkTag(a);

    switch (p.kind) {
      case 'poolType': {
        if (a.type !== 'identifier') return this.wrongShape(api, p, a, 'a POOL_TYPE name (NonPagedPoolNx, PagedPool, …)');
        if (POOL_TYPE_BY_NAME.has(a.name)) return;
        if (POOL_FLAG_BY_NAME.has(a.name)) {
          this.report('bad-argument', a.range, `argument ${p.name} of ${api.name} is a POOL_TYPE, not a POOL_FLAG_* flag: '${a.name}' belongs to ExAllocatePool2/3`);
          return;
        }
        this.report(
          'unknown-name',
          a.range,
          `'${a.name}' is not a pool type of the model (NonPagedPool, NonPagedPoolNx, NonPagedPoolExecute, PagedPool)${didYouMean(a.name, POOL_TYPE_BY_NAME.keys())}: the pool the block comes from is unknown`,
        );
        return;
      }
      case 'poolFlags': {
        if (a.type !== 'identifier' && a.type !== 'flags') return this.wrongShape(api, p, a, "POOL_FLAG_* names joined by '|'");
        const names = a.type === 'flags' ? a.names : [a];
        const poolFlags: string[] = [];
        let allKnown = true;
        for (const f of names) {
          const info = POOL_FLAG_BY_NAME.get(f.name);
          if (info) {
            if (info.pool) poolFlags.push(f.name);
          } else if (POOL_TYPE_BY_NAME.has(f.name)) {
            allKnown = false;
            this.report('bad-argument', f.range, `argument ${p.name} of ${api.name} takes POOL_FLAG_* flags, not the POOL_TYPE '${f.name}': use POOL_FLAG_${f.name === 'PagedPool' ? 'PAGED' : 'NON_PAGED'}`);
          } else {
            allKnown = false;
            this.report(
              'unknown-name',
              f.range,
              `'${f.name}' is not a POOL_FLAG_* flag of the model${didYouMean(f.name, POOL_FLAG_BY_NAME.keys())}: the pool the block comes from is unknown`,
            );
          }
        }
        // ExAllocatePool2: exactly one of POOL_FLAG_NON_PAGED / _NON_PAGED_EXECUTE / _PAGED is
        // required, or the call fails (https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepool2).
        if (allKnown && poolFlags.length === 0) {
          this.report(
            'bad-argument',
            a.range,
            `${api.name} flags name no pool type: add exactly one of POOL_FLAG_NON_PAGED, POOL_FLAG_NON_PAGED_EXECUTE or POOL_FLAG_PAGED, or the allocation fails`,
          );
        } else if (allKnown && poolFlags.length > 1) {
          this.report(
            'bad-argument',
            a.range,
            `${api.name} flags name ${poolFlags.length} pool types (${poolFlags.join(', ')}): exactly one is allowed, or the allocation fails`,
          );
        }
        return;
      }
      case 'size':
      case 'number':
        if (a.type !== 'number') this.wrongShape(api, p, a, p.kind === 'size' ? 'a size in bytes (4096, 0x1000, 4K)' : 'a number');
        return;
      case 'tag':
        if (a.type !== 'tag') {
          this.wrongShape(api, p, a, 
            a.type === 'identifier'
              ? `a pool tag literal such as 'Abc ' (the model has no #define; write the tag itself)`
              : `a pool tag literal such as 'Abc '`,
          );
        }
        return;
      case 'pointer': {
        if (a.type !== 'identifier') return this.wrongShape(api, p, a, 'a pointer: a local, parameter, global or NULL');
        // IoAllocateMdl's VirtualAddress names the buffer the MDL describes; it need not be a
        // block of this model (a user buffer, a stack array), so any name is accepted.
        if (api.allocates?.size.from === 'mdl' && !this.names.has(a.name)) return;
        this.readPointer(a, r, locals);
        return;
      }
      case 'routine':
        if (a.type !== 'identifier') return this.wrongShape(api, p, a, `the name of ${KIND_NOUN[p.routineKind ?? 'routine']}`);
        this.checkRoutineReference(a, p.routineKind, `${api.name}`);
        return;
      case 'spinLock':
        // Spin-lock names need no declaration (language.md, "Statements").
        if (a.type !== 'identifier') this.wrongShape(api, p, a, 'the name of a spin lock');
        return;
      case 'irql':
        if (a.type !== 'identifier') return this.wrongShape(api, p, a, 'an IRQL name (PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL)');
        if (!IRQL_CONSTANTS.has(a.name)) {
          this.report(
            'unknown-name',
            a.range,
            `'${a.name}' is not an IRQL of the model (PASSIVE_LEVEL, APC_LEVEL, DISPATCH_LEVEL)${didYouMean(a.name, IRQL_CONSTANTS.keys())}: the IRQL after the call is unknown`,
          );
        }
        return;
      case 'string':
        // An ANSI source string: a string literal or the name of one; no declaration needed.
        if (a.type !== 'string' && a.type !== 'identifier') this.wrongShape(api, p, a, 'a string or the name of one');
        return;
    }
  }

  private wrongShape(api: ApiInfo, p: ApiParameter, a: Argument, expected: string): void {
    this.report('bad-argument', a.range, `argument ${p.name} of ${api.name} must be ${expected}, found ${describeArgument(a)}`);
  }

  /** A reference to a routine that must be of `kind` (or any kind when undefined). */
  private checkRoutineReference(id: Identifier, kind: 'dpc' | 'workitem' | 'completion' | undefined, by: string): void {
    const target = this.routines.get(id.name);
    if (!target) {
      const d = this.names.get(id.name);
      if (d) {
        this.report('wrong-kind', id.range, `'${id.name}' is ${describeDeclared(d)}, not ${kind ? KIND_NOUN[kind] : 'a routine'}: ${by} cannot run it`);
      } else {
        this.report(
          'unknown-name',
          id.range,
          `no routine named '${id.name}' is declared${didYouMean(id.name, this.routines.keys())}: ${by} has nothing to run`,
        );
      }
      return;
    }
    if (kind && target.kind !== kind) {
      this.report(
        'wrong-kind',
        id.range,
        `'${id.name}' is ${KIND_NOUN[target.kind]} (line ${target.name.range.start.line}), not ${KIND_NOUN[kind]}: ${by} would run it at ${KIND_CONTEXT[kind]}, which is not what it was written for`,
      );
    }
  }

  // ------------------------------------------------------------------ tags

  private checkTag(tag: TagLiteral): void {
    // An unterminated tag was already a syntax error (its range lacks the closing quote).
    if (tag.range.end.offset - tag.range.start.offset !== tag.raw.length + 2) return;
    const raw = tag.raw;
    if (tag.value === undefined) {
      let why: string;
      if (raw.length === 0) why = 'an empty pool tag';
      else if (raw.length > 4) why = `pool tag ${quoteForMessage(raw)} has ${raw.length} characters; a tag is one ULONG of at most 4`;
      else {
        const bad = [...raw].find((ch) => !isTagCharacter(ch.charCodeAt(0))) ?? '';
        why = `pool tag contains U+${bad.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, outside printable ASCII (0x20–0x7E)`;
      }
      this.report('invalid-tag', tag.range, `${why}: !poolused, PoolMon and PoolHitTag could not show or match it, so its blocks cannot be traced`);
      return;
    }
    if (raw.length < 4) {
      const padded = `'${tag.value}'`;
      this.report(
        'short-tag',
        tag.range,
        `tag '${raw}' is ${padded}: it is padded with spaces to 4 characters, the form !poolused, PoolMon and PoolHitTag show and match`,
        [{ title: 'Pad tag to 4 characters', kind: 'quickfix', isPreferred: true, edits: [{ range: tag.range, newText: padded }] }],
      );
    }
  }

  // ------------------------------------------------------------------ scenarios

  private checkSteps(steps: ScenarioStep[], scenario: Scenario): void {
    for (const step of steps) {
      switch (step.type) {
        case 'load':
          if (!this.entry) {
            this.report(
              'wrong-kind',
              step.range,
              `'load' runs the driver's entry routine, but this script declares none: add 'entry DriverEntry { … }' or the driver never initialises`,
            );
          }
          break;
        case 'irp': {
          const major = step.major.name;
          if (!IRP_MAJOR_SET.has(major)) {
            this.report(
              'unknown-name',
              step.major.range,
              `'${major}' is not one of the 28 IRP_MJ_* major function codes of wdm.h${didYouMean(major, IRP_MAJOR_FUNCTIONS)}: no request can be sent`,
            );
          } else if (!this.dispatch.has(major)) {
            this.report(
              'wrong-kind',
              step.major.range,
              `no dispatch routine handles ${major}: the I/O manager would complete the request with STATUS_INVALID_DEVICE_REQUEST and the driver never sees it — add 'dispatch ${major} Name { … }'`,
            );
          }
          break;
        }
        case 'dpc':
        case 'workitem':
          this.checkRoutineReference(step.routine, step.type, `'${step.type} ${step.routine.name}' in scenario ${quoteForMessage(scenario.name)}`);
          break;
        case 'call':
          this.checkRoutineReference(step.routine, undefined, `'call ${step.routine.name}' in scenario ${quoteForMessage(scenario.name)}`);
          break;
        case 'repeat':
        case 'process':
          this.checkSteps(step.steps, scenario);
          break;
        case 'hittag':
          if (step.tag) this.checkTag(step.tag);
          break;
      }
    }
  }

  // ------------------------------------------------------------------ symbol table

  private symbolTable(): SymbolTable {
    const resolve = (name: string): ResolvedCall => this.resolve(name);
    const ordered = this.script.routines;
    return {
      script: this.script,
      routines: this.routines,
      globals: this.globals,
      lists: this.lists,
      entry: this.entry,
      unload: this.unload,
      dispatch: this.dispatch,
      locals: this.locals,
      resolveCall(call: Call): ResolvedCall {
        return resolve(call.callee.name);
      },
      routineAt(offset: number): Routine | undefined {
        // Routines are in source order and do not overlap: binary search.
        let lo = 0;
        let hi = ordered.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const r = ordered[mid];
          if (offset < r.range.start.offset) hi = mid - 1;
          else if (offset >= r.range.end.offset) lo = mid + 1;
          else return r;
        }
        return undefined;
      },
    };
  }
}

const KIND_CONTEXT: Record<'dpc' | 'workitem' | 'completion', string> = {
  dpc: 'DISPATCH_LEVEL in an arbitrary process (as a DPC)',
  workitem: 'PASSIVE_LEVEL in a system worker thread (as a work item)',
  completion: 'DISPATCH_LEVEL in an arbitrary thread (as an IRP completion routine)',
};

function describeDeclared(d: Declared): string {
  if (d.kind === 'routine' && d.routine) return KIND_NOUN[d.routine.kind];
  return d.kind === 'global' ? 'a global' : 'a list';
}

function describeArgument(a: Argument): string {
  switch (a.type) {
    case 'number':
      return `the number ${a.text}`;
    case 'tag':
      return `the tag '${a.raw}'`;
    case 'string':
      return `the string ${quoteForMessage(a.value)}`;
    case 'identifier':
      return `'${a.name}'`;
    case 'flags':
      return `the flags ${a.names.map((n) => n.name).join(' | ')}`;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** ", did you mean 'X'?" for the closest candidate within a small edit distance, else "". */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestScore = Infinity;
  const limit = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    const cl = c.toLowerCase();
    // A case slip is nearly a match; a cut-off name (`DISPATCH` for DISPATCH_LEVEL) counts as close.
    const score = cl === lower ? 0.5 : lower.length >= 4 && cl.startsWith(lower) ? limit : editDistance(lower, cl, limit);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best !== undefined && bestScore <= limit ? ` (did you mean '${best}'?)` : '';
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length];
}
