/**
 * The structural rules of rules.md, with their exact placement: duplicate-name on the second
 * declaration's name, wrong-kind on the reference, tag rules on the tag literal (quotes
 * included), unknown-name on the name — plus bad-argument and the symbol table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../../server/src/core/diagnostics';
import { check } from '../../../server/src/core/checker';
import { parse } from '../../../server/src/core/parser';

function checked(...lines: string[]) {
  const text = lines.join('\n');
  const p = parse(text);
  assert.deepEqual(
    p.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`),
    [],
    'the test script must be free of syntax errors',
  );
  return { text, ...check(p.script) };
}

/** `[rule, line, column, endColumn]` of every diagnostic. */
function placed(diagnostics: Diagnostic[]): [string, number, number, number][] {
  return diagnostics.map((d) => [d.rule, d.range.start.line, d.range.start.column, d.range.end.column]);
}

describe('duplicate-name', () => {
  it('sits on the second declaration of a global, list or routine name (shared namespace)', () => {
    const { diagnostics } = checked(
      'global g_A, g_B;', // 1
      'list g_A;', // 2
      'routine g_B { }', // 3
      'routine H { }', // 4
      'routine H { }', // 5
    );
    assert.deepEqual(placed(diagnostics), [
      ['duplicate-name', 2, 6, 9],
      ['duplicate-name', 3, 9, 12],
      ['duplicate-name', 5, 9, 10],
    ]);
    assert.match(diagnostics[0].message, /'g_A' is already declared as a global on line 1/);
    for (const d of diagnostics) assert.equal(d.severity, 'error');
  });

  it('two entry or unload routines: on the second one’s name', () => {
    const { diagnostics } = checked('entry E1 { }', 'unload U1 { }', 'entry E2 { }', 'unload U2 { }');
    assert.deepEqual(placed(diagnostics), [
      ['duplicate-name', 3, 7, 9],
      ['duplicate-name', 4, 8, 10],
    ]);
    assert.match(diagnostics[0].message, /a second entry routine: 'E1' on line 1/);
  });

  it('two dispatch routines for one major code: on the second one’s major code', () => {
    const { diagnostics, symbols } = checked('dispatch IRP_MJ_READ R1 { }', 'dispatch IRP_MJ_WRITE W { }', 'dispatch IRP_MJ_READ R2 { }');
    assert.deepEqual(placed(diagnostics), [['duplicate-name', 3, 10, 21]]);
    assert.equal(symbols.dispatch.get('IRP_MJ_READ')?.name.name, 'R1');
  });

  it('a parameter declared twice, a second driver and a second scenario of one name', () => {
    const { diagnostics } = checked('driver "A.sys";', 'driver "B.sys";', 'routine H(p, p) { }', 'scenario s { }', 'scenario "s" { }');
    assert.deepEqual(placed(diagnostics), [
      ['duplicate-name', 2, 8, 15],
      ['duplicate-name', 3, 14, 15],
      ['duplicate-name', 5, 10, 13],
    ]);
  });
});

