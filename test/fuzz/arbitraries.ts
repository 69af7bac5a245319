/**
 * fast-check arbitraries for driver model scripts.
 *
 * - `scriptArb()` builds scripts from the grammar of language.md: every routine kind, every
 *   API of the v1 set (allocations, frees, hand-offs, spin locks, IRQL, MDL locking), helpers
 *   with parameters, lists, `if`/`chance`/`repeat`/`foreach`, nested blocks and scenarios with
 *   every step. Names are drawn from small fixed pools so that references usually resolve
 *   (the analysis and the simulator get exercised, not only the name checks), tags from a
 *   small pool so that shared tags, short tags and frees with the wrong tag happen often.
 * - `mutatedArb(sources)` takes scripts (the examples, generated ones) and damages them at
 *   the token level (delete, duplicate, swap, insert a keyword or punctuation) or the byte
 *   level (flip, insert, delete bytes of the UTF-8 encoding, then decode with U+FFFD as the
 *   CLI does), giving near-valid and hostile input for error recovery.
 *
 * Scripts are kept small (the CI budget is 10,000 per target on a 2-core machine); the
 * soak run (`npm run soak`) runs the same arbitraries many more times.
 */
import fc from 'fast-check';
import { APIS, IRP_MAJOR_FUNCTIONS, POOL_FLAGS, POOL_TYPES } from '../../server/src/core/apis';

export interface ScriptOptions {
  /** Allow helper calls that can recurse (H1 → H0 → H1). Default true. */
  recursion?: boolean;
  /** Maximum nesting depth of compound statements. Default 3. */
  depth?: number;
  /** Maximum statements per block. Default 4. */
  maxStatements?: number;
  /** Largest `repeat` count in routines and scenarios. Default 5. */
  maxRepeat?: number;
  /**
   * Declare every routine kind and assign every local at the start of each routine, so that
   * the script has no structural error and the simulator runs it. Default false.
   */
  runnable?: boolean;
}

const LOCALS = ['buf', 'p', 'q', 'm', 'irp', 'w', 's'];
const GLOBALS = ['g_Ctx', 'g_Other'];
const LISTS = ['g_Pending', 'g_Table'];
const HELPERS = ['H0', 'H1', 'H2'];
const DPCS = ['TimerDpc'];
const WORKITEMS = ['Worker'];
const COMPLETIONS = ['ReadDone'];
export const TAG_POOL = ["'Abc '", "'Abc'", "'Tron'", "'Ctx '", "'X'", "'Ab1 '"];
const SIZES = ['0', '1', '64', '512', '4K', '0x200', '0x1000', '2M', '1M'];
const MAJORS = ['IRP_MJ_CREATE', 'IRP_MJ_READ', 'IRP_MJ_WRITE', 'IRP_MJ_CLEANUP', 'IRP_MJ_CLOSE', 'IRP_MJ_DEVICE_CONTROL'];
const PERCENTS = ['0%', '2%', '50%', '0.5%', '100%'];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

interface Ctx {
  /** Helpers this routine may call. */
  helpers: readonly string[];
  opts: Required<ScriptOptions>;
}

const poolType = pick(POOL_TYPES.map((p) => p.name));
const TYPE_FLAGS = POOL_FLAGS.filter((f) => f.pool).map((f) => f.name);
const MODIFIER_FLAGS = POOL_FLAGS.filter((f) => !f.pool).map((f) => f.name);
/** Mostly one pool-type flag plus modifiers (what ExAllocatePool2 requires), sometimes any mix. */
const poolFlags = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(pick(TYPE_FLAGS), fc.subarray(MODIFIER_FLAGS, { maxLength: 2 })).map(([t, ms]) => [t, ...ms].join(' | ')) },
  { weight: 1, arbitrary: fc.subarray(POOL_FLAGS.map((f) => f.name), { minLength: 1, maxLength: 3 }).map((fs) => fs.join(' | ')) },
);

const tag = pick(TAG_POOL);
const size = pick(SIZES);
const local = pick(LOCALS);
const pointer = fc.oneof({ weight: 4, arbitrary: local }, { weight: 1, arbitrary: pick(GLOBALS) });

const validPoolFlags = fc.tuple(pick(TYPE_FLAGS), fc.subarray(MODIFIER_FLAGS, { maxLength: 2 })).map(([t, ms]) => [t, ...ms].join(' | '));

