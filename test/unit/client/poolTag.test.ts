// The client's tag parsing (input boxes) and `!poolused` wildcard matching (report filter).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePoolTagInput, parsePoolTag, tagMatches } from '../../../client/src/poolTag';

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
  assert.ok(tagMatches('Ab*', 'Abc '));
  assert.ok(tagMatches('?bc', 'Abc '));
  assert.ok(tagMatches('Abc ', 'Abc '));
  assert.ok(tagMatches('', 'Ctx '));
  assert.ok(!tagMatches('ab*', 'Abc '), 'case-sensitive');
  assert.ok(!tagMatches('Ab*', 'Ctx '));
  assert.ok(tagMatches('<i*', '<img'), 'regex characters are literal');
  assert.ok(!tagMatches('.bc', 'Abc '));
});

test('the tag input box shows the ed nt!poolhittag line as you type, or why it is not a tag', () => {
  assert.equal(describePoolTagInput(''), undefined, 'nothing under an empty box');
  assert.deepEqual(describePoolTagInput('Abc'), { info: "'Abc ' → ed nt!poolhittag 0x20636241  (C constant ' cbA')" });
  assert.deepEqual(describePoolTagInput("'Tron'"), { info: "'Tron' → ed nt!poolhittag 0x6e6f7254  (C constant 'norT')" });
  assert.deepEqual(describePoolTagInput('Abcde'), { error: "'Abcde' has 5 characters; a pool tag has at most 4." });
});
