/**
 * Error recovery, as language.md "Error recovery" fixes it: one mistake gives one
 * syntax-error, and the rest of the file is still analysed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../../../server/src/core/checker';
import { parse } from '../../../server/src/core/parser';

/** `rule line:column` of every diagnostic of parse + check. */
function findings(text: string): string[] {
  const p = parse(text);
  const c = check(p.script);
  return [...p.diagnostics, ...c.diagnostics].map((d) => `${d.rule} ${d.range.start.line}:${d.range.start.column}`);
}

function syntaxErrors(text: string) {
  return parse(text).diagnostics.filter((d) => d.rule === 'syntax-error');
}

describe('recovery: missing semicolon', () => {
  it('at the end of a line: one error just after the statement, and the statement is kept', () => {
    const text = ['entry E {', "    p = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Abc ')", "    ExFreePoolWithTag(p, 'Abc ');", '}'].join('\n');
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column, d.range.end.line, d.range.end.column, d.message]),
      [[2, 56, 2, 56, "expected ';' after the assignment, found 'ExFreePoolWithTag'"]],
    );
    // Treated as inserted: both statements are complete, nothing else is reported.
    assert.deepEqual(r.script.routines[0].body.statements.map((s) => s.type), ['assign', 'callStatement']);
    assert.deepEqual(check(r.script).diagnostics, []);
  });

  it('before another token on the same line: one error on that token', () => {
    const r = parse('entry E { return }');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column, d.message]),
      [[1, 18, "expected ';' after 'return', found '}'"]],
    );
  });

  it('in declarations and scenario steps: one error each, the declaration kept', () => {
    const text = ['driver "A.sys"', 'global g', 'entry E { }', 'scenario s {', '    load', '    unload;', '}'].join('\n');
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column]),
      [
        [1, 15],
        [2, 9],
        [5, 9],
      ],
    );
    assert.equal(r.script.driver?.name.value, 'A.sys');
    assert.deepEqual(r.script.scenarios[0].steps.map((s) => s.type), ['load', 'unload']);
  });
});

describe('recovery: missing closing brace', () => {
  it("a routine kind at the start of a line closes every open block: one error, no second at end of file", () => {
    const text = [
      'dispatch IRP_MJ_READ ReadDispatch {', // 1
      "    buf = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'Abc ');", // 2
      '    if (buf != NULL) {', // 3
      "        ExFreePoolWithTag(buf, 'Abc ');", // 4
      '', // 5
      'dpc TimerDpc {', // 6
      '    x = Missing();', // 7
      '}', // 8
    ].join('\n');
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.rule, d.range.start.line, d.range.start.column]),
      [['syntax-error', 6, 1]],
    );
    assert.match(r.diagnostics[0].message, /^expected '}' .* found keyword 'dpc'$/);
    // The new declaration parses normally and is analysed.
    assert.deepEqual(r.script.routines.map((x) => x.name.name), ['ReadDispatch', 'TimerDpc']);
    assert.deepEqual(
      check(r.script).diagnostics.map((d) => [d.rule, d.range.start.line, d.range.start.column]),
      [['unknown-name', 7, 9]],
    );
  });

  it('closes on every declaration keyword, and on scenario', () => {
    for (const kw of ['entry E', 'unload U', 'dispatch IRP_MJ_CLOSE C', 'dpc D', 'completion C', 'workitem W', 'routine H', 'scenario s']) {
      const r = parse(`routine R {\n    if (chance(5%)) {\n        return;\n${kw} {\n}\n`);
      assert.deepEqual(
        r.diagnostics.map((d) => [d.range.start.line, d.range.start.column]),
        [[4, 1]],
        kw,
      );
      assert.equal(r.script.declarations.length, 2, kw);
    }
  });

  it('in a scenario: a routine declaration closes it; dpc/workitem/unload steps do not', () => {
    const text = ['scenario s {', '    load;', '    dpc D;', '    unload;', 'dpc D {', '}', 'entry E { }'].join('\n');
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column]),
      [[5, 1]],
    );
    assert.deepEqual(r.script.scenarios[0].steps.map((s) => s.type), ['load', 'dpc', 'unload']);
    assert.deepEqual(r.script.routines.map((x) => x.name.name), ['D', 'E']);
  });

  it('at end of file: one error at the end', () => {
    const text = 'entry E {\n    if (chance(1%)) {\n        return;\n';
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column, d.message]),
      [[4, 1, "expected '}' to close the block of E opened on line 2, found end of file"]],
    );
  });

  it('a run of stray closing braces at the top level is one error', () => {
    const r = parse('entry E { }\n}\n}\n}\nscenario s { load; }');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column]),
      [[2, 1]],
    );
    assert.equal(r.script.scenarios.length, 1);
  });
});