/** `v = <allocation>;` for every allocator of the API table. */
const allocationArb = (flagsArb: fc.Arbitrary<string>) => fc
  .tuple(pointer, poolType, flagsArb, size, tag, fc.nat(7))
  .chain(([v, type, flags, sz, t, which]) =>
    pick([
      `${v} = ExAllocatePoolWithTag(${type}, ${sz}, ${t});`,
      `${v} = ExAllocatePoolWithQuotaTag(${type}, ${sz}, ${t});`,
      `${v} = ExAllocatePool(${type}, ${sz});`,
      `${v} = ExAllocatePoolWithQuota(${type}, ${sz});`,
      `${v} = ExAllocatePoolZero(${type}, ${sz}, ${t});`,
      `${v} = ExAllocatePoolUninitialized(${type}, ${sz}, ${t});`,
      `${v} = ExAllocatePoolQuotaZero(${type}, ${sz}, ${t});`,
      `${v} = ExAllocatePool2(${flags}, ${sz}, ${t});`,
      `${v} = ExAllocatePool3(${flags}, ${sz}, ${t});`,
      `${v} = IoAllocateMdl(buf, ${sz});`,
      `${v} = IoAllocateIrp(${which + 1});`,
      `${v} = RtlAnsiStringToUnicodeString("src");`,
      `${v} = IoAllocateWorkItem();`,
    ]),
  );

const release = fc
  .tuple(pointer, tag)
  .chain(([v, t]) =>
    pick([
      `ExFreePoolWithTag(${v}, ${t});`,
      `ExFreePool(${v});`,
      `ExFreePool2(${v}, ${t});`,
      `IoFreeMdl(${v});`,
      `IoFreeIrp(${v});`,
      `RtlFreeUnicodeString(${v});`,
      `IoFreeWorkItem(${v});`,
    ]),
  );

/**
 * An allocation with its matching release (right API, right tag), the NULL check between:
 * what a correct driver does, so that frees succeed and the books have both sides.
 */
const pairedArb = fc
  .tuple(local, poolType, validPoolFlags, size, tag, fc.nat(7), pick(LISTS))
  .chain(([v, type, flags, sz, t, n, l]) =>
    pick([
      `${v} = ExAllocatePoolWithTag(${type}, ${sz}, ${t}); if (${v} != NULL) ExFreePoolWithTag(${v}, ${t});`,
      `${v} = ExAllocatePoolWithQuotaTag(${type}, ${sz}, ${t}); if (${v} != NULL) ExFreePool(${v});`,
      `${v} = ExAllocatePoolQuotaZero(${type}, ${sz}, ${t}); if (${v} != NULL) ExFreePoolWithTag(${v}, ${t});`,
      `${v} = ExAllocatePool2(${flags}, ${sz}, ${t}); if (${v} != NULL) ExFreePool2(${v}, ${t});`,
      `${v} = ExAllocatePool3(${flags}, ${sz}, ${t}); if (${v} != NULL) { push ${l}, ${v}; }`,
      `${v} = pop ${l}; if (${v} != NULL) ExFreePool(${v});`,
      `${v} = IoAllocateMdl(buf, ${sz}); if (${v} != NULL) { MmProbeAndLockPages(${v}); MmUnlockPages(${v}); IoFreeMdl(${v}); }`,
      `${v} = IoAllocateIrp(${n + 1}); if (${v} != NULL) IoFreeIrp(${v});`,
      `${v} = RtlAnsiStringToUnicodeString("src"); if (${v} != NULL) RtlFreeUnicodeString(${v});`,
      `${v} = IoAllocateWorkItem(); if (${v} != NULL) IoFreeWorkItem(${v});`,
      `${v} = IoAllocateWorkItem(); if (${v} != NULL) IoQueueWorkItem(${v}, Worker);`,
    ]),
  );

const plainStatementArb = (runnable: boolean) => fc.oneof(
  { weight: 5, arbitrary: allocationArb(runnable ? validPoolFlags : poolFlags) },
  { weight: runnable ? 6 : 2, arbitrary: pairedArb },
  { weight: runnable ? 1 : 4, arbitrary: release },
  {
    weight: 3,
    arbitrary: fc
      .tuple(pointer, pointer, pick(LISTS))
      .chain(([a, b, l]) => pick([`${a} = NULL;`, `${a} = ${b};`, `${a} = pop ${l};`, `push ${l}, ${a};`])),
  },
  {
    weight: 2,
    arbitrary: pick([
      'KeAcquireSpinLock(Lock);',
      'KeReleaseSpinLock(Lock);',
      'KeRaiseIrql(DISPATCH_LEVEL);',
      'KeLowerIrql();',
      'MmProbeAndLockPages(m);',
      'MmUnlockPages(m);',
      'IoSetCompletionRoutineEx(irp, ReadDone);',
      'IoCallDriver(irp);',
      'IoQueueWorkItem(w, Worker);',
      'ExQueueWorkItem(buf, Worker);',
      'KeInsertQueueDpc(TimerDpc);',
    ]),
  },
  { weight: 1, arbitrary: fc.constant('return;') },
);
const plainStatements = { true: plainStatementArb(true), false: plainStatementArb(false) };