describe('unknown-name', () => {
  it('a call that is neither a routine nor an API, on the callee, with a suggestion', () => {
    const { diagnostics } = checked('entry E {', "    ExFreePoolWithTg(p, 'Abc ');", '    p = NULL;', '}');
    assert.deepEqual(placed(diagnostics), [['unknown-name', 2, 5, 21]]);
    assert.match(diagnostics[0].message, /did you mean 'ExFreePoolWithTag'\?/);
  });

  it('reading a local that nothing assigns; parameters, globals and locals assigned later are fine', () => {
    const { diagnostics } = checked(
      'global g;', // 1
      'routine H(p) {', // 2
      "    ExFreePoolWithTag(p, 'Abc ');", // 3
      "    ExFreePoolWithTag(g, 'Abc ');", // 4
      "    ExFreePoolWithTag(later, 'Abc ');", // 5  assigned on line 6: flow-insensitive
      '    later = NULL;', // 6
      '    if (never != NULL) return;', // 7
      '    push L, p;', // 8  L is no list
      '}',
    );
    assert.deepEqual(placed(diagnostics), [
      ['unknown-name', 7, 9, 14],
      ['unknown-name', 8, 10, 11],
    ]);
    assert.match(diagnostics[0].message, /'never' is not a parameter of 'H', no statement of it assigns 'never'/);
    assert.match(diagnostics[1].message, /no list named 'L' is declared/);
  });

  it('spin-lock names need no declaration; an IoAllocateMdl buffer may be any name', () => {
    const { diagnostics } = checked(
      'entry E {',
      '    KeAcquireSpinLock(g_Lock);',
      '    KeReleaseSpinLock(g_Lock);',
      '    m = IoAllocateMdl(UserBuffer, 0x2000);',
      '    IoFreeMdl(m);',
      '}',
    );
    assert.deepEqual(diagnostics, []);
  });

  it('unknown pool types, pool flags, IRQL names and IRP_MJ codes, on the name', () => {
    const { diagnostics } = checked(
      'dispatch IRP_MJ_REED R {', // 1
      "    a = ExAllocatePoolWithTag(PagedPoool, 8, 'Abc ');", // 2
      "    b = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_QUOTA, 8, 'Abd ');", // 3
      '    KeRaiseIrql(HIGH_LEVEL);', // 4
      '}',
      'scenario s { irp IRP_MJ_WRTIE; }', // 6
    );
    assert.deepEqual(placed(diagnostics), [
      ['unknown-name', 1, 10, 21],
      ['unknown-name', 2, 31, 41],
      ['unknown-name', 3, 43, 58],
      ['unknown-name', 4, 17, 27],
      ['unknown-name', 6, 18, 30],
    ]);
    assert.match(diagnostics[0].message, /did you mean 'IRP_MJ_READ'/);
    assert.match(diagnostics[1].message, /did you mean 'PagedPool'/);
    assert.match(diagnostics[2].message, /did you mean 'POOL_FLAG_USE_QUOTA'/);
  });

  it('suggests a name that differs in case or was cut off, and nothing far away', () => {
    const { diagnostics } = checked('entry E {', '    KeRaiseIrql(DISPATCH);', '    exfreepool(NULL);', '    Zzyzx();', '}');
    assert.deepEqual(placed(diagnostics), [
      ['unknown-name', 2, 17, 25],
      ['unknown-name', 3, 5, 15],
      ['unknown-name', 4, 5, 10],
    ]);
    assert.match(diagnostics[0].message, /did you mean 'DISPATCH_LEVEL'\?/);
    assert.match(diagnostics[1].message, /did you mean 'ExFreePool'\?/);
    assert.doesNotMatch(diagnostics[2].message, /did you mean/);
  });

  it('scenario steps naming no routine, and queueing calls naming no routine', () => {
    const { diagnostics } = checked('entry E { KeInsertQueueDpc(Nothing); }', 'scenario s { load; dpc Nope; workitem None; call Nil; }');
    assert.deepEqual(placed(diagnostics), [
      ['unknown-name', 1, 28, 35],
      ['unknown-name', 2, 24, 28],
      ['unknown-name', 2, 39, 43],
      ['unknown-name', 2, 50, 53],
    ]);
  });
});

describe('wrong-kind', () => {
  const routines = ['entry E { }', 'dpc D { }', 'workitem W(w) { }', 'completion C(i) { }', 'routine H { }'];

  it('scenario dpc / workitem naming a routine of another kind: on the name', () => {
    const { diagnostics } = checked(...routines, 'scenario s { load; dpc W; workitem D; dpc D; workitem W; call H; }');
    assert.deepEqual(placed(diagnostics), [
      ['wrong-kind', 6, 24, 25],
      ['wrong-kind', 6, 36, 37],
    ]);
    assert.match(diagnostics[0].message, /'W' is a workitem routine \(line 3\), not a dpc routine/);
  });

  it('KeInsertQueueDpc, IoQueueWorkItem, ExQueueWorkItem, IoSetCompletionRoutineEx with the wrong kind: on the routine argument', () => {
    const { diagnostics } = checked(
      ...routines,
      'routine Q(p) {', // 6
      '    KeInsertQueueDpc(W);', // 7
      '    w = IoAllocateWorkItem();', // 8
      '    IoQueueWorkItem(w, D);', // 9
      '    ExQueueWorkItem(p, C);', // 10
      '    i = IoAllocateIrp(2);', // 11
      '    IoSetCompletionRoutineEx(i, H);', // 12
      '    IoSetCompletionRoutineEx(i, C);', // 13 right kind
      '    IoQueueWorkItem(w, W);', // 14 right kind
      '    KeInsertQueueDpc(D);', // 15 right kind
      '}',
    );
    assert.deepEqual(placed(diagnostics), [
      ['wrong-kind', 7, 22, 23],
      ['wrong-kind', 9, 24, 25],
      ['wrong-kind', 10, 24, 25],
      ['wrong-kind', 12, 33, 34],
    ]);
    assert.match(diagnostics[3].message, /'H' is a helper routine \(line 5\), not a completion routine/);
  });

  it('load with no entry routine: on the load step; irp with no dispatch routine: on the code', () => {
    const { diagnostics } = checked('dispatch IRP_MJ_READ R { }', 'scenario s {', '    load;', '    irp IRP_MJ_READ;', '    irp IRP_MJ_WRITE;', '}');
    assert.deepEqual(placed(diagnostics), [
      ['wrong-kind', 3, 5, 10],
      ['wrong-kind', 5, 9, 21],
    ]);
    assert.match(diagnostics[0].message, /declares none/);
    assert.match(diagnostics[1].message, /no dispatch routine handles IRP_MJ_WRITE/);
  });

  it('push/pop/foreach naming a global or local, and pointer reads naming a list or routine', () => {
    const { diagnostics } = checked(
      'global g;', // 1
      'list L;', // 2
      'routine H(p) {', // 3
      '    push g, p;', // 4
      '    x = pop p;', // 5
      '    foreach e in H { }', // 6
      "    ExFreePoolWithTag(L, 'Abc ');", // 7
      '    L = NULL;', // 8
      '}',
    );
    assert.deepEqual(placed(diagnostics), [
      ['wrong-kind', 4, 10, 11],
      ['wrong-kind', 5, 13, 14],
      ['wrong-kind', 6, 18, 19],
      ['wrong-kind', 7, 23, 24],
      ['wrong-kind', 8, 5, 6],
    ]);
    assert.match(diagnostics[0].message, /'g' is a global, not a list/);
    assert.match(diagnostics[3].message, /'L' is a list, not a pointer: take a pointer out of it with 'pop L'/);
  });
});