describe('recovery: statements that fail to parse', () => {
  it('still declare the local they assign, and contribute nothing else', () => {
    const text = [
      'entry E {', // 1
      "    buf = ExAllocatePoolWithTag(PagedPool 4K, 'Abc ');", // 2: missing ','
      "    ExFreePoolWithTag(buf, 'Abc ');", // 3: buf is declared, no unknown-name
      '}',
    ].join('\n');
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column, d.message]),
      [[2, 43, "expected ',' or ')' in the arguments of 'ExAllocatePoolWithTag', found '4K'"]],
    );
    const [broken, free] = r.script.routines[0].body.statements;
    assert.equal(broken.type, 'error');
    assert.equal(broken.type === 'error' && broken.assigns?.name, 'buf');
    assert.deepEqual([broken.range.start.line, broken.range.start.column, broken.range.end.column], [2, 5, 55]);
    assert.equal(free.type, 'callStatement');
    assert.deepEqual(check(r.script).diagnostics, []);
  });

  it('skip a whole braced group when the error is in an if header', () => {
    const text = ['entry E {', '    if (x > 3) {', '        y = Missing();', '    }', '    z = Other();', '}'].join('\n');
    assert.deepEqual(findings(text), ['syntax-error 2:11', 'unknown-name 5:9']);
  });

  it('declare the locals assigned inside skipped text, so no unknown-name follows', () => {
    const text = [
      'entry E {', // 1
      '    if (', // 2  half-typed condition above an assignment
      "    buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Abc ');", // 3
      '    ExFreePool(buf);', // 4
      '    if (x > 3) { a = NULL; b = NULL; }', // 5
      '    ExFreePool(a);', // 6
      '    ExFreePool(b);', // 7
      '}',
    ].join('\n');
    assert.deepEqual(findings(text), ['syntax-error 3:9', 'syntax-error 5:11']);
    const r = parse(text);
    const errors = r.script.routines[0].body.statements.filter((s) => s.type === 'error');
    assert.deepEqual(
      errors.map((s) => (s.type === 'error' ? s.assigns?.name : '')),
      ['buf', 'a', 'b'],
    );
  });

  it('declare the locals of skipped text in the block that holds the broken statement, not in the next block parsed', () => {
    const text = ['entry E {', '    if (chance(0%))) {', '        a = NULL;', '        b = NULL;', '    } else repeat 0 {', '        c = NULL;', '    }', '}'].join('\n');
    const r = parse(text);
    const [ifStatement, b] = r.script.routines[0].body.statements;
    assert.equal(ifStatement.type, 'if');
    assert.deepEqual([b.type, b.type === 'error' && b.assigns?.name], ['error', 'b']);
    const repeat = ifStatement.type === 'if' ? ifStatement.else : undefined;
    assert.deepEqual(repeat?.type === 'repeat' && repeat.body.statements.map((s) => s.type), ['assign']);
    assert.deepEqual(findings(text), ['syntax-error 2:20']);
  });

  it('a half-typed line does not swallow the next statement; its error stays on its own line', () => {
    const text = [
      'entry E {', // 1
      "    buf = ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'Abc ');", // 2
      '    ExFree', // 3  being typed
      '    ExFreePool(buf);', // 4
      '    x =', // 5  being typed
      '    y = NULL;', // 6
      '    z = ExAllocatePoolWithTag(', // 7  a call over several lines, missing ','
      '        PagedPool,', // 8
      '        4K', // 9
      "        'Abc ');", // 10
      '    ExFreePool(z);', // 11
      '    ExFreePool(y);', // 12
      '}',
    ].join('\n');
    const r = parse(text);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column, d.range.end.line, d.range.end.column]),
      [
        [3, 11, 3, 11],
        [5, 8, 5, 8],
        [9, 11, 9, 11],
      ],
    );
    assert.deepEqual(
      r.script.routines[0].body.statements.map((s) => s.type),
      ['assign', 'error', 'callStatement', 'error', 'assign', 'error', 'callStatement', 'callStatement'],
    );
    // Nothing else: y and z are declared, the frees are analysed.
    assert.deepEqual(check(r.script).diagnostics, []);
  });

  it('report a misspelt keyword or stray token once', () => {
    assert.deepEqual(findings('entry E {\n    retrun;\n    foo bar;\n}'), ['syntax-error 2:11', 'syntax-error 3:9']);
    assert.deepEqual(
      syntaxErrors('entry E { x = 4KB; }').map((d) => d.message),
      ["expected a call, 'pop list', NULL or a name after 'x =', found '4KB' ('4KB' is not a valid number: a number is decimal or 0x hexadecimal with an optional size suffix K or M (uppercase))"],
    );
    assert.deepEqual(
      syntaxErrors("entry E { x = ExAllocatePool2(POOL_FLAG_PAGED, 8, 'Ab' @ ); }").map((d) => [d.range.start.column, d.message]),
      [[56, "expected ',' or ')' in the arguments of 'ExAllocatePool2', found '@' (character '@' is not part of the language)"]],
    );
  });

  it('recover inside scenario steps', () => {
    const text = ['dpc D { }', 'scenario s {', '    load', '    irp;', '    bogus step;', '    dpc Nope;', '    repeat x { load; }', '}'].join('\n');
    assert.deepEqual(findings(text).sort(byLine), [
      'syntax-error 3:9',
      'syntax-error 4:8',
      'syntax-error 5:5',
      'unknown-name 6:9',
      'syntax-error 7:12',
      'wrong-kind 3:5',
    ].sort(byLine));
    const steps = parse(text).script.scenarios[0].steps.map((s) => s.type);
    assert.deepEqual(steps, ['load', 'error', 'error', 'dpc', 'error']);
  });
});