/** Fixed signatures, so that calls usually pass the right number of arguments. */
const HELPER_PARAMS: Record<string, string[]> = { H0: ['p'], H1: ['p', 'q'], H2: [] };

function helperCall(ctx: Ctx): fc.Arbitrary<string> {
  if (ctx.helpers.length === 0) return plainStatements[`${ctx.opts.runnable}`];
  const right = pick(ctx.helpers).chain((h) =>
    fc.array(pointer, { minLength: HELPER_PARAMS[h].length, maxLength: HELPER_PARAMS[h].length }).map((args) => `${h}(${args.join(', ')});`),
  );
  if (ctx.opts.runnable) return right;
  const any = fc.tuple(pick(ctx.helpers), fc.array(pointer, { maxLength: 2 })).map(([h, args]) => `${h}(${args.join(', ')});`);
  return fc.oneof({ weight: 3, arbitrary: right }, { weight: 1, arbitrary: any });
}

const condition = fc.oneof(
  local.chain((v) => pick([`${v} == NULL`, `${v} != NULL`])),
  pick(PERCENTS).map((p) => `chance(${p})`),
);

/** Statements nested up to `depth` levels of compound statements. */
function statementArb(ctx: Ctx, depth: number): fc.Arbitrary<string> {
  const simple = fc.oneof({ weight: 6, arbitrary: plainStatements[`${ctx.opts.runnable}`] }, { weight: 1, arbitrary: helperCall(ctx) });
  if (depth <= 0) return simple;
  const inner = statementArb(ctx, depth - 1);
  const block = blockArb(ctx, depth - 1);
  return fc.oneof(
    { weight: 8, arbitrary: simple },
    { weight: 2, arbitrary: fc.tuple(condition, inner).map(([c, s]) => `if (${c}) ${s}`) },
    { weight: 1, arbitrary: fc.tuple(condition, block, inner).map(([c, a, b]) => `if (${c}) ${a} else ${b}`) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 0, max: ctx.opts.maxRepeat }), block).map(([n, b]) => `repeat ${n} ${b}`),
    },
    { weight: 1, arbitrary: fc.tuple(local, pick(LISTS), block).map(([v, l, b]) => `foreach ${v} in ${l} ${b}`) },
    { weight: 1, arbitrary: block },
  );
}

function blockArb(ctx: Ctx, depth: number): fc.Arbitrary<string> {
  return fc
    .array(statementArb(ctx, depth), { maxLength: ctx.opts.maxStatements })
    .map((ss) => (ss.length ? `{\n${ss.map((s) => '    ' + s.replace(/\n/g, '\n    ')).join('\n')}\n}` : '{ }'));
}

/** Assigns every local not bound as a parameter at the top of the routine body. */
function initLocals(body: string, ps: readonly string[]): string {
  const init = LOCALS.filter((l) => !ps.includes(l))
    .map((l) => `${l} = NULL;`)
    .join(' ');
  return body === '{ }' ? `{ ${init} }` : body.replace(/^\{\n/, `{\n    ${init}\n`);
}

const params = fc.array(pick(['p', 'q', 'w', 'irp']), { maxLength: 2 }).map((ps) => [...new Set(ps)]);

function routineArb(kind: string, name: string, ctx: Ctx, withParams: boolean): fc.Arbitrary<string> {
  const ps = HELPER_PARAMS[name] ? fc.constant(HELPER_PARAMS[name]) : withParams ? params : fc.constant<string[]>([]);
  return fc
    .tuple(ps, fc.boolean(), blockArb(ctx, ctx.opts.depth))
    .map(([ps, parens, body]) => `${kind} ${name}${ps.length || parens ? `(${ps.join(', ')})` : ''} ${ctx.opts.runnable ? initLocals(body, ps) : body}`);
}

function scenarioStepArb(depth: number, majors: readonly string[], maxRepeat: number): fc.Arbitrary<string> {
  const simple = fc.oneof(
    { weight: 3, arbitrary: majors.length ? pick(majors).map((m) => `irp ${m};`) : fc.constant('load;') },
    {
      weight: 3,
      arbitrary: pick([
        'load;',
        'unload;',
        'dpc TimerDpc;',
        'workitem Worker;',
        'call H0;',
        'call H2;',
        'snapshot;',
        'snapshot "mid";',
        "hittag 'Abc ';",
        "hittag 'Tron';",
        'hittag off;',
      ]),
    },
  );
  if (depth <= 0) return simple;
  const inner = fc.array(scenarioStepArb(depth - 1, majors, maxRepeat), { maxLength: 3 }).map((ss) => ss.join(' '));
  return fc.oneof(
    { weight: 6, arbitrary: simple },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: maxRepeat }), inner).map(([n, s]) => `repeat ${n} { ${s} }`) },
    { weight: 1, arbitrary: fc.tuple(pick(['"app.exe"', '"svc.exe"', '"Idle"']), inner).map(([p, s]) => `process ${p} { ${s} }`) },
  );
}

