// Pool tags, tested once (server/src/core/poolTag.ts): a tag as typed (input boxes, --hit-tag,
// LSP requests), display ↔ ULONG ↔ C constant, and `!poolused`'s wildcard match, which the
// reports, `!poolfind` and the Pool Report's filter all use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describePoolTagInput,
  hitTagCommand,
  matchTagPattern,
  padTag,
  parsePoolTag,
  tagDisplayValue,
  tagFromCConstant,
  tagInputText,
  tagToCConstant,
  tagToUlong,
  ulongToTag,
  validateTagPattern,
} from '../../../server/src/core/poolTag';

test("display 'Abc ' is the little-endian ULONG 0x20636241 (ed nt!poolhittag)", () => {
  const t = parsePoolTag('Abc');
  assert.ok(!('error' in t));
  assert.equal(t.display, 'Abc ');
  assert.equal(t.ulong, '0x20636241');
  assert.equal(t.edCommand, 'ed nt!poolhittag 0x20636241');
  assert.equal(t.cConstant, "' cbA'");
});

test('quotes are optional and spaces inside them count', () => {
  for (const input of ["'Abc '", "'Abc'", 'Abc', '  Abc  ']) assert.equal((parsePoolTag(input) as { display: string }).display, 'Abc ');
  assert.equal((parsePoolTag('Tron') as { ulong: string }).ulong, '0x6e6f7254');
  assert.equal((parsePoolTag("' a'") as { display: string }).display, ' a  ');
});

test('invalid tags say why', () => {
  assert.match((parsePoolTag('') as { error: string }).error, /1 to 4/);
  assert.match((parsePoolTag("''") as { error: string }).error, /empty/);
  assert.match((parsePoolTag('Abcde') as { error: string }).error, /at most 4/);
  assert.match((parsePoolTag('Ab\u00e9') as { error: string }).error, /printable ASCII/);
});

test('wildcards like !poolused 4 Ab*', () => {
  assert.ok(matchTagPattern('Abc ', 'Ab*'));
  assert.ok(matchTagPattern('Abc ', '?bc'));
  assert.ok(matchTagPattern('Abc ', 'Abc '));
  assert.ok(matchTagPattern('Ctx ', ''));
  assert.ok(!matchTagPattern('Abc ', 'ab*'), 'case-sensitive');
  assert.ok(!matchTagPattern('Ctx ', 'Ab*'));
  assert.ok(matchTagPattern('<img', '<i*'), 'regex characters are literal');
  assert.ok(!matchTagPattern('Abc ', '.bc'));
});

test('the tag input box shows the ed nt!poolhittag line as you type, or why it is not a tag', () => {
  assert.equal(describePoolTagInput(''), undefined, 'nothing under an empty box');
  assert.deepEqual(describePoolTagInput('Abc'), { info: "'Abc ' → ed nt!poolhittag 0x20636241  (C constant ' cbA')" });
  assert.deepEqual(describePoolTagInput("'Tron'"), { info: "'Tron' → ed nt!poolhittag 0x6e6f7254  (C constant 'norT')" });
  assert.deepEqual(describePoolTagInput('Abcde'), { error: "'Abcde' has 5 characters; a pool tag has at most 4." });
});

test('matchTagPattern: * any run, ? one character, case-sensitive, short plain patterns padded', () => {
  assert.equal(matchTagPattern('Abc ', 'Abc '), true);
  assert.equal(matchTagPattern('Abc ', 'Abc'), true);
  assert.equal(matchTagPattern('Abc ', 'abc '), false);
  assert.equal(matchTagPattern('Abc ', 'A*'), true);
  assert.equal(matchTagPattern('Abc ', '*c*'), true);
  assert.equal(matchTagPattern('Abc ', '*x*'), false);
  assert.equal(matchTagPattern('Abc ', 'A?c?'), true);
  assert.equal(matchTagPattern('Abcd', 'A?c'), false);
  assert.equal(matchTagPattern('NtFA', 'NtF?'), true);
  assert.equal(matchTagPattern('NtF', 'NtF?'), true); // 'NtF ' — the space is a character
  assert.equal(matchTagPattern('1MEM', '?MEM'), true);
  assert.equal(matchTagPattern('a.c ', 'a.c'), true);
  assert.equal(matchTagPattern('abc ', 'a.c'), false, 'regex characters are literal');
});