describe('recovery: a file with several independent mistakes', () => {
  it('reports each once and still analyses the routines after the broken ones', () => {
    const text = [
      'global g_Ctx;', // 1
      'entry DriverEntry {', // 2
      "    g_Ctx = ExAllocatePool2(POOL_FLAG_NON_PAGED, 0x200, 'Ctx ')", // 3  missing ;
      '}', // 4
      'dispatch IRP_MJ_READ Read {', // 5
      "    buf = ExAllocatePoolWithTag(PagedPool, 4K 'Abc ');", // 6  missing ,
      '    if (buf == NULL return;', // 7  missing )
      '', // 8
      'dpc TimerDpc {', // 9  (Read is not closed)
      '    KeInsertQueueDpc(Work);', // 10 unknown-name
      '}', // 11
      'routine Helper(p) {', // 12
      "    ExFreePoolWithTag(q, 'Ab');", // 13 unknown-name q, short-tag
      '}', // 14
      'scenario s { load; irp IRP_MJ_READ; dpc TimerDpc; call Helperr; }', // 15 unknown-name Helperr
    ].join('\n');
    assert.deepEqual(findings(text).sort(byLine), [
      'syntax-error 3:64',
      'syntax-error 6:47',
      'syntax-error 7:21',
      'syntax-error 9:1',
      'unknown-name 10:22',
      'unknown-name 13:23',
      'short-tag 13:26',
      'unknown-name 15:56',
    ]);
    const r = parse(text);
    assert.deepEqual(r.script.routines.map((x) => x.name.name), ['DriverEntry', 'Read', 'TimerDpc', 'Helper']);
    assert.match(check(r.script).diagnostics.find((d) => d.range.start.line === 15)!.message, /did you mean 'Helper'/);
  });
});

function byLine(a: string, b: string): number {
  const pa = a.split(' ')[1].split(':').map(Number);
  const pb = b.split(' ')[1].split(':').map(Number);
  return pa[0] - pb[0] || pa[1] - pb[1];
}