/**
 * A whole script: declarations, routines of every kind (entry usually present, the others
 * optional) and one or two scenarios that start with `load;`.
 */
export function scriptArb(options: ScriptOptions = {}): fc.Arbitrary<string> {
  const opts: Required<ScriptOptions> = { recursion: true, depth: 3, maxStatements: 4, maxRepeat: 5, runnable: false, ...options };
  // fc.option's `freq`: one value in `freq` is nil (so 1 would mean always nil).
  const maybe = (a: fc.Arbitrary<string>, freq = 2) => (opts.runnable ? a : fc.option(a, { freq, nil: undefined }));
  const helperCtx = (i: number): Ctx => ({
    helpers: opts.recursion ? HELPERS : HELPERS.slice(i + 1),
    opts,
  });
  const topCtx: Ctx = { helpers: HELPERS, opts };
  return fc
    .record({
      driver: fc.option(pick(['"Leaky.sys"', '"My Driver.sys"', '"x"']), { nil: undefined }),
      entry: maybe(routineArb('entry', 'DriverEntry', topCtx, false), 8),
      unload: maybe(routineArb('unload', 'DriverUnload', topCtx, false)),
      majors: fc.subarray(MAJORS, { maxLength: 3, minLength: opts.runnable ? 1 : 0 }),
      dpc: maybe(routineArb('dpc', DPCS[0], topCtx, false)),
      workitem: maybe(routineArb('workitem', WORKITEMS[0], topCtx, true)),
      completion: maybe(routineArb('completion', COMPLETIONS[0], topCtx, true)),
      helpers: fc.tuple(...HELPERS.map((h, i) => maybe(routineArb('routine', h, helperCtx(i), true)))),
      seedOrder: fc.boolean(),
    })
    .chain((r) =>
      fc
        .tuple(
          fc.tuple(...(r.majors.length ? r.majors : ['IRP_MJ_READ']).map((m) => blockArb(topCtx, opts.depth))),
          fc.array(
            fc.tuple(
              pick(['steady', '"with space"', 'timer']),
              fc.array(scenarioStepArb(2, r.majors, opts.maxRepeat), { maxLength: 5 }),
              fc.boolean(),
            ),
            { minLength: 1, maxLength: 2 },
          ),
        )
        .map(([dispatchBodies, scenarios]) => {
          const parts: string[] = [];
          if (r.driver) parts.push(`driver ${r.driver};`);
          parts.push(`global ${GLOBALS.join(', ')};`, `list ${LISTS.join(', ')};`);
          const routines: string[] = [];
          if (r.entry) routines.push(r.entry);
          r.majors.forEach((m, i) =>
            routines.push(`dispatch ${m} Dispatch${i} ${opts.runnable ? initLocals(dispatchBodies[i], []) : dispatchBodies[i]}`),
          );
          for (const x of [r.dpc, r.workitem, r.completion, ...r.helpers]) if (x) routines.push(x);
          if (r.unload) routines.push(r.unload);
          if (r.seedOrder) routines.reverse();
          parts.push(...routines);
          for (const [i, [base, steps, unloadAtEnd]] of scenarios.entries()) {
            const name = i === 0 ? base : base.startsWith('"') ? `"${base.slice(1, -1)} ${i}"` : `${base}_${i}`;
            parts.push(`scenario ${name} {\n    load;\n    ${steps.join('\n    ')}${unloadAtEnd ? '\n    unload;' : ''}\n}`);
          }
          return parts.join('\n\n') + '\n';
        }),
    );
}

// ------------------------------------------------------------------ mutation