test('a pattern with * is not padded: A*c needs the tag to end in c, as !poolused reads it', () => {
  assert.equal(matchTagPattern('Abc ', 'A*c'), false);
  assert.equal(matchTagPattern('Abzc', 'A*c'), true);
  assert.equal(matchTagPattern('Abc ', 'A*c '), true);
});

test('validateTagPattern refuses the empty pattern and a plain pattern over four characters', () => {
  assert.equal(validateTagPattern(''), 'empty tag pattern');
  assert.equal(validateTagPattern('Abcde'), "tag pattern 'Abcde' is longer than four characters");
  assert.equal(validateTagPattern('Abcde*'), undefined);
  assert.equal(validateTagPattern('Ab?'), undefined);
});

test('display ↔ ULONG ↔ C constant: Abc  = 0x20636241 = C \' cbA\'', () => {
  assert.equal(tagToUlong('Abc '), 0x20636241);
  assert.equal(tagToUlong('Tron'), 0x6e6f7254);
  assert.equal(ulongToTag(0x20636241), 'Abc ');
  assert.equal(ulongToTag(0x6e6f7254), 'Tron');
  assert.equal(tagToCConstant('Abc '), "' cbA'");
  assert.equal(hitTagCommand('Tron'), 'ed nt!poolhittag 0x6e6f7254');
  for (const t of ['Abc ', 'Tron', ' a  ', '~!@#', "'\\' "]) assert.equal(ulongToTag(tagToUlong(t)), t, `round trip of '${t}'`);
});

test("a C multi-character constant is read reversed: C 'ZtaF' is display FatZ", () => {
  assert.deepEqual(tagFromCConstant("'ZtaF'"), { tag: 'FatZ', ulong: 0x5a746146 });
  assert.deepEqual(tagFromCConstant('ZtaF'), { tag: 'FatZ', ulong: 0x5a746146 });
  assert.deepEqual(tagFromCConstant("' cbA'"), { tag: 'Abc ', ulong: 0x20636241 });
  // Fewer than four characters leave zero high bytes, shown as the padding spaces.
  assert.deepEqual(tagFromCConstant("'gaT'"), { tag: 'Tag ', ulong: 0x00676154 });
  assert.deepEqual(tagFromCConstant("'a\\'b'"), { tag: "b'a ", ulong: 0x00612762 });
  assert.deepEqual(tagFromCConstant("''"), { error: 'an empty C constant is not a pool tag' });
  assert.deepEqual(tagFromCConstant("'Abcde'"), { error: "the C constant 'Abcde' has 5 characters; a pool tag has at most 4" });
  assert.deepEqual(tagFromCConstant("'A\\nb'"), { error: "the C constant 'A\\nb' uses an escape a pool tag cannot hold" });
  assert.deepEqual(tagFromCConstant("'Ab\u00e9'"), { error: "the C constant 'Ab\u00e9' has a character outside printable ASCII (0x20–0x7E)" });
  const forward = tagFromCConstant(tagToCConstant('Fat '));
  assert.deepEqual(forward, { tag: 'Fat ', ulong: tagToUlong('Fat ') }, 'tagToCConstant and tagFromCConstant are inverses');
});

test('a parsed tag parses to itself (a display tag with a leading space included); double quotes work as on a shell', () => {
  for (const t of ['Abc ', ' Abc', '  a ', 'Tron', "'ab "]) assert.equal((parsePoolTag(t) as { display: string }).display, t, `'${t}'`);
  assert.equal((parsePoolTag('"Abc "') as { display: string }).display, 'Abc ');
  assert.equal((parsePoolTag('" a"') as { display: string }).display, ' a  ');
  assert.equal(tagInputText("'Ab'"), 'Ab');
  assert.equal(tagInputText('  Ab '), 'Ab');
  assert.deepEqual(parsePoolTag('Abcde'), { error: "'Abcde' has 5 characters; a pool tag has at most 4.", problem: 'too-long', text: 'Abcde' });
});

test('a script literal: 1 to 4 printable characters, padded', () => {
  assert.equal(tagDisplayValue('Abc'), 'Abc ');
  assert.equal(tagDisplayValue(''), undefined);
  assert.equal(tagDisplayValue('Abcde'), undefined);
  assert.equal(tagDisplayValue('Ab\t'), undefined);
  assert.equal(padTag('A'), 'A   ');
});