describe('invalid-tag and short-tag', () => {
  it('invalid-tag on the literal including its quotes: empty, too long, outside printable ASCII', () => {
    const { diagnostics } = checked(
      'entry E {',
      "    a = ExAllocatePool2(POOL_FLAG_PAGED, 8, '');",
      "    b = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Abcde');",
      "    c = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Ab\u00e9');",
      '}',
    );
    assert.deepEqual(placed(diagnostics), [
      ['invalid-tag', 2, 45, 47],
      ['invalid-tag', 3, 45, 52],
      ['invalid-tag', 4, 45, 50],
    ]);
    assert.match(diagnostics[0].message, /empty pool tag/);
    assert.match(diagnostics[1].message, /'Abcde' has 5 characters/);
    assert.match(diagnostics[2].message, /U\+00E9, outside printable ASCII/);
  });

  it("short-tag is info, shows the padded form and offers 'Pad tag to 4 characters'", () => {
    const { diagnostics, text } = checked('entry E {', "    a = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Abc');", '}', "scenario s { load; hittag 'X'; }");
    assert.deepEqual(placed(diagnostics), [
      ['short-tag', 2, 45, 50],
      ['short-tag', 4, 27, 30],
    ]);
    const [abc] = diagnostics;
    assert.equal(abc.severity, 'info');
    assert.match(abc.message, /tag 'Abc' is 'Abc '/);
    assert.equal(abc.fixes?.length, 1);
    const fix = abc.fixes![0];
    assert.deepEqual([fix.title, fix.kind, fix.isPreferred], ['Pad tag to 4 characters', 'quickfix', true]);
    assert.equal(fix.edits.length, 1);
    const edit = fix.edits[0];
    assert.equal(text.slice(edit.range.start.offset, edit.range.end.offset), "'Abc'");
    assert.equal(edit.newText, "'Abc '");
    assert.equal(diagnostics[1].fixes![0].edits[0].newText, "'X   '");
  });

  it('four-character tags, including spaces, are fine', () => {
    const { diagnostics } = checked('entry E {', "    a = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'A   ');", "    ExFreePoolWithTag(a, 'A   ');", '}');
    assert.deepEqual(diagnostics, []);
  });
});