/** Text that often breaks parsers: keywords out of place, unbalanced brackets, open quotes. */
export const TOKEN_VOCABULARY: readonly string[] = [
  'entry', 'unload', 'dispatch', 'dpc', 'completion', 'workitem', 'routine', 'scenario', 'driver', 'global',
  'list', 'push', 'pop', 'foreach', 'in', 'if', 'else', 'repeat', 'return', 'chance', 'NULL', 'load', 'irp',
  'call', 'process', 'snapshot', 'hittag', 'off', '{', '}', '(', ')', ';', ',', '=', '==', '!=', '|', '%',
  "'", '"', '/*', '*/', '//', "'Abc '", "''", "'TooLong'", '"str"', '0x', '4K', '99999999999999999999M',
  '1.5%', 'IRP_MJ_READ', 'IRP_MJ_BOGUS', 'ExAllocatePool2', 'POOL_FLAG_PAGED', 'PagedPool', '\\', '\n',
  '\r\n', '\r', '\t', '\u0000', '\ufeff', '\u00a0', '\ud800', '\udc00', '😀', 'é', '<script>', '\u001b[31m',
];

const TOKEN_RE = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9A-Fa-f]+[KM]?|[0-9]+(?:\.[0-9]+)?[%KM]?|==|!=|\s+|[\s\S]/g;

export function splitTokens(text: string): string[] {
  return text.match(TOKEN_RE) ?? [];
}

type TokenEdit =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'swap'; at: number; with: number }
  | { op: 'insert'; at: number; token: string }
  | { op: 'truncate'; at: number };

const tokenEdit: fc.Arbitrary<TokenEdit> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), token: pick(TOKEN_VOCABULARY) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

export function applyTokenEdits(text: string, edits: readonly TokenEdit[]): string {
  let toks = splitTokens(text);
  for (const e of edits) {
    if (toks.length === 0) toks = [''];
    const i = e.at % toks.length;
    switch (e.op) {
      case 'delete':
        toks.splice(i, 1);
        break;
      case 'duplicate':
        toks.splice(i, 0, toks[i]);
        break;
      case 'swap': {
        const j = e.with % toks.length;
        [toks[i], toks[j]] = [toks[j], toks[i]];
        break;
      }
      case 'insert':
        toks.splice(i, 0, e.token, ' ');
        break;
      case 'truncate':
        toks = toks.slice(0, i);
        break;
    }
  }
  return toks.join('');
}

type ByteEdit =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; length: number };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), pick([0x22, 0x27, 0x2f, 0x2a, 0x7b, 0x7d, 0x3b, 0x0a, 0x0d, 0xc3, 0xed, 0xf0])), {
      minLength: 1,
      maxLength: 6,
    }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);

/** Applies byte edits to the UTF-8 encoding and decodes with U+FFFD, as `poolscope` reads files. */
export function applyByteEdits(text: string, edits: readonly ByteEdit[]): string {
  let bytes = Array.from(Buffer.from(text, 'utf8'));
  for (const e of edits) {
    const n = bytes.length;
    const i = n === 0 ? 0 : e.at % (n + (e.op === 'insert' ? 1 : 0));
    switch (e.op) {
      case 'flip':
        if (n) bytes[i] ^= 1 << e.bit;
        break;
      case 'set':
        if (n) bytes[i] = e.value;
        break;
      case 'insert':
        bytes.splice(i, 0, ...e.bytes);
        break;
      case 'delete':
        bytes.splice(i, e.length);
        break;
    }
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}

/** Near-valid and hostile variants of the given scripts (token- and byte-level damage). */
export function mutatedArb(sources: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(sources, fc.array(tokenEdit, { minLength: 1, maxLength: 4 })).map(([s, es]) => applyTokenEdits(s, es)),
    fc.tuple(sources, fc.array(byteEdit, { minLength: 1, maxLength: 4 })).map(([s, es]) => applyByteEdits(s, es)),
  );
}

/** Generated scripts, the given fixtures, and mutations of both. */
export function anyScriptArb(fixtures: readonly string[], options: ScriptOptions = {}): fc.Arbitrary<string> {
  const generated = scriptArb(options);
  const base = fixtures.length ? fc.oneof({ weight: 3, arbitrary: generated }, { weight: 1, arbitrary: pick(fixtures) }) : generated;
  return fc.oneof(
    { weight: 2, arbitrary: generated },
    { weight: 3, arbitrary: mutatedArb(base) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
}

/** Every API name of the table, for tests that want to check coverage of the generator. */
export const API_NAMES: readonly string[] = APIS.map((a) => a.name);
export const ALL_MAJORS: readonly string[] = IRP_MAJOR_FUNCTIONS;