describe('bad-argument', () => {
  it('wrong number of arguments: missing ones on the callee, extra ones on the first extra', () => {
    const { diagnostics } = checked(
      'routine H(p) { }', // 1
      'entry E {', // 2
      '    a = ExAllocatePoolWithTag(PagedPool, 8);', // 3
      "    ExFreePoolWithTag(a, 'Abc ', 3);", // 4
      '    H();', // 5
      '    H(a, a);', // 6
      '}',
    );
    assert.deepEqual(placed(diagnostics), [
      ['bad-argument', 3, 9, 30],
      ['bad-argument', 4, 34, 35],
      ['bad-argument', 5, 5, 6],
      ['bad-argument', 6, 10, 11],
    ]);
    assert.match(diagnostics[0].message, /ExAllocatePoolWithTag takes 3 arguments in the model \(PoolType, NumberOfBytes, Tag\), found 2/);
  });

  it('a number or a name where a tag is required; a size that is no number', () => {
    const { diagnostics } = checked('entry E {', '    a = ExAllocatePoolWithTag(PagedPool, 8, 0x41);', '    b = ExAllocatePoolWithTag(PagedPool, size, MY_TAG);', '}');
    assert.deepEqual(placed(diagnostics), [
      ['bad-argument', 2, 45, 49],
      ['bad-argument', 3, 42, 46],
      ['bad-argument', 3, 48, 54],
    ]);
    assert.match(diagnostics[0].message, /must be a pool tag literal such as 'Abc ', found the number 0x41/);
  });

  it('ExAllocatePool2 flags naming no pool type or two: on the flags', () => {
    const { diagnostics } = checked(
      'entry E {',
      "    a = ExAllocatePool2(POOL_FLAG_USE_QUOTA, 8, 'Abc ');",
      "    b = ExAllocatePool2(POOL_FLAG_PAGED | POOL_FLAG_NON_PAGED, 8, 'Abd ');",
      "    c = ExAllocatePool3(POOL_FLAG_NON_PAGED | POOL_FLAG_USE_QUOTA, 8, 'Abe ');",
      "    d = ExAllocatePool2(PagedPool, 8, 'Abf ');",
      '}',
    );
    assert.deepEqual(placed(diagnostics), [
      ['bad-argument', 2, 25, 44],
      ['bad-argument', 3, 25, 62],
      ['bad-argument', 5, 25, 34],
    ]);
    assert.match(diagnostics[0].message, /name no pool type/);
    assert.match(diagnostics[1].message, /name 2 pool types \(POOL_FLAG_PAGED, POOL_FLAG_NON_PAGED\)/);
    assert.match(diagnostics[2].message, /not the POOL_TYPE 'PagedPool': use POOL_FLAG_PAGED/);
  });

  it('assigning the result of an API that returns nothing, or of a helper', () => {
    const { diagnostics } = checked('routine H { }', 'entry E {', "    a = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Abc ');", "    r = ExFreePoolWithTag(a, 'Abc ');", '    s = H();', '}');
    assert.deepEqual(placed(diagnostics), [
      ['bad-argument', 4, 9, 26],
      ['bad-argument', 5, 9, 10],
    ]);
    assert.match(diagnostics[0].message, /ExFreePoolWithTag returns no block in the model/);
  });

  it('a percentage above 100% in chance()', () => {
    const { diagnostics } = checked('entry E { if (chance(150%)) return; }');
    assert.deepEqual(placed(diagnostics), [['bad-argument', 1, 22, 26]]);
  });
});

describe('symbol table', () => {
  const { symbols } = checked(
    'global g_Ctx;', // 1
    'list g_Q;', // 2
    'entry DriverEntry {', // 3
    "    g_Ctx = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Ctx ');", // 4
    '    Helper(g_Ctx);', // 5
    '}', // 6
    'routine Helper(p) {', // 7
    '    x = pop g_Q;', // 8
    '    foreach e in g_Q { }', // 9
    '}', // 10
    'unload DriverUnload { }', // 11
    'dispatch IRP_MJ_CREATE Create { }', // 12
  );

  it('maps names to declarations and finds entry, unload and dispatch routines', () => {
    assert.deepEqual([...symbols.routines.keys()], ['DriverEntry', 'Helper', 'DriverUnload', 'Create']);
    assert.deepEqual([...symbols.globals.keys()], ['g_Ctx']);
    assert.deepEqual([...symbols.lists.keys()], ['g_Q']);
    assert.equal(symbols.entry?.name.name, 'DriverEntry');
    assert.equal(symbols.unload?.name.name, 'DriverUnload');
    assert.deepEqual([...symbols.dispatch.keys()], ['IRP_MJ_CREATE']);
  });

  it('records locals per routine: parameters and assigned names, not globals', () => {
    const locals = (name: string) => [...symbols.locals.get(symbols.routines.get(name)!)!].sort();
    assert.deepEqual(locals('DriverEntry'), []);
    assert.deepEqual(locals('Helper'), ['e', 'p', 'x']);
  });

  it('resolves calls to APIs and helpers, and finds the routine at an offset', () => {
    const entry = symbols.entry!;
    const [alloc, call] = entry.body.statements;
    assert.ok(alloc.type === 'assign' && alloc.value.type === 'call');
    if (alloc.type === 'assign' && alloc.value.type === 'call') {
      const r = symbols.resolveCall(alloc.value);
      assert.equal(r.kind === 'api' && r.api.name, 'ExAllocatePool2');
    }
    assert.ok(call.type === 'callStatement');
    if (call.type === 'callStatement') {
      const r = symbols.resolveCall(call.call);
      assert.equal(r.kind === 'helper' && r.routine.name.name, 'Helper');
    }
    assert.equal(symbols.routineAt(alloc.range.start.offset)?.name.name, 'DriverEntry');
    assert.equal(symbols.routineAt(symbols.routines.get('Create')!.range.end.offset - 1)?.name.name, 'Create');
    assert.equal(symbols.routineAt(0), undefined); // the global declaration
  });
});
