import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenize, type Token } from '../../../server/src/core/lexer';

/** The tokens of `text` without the final eof. */
function toks(text: string): Token[] {
  const { tokens } = tokenize(text);
  assert.equal(tokens[tokens.length - 1].kind, 'eof');
  return tokens.slice(0, -1);
}

function one(text: string): Token {
  const t = toks(text);
  assert.equal(t.length, 1, `one token expected in ${JSON.stringify(text)}, got ${t.map((x) => x.text).join(' ')}`);
  return t[0];
}

describe('lexer: numbers and percentages', () => {
  it('reads decimal, hexadecimal and K/M suffixes', () => {
    assert.deepEqual(
      ['4096', '0x1000', '0X1f', '4K', '2M', '0x10K', '0'].map((s) => [one(s).kind, one(s).num]),
      [
        ['number', 4096],
        ['number', 4096],
        ['number', 31],
        ['number', 4096],
        ['number', 2097152],
        ['number', 16384],
        ['number', 0],
      ],
    );
  });

  it('reads percentages with and without a fraction', () => {
    const p = one('0.5%');
    assert.equal(p.kind, 'percent');
    assert.equal(p.num, 0.5);
    assert.equal(p.text, '0.5%');
    assert.equal(one('5%').num, 5);
  });

  it('makes a malformed number one invalid token that says why', () => {
    for (const [text, why] of [
      ['4KB', /size suffix K or M/],
      ['4k', /uppercase/],
      ['0x', /digits after 0x/],
      ['1.5', /only a percentage/],
      ['12abc', /decimal or 0x hexadecimal/],
    ] as const) {
      const t = one(text);
      assert.equal(t.kind, 'invalid', text);
      assert.equal(t.text, text);
      assert.match(t.error!, why);
    }
  });
});

describe('lexer: strings, tags, identifiers, punctuation', () => {
  it('unescapes only \\" and \\\\ in strings', () => {
    const t = one(String.raw`"a\"b\\c\n"`);
    assert.equal(t.kind, 'string');
    assert.equal(t.str, 'a"b\\c\\n');
  });

  it('keeps a tag raw and pads a short one; invalid tags have no value', () => {
    assert.deepEqual([one("'Abc '").str, one("'Abc '").tagValue], ['Abc ', 'Abc ']);
    assert.deepEqual([one("'Abc'").str, one("'Abc'").tagValue], ['Abc', 'Abc ']);
    assert.deepEqual([one("'A'").tagValue], ['A   ']);
    assert.equal(one("''").tagValue, undefined);
    assert.equal(one("'Abcde'").tagValue, undefined);
    assert.equal(one("'Ab\u00e9'").tagValue, undefined);
    assert.equal(one("'A\tb'").tagValue, undefined);
    assert.equal(one("''").str, '');
  });

  it('reports an unterminated string and tag once each, as syntax errors at the literal', () => {
    const r = tokenize('x = "abc\ny = \'Ab\n');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.rule, d.range.start.line, d.range.start.column, d.range.end.column]),
      [
        ['syntax-error', 1, 5, 9],
        ['syntax-error', 2, 5, 8],
      ],
    );
    const str = r.tokens.find((t) => t.kind === 'string')!;
    assert.equal(str.str, 'abc');
    assert.equal(str.unterminated, true);
    const tag = r.tokens.find((t) => t.kind === 'tag')!;
    assert.equal(tag.tagValue, undefined);
    assert.equal(tag.unterminated, true);
  });

  it('reads two-character operators before one-character ones', () => {
    assert.deepEqual(
      toks('== != = | , ; ( ) { }').map((t) => [t.kind, t.text]),
      ['==', '!=', '=', '|', ',', ';', '(', ')', '{', '}'].map((p) => ['punct', p]),
    );
  });

  it('reads identifiers as [A-Za-z_][A-Za-z0-9_]*', () => {
    assert.deepEqual(
      toks('_a1 IRP_MJ_READ x9').map((t) => [t.kind, t.text]),
      [
        ['identifier', '_a1'],
        ['identifier', 'IRP_MJ_READ'],
        ['identifier', 'x9'],
      ],
    );
  });

  it('turns a run of foreign characters into one invalid token', () => {
    const t = toks('a @#$ b');
    assert.deepEqual(
      t.map((x) => [x.kind, x.text]),
      [
        ['identifier', 'a'],
        ['invalid', '@#$'],
        ['identifier', 'b'],
      ],
    );
    assert.match(t[1].error!, /not part of the language/);
    // A lone '!' is not '!='.
    assert.equal(one('!').kind, 'invalid');
  });
});

describe('lexer: comments and positions', () => {
  it('collects line and block comments and counts lines inside block comments', () => {
    const r = tokenize('a // one\n/* two\nthree */ b\nc');
    assert.deepEqual(
      r.comments.map((c) => [c.text, c.block, c.range.start.line, c.range.start.column, c.range.end.line, c.range.end.column]),
      [
        ['// one', false, 1, 3, 1, 9],
        ['/* two\nthree */', true, 2, 1, 3, 9],
      ],
    );
    assert.deepEqual(
      r.tokens.slice(0, 3).map((t) => [t.text, t.start.line, t.start.column, t.start.offset, t.lineStart]),
      [
        ['a', 1, 1, 0, true],
        // Only a comment precedes 'b' on its line: it still starts the line.
        ['b', 3, 10, 25, true],
        ['c', 4, 1, 27, true],
      ],
    );
  });

  it('reports an unterminated block comment once at its opening', () => {
    const r = tokenize('a\n  /* never closed\n b c');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.range.start.line, d.range.start.column, d.range.end.column]),
      [[2, 3, 5]],
    );
    assert.equal(r.tokens.length, 2); // 'a' and eof
  });

  it('counts \\n, \\r\\n and lone \\r as line breaks and columns in UTF-16 code units', () => {
    const r = tokenize('a\r\nb\rc\n"é😀" d');
    const pos = r.tokens.map((t) => [t.text, t.start.line, t.start.column, t.start.offset]);
    assert.deepEqual(pos.slice(0, 5), [
      ['a', 1, 1, 0],
      ['b', 2, 1, 3],
      ['c', 3, 1, 5],
      ['"é😀"', 4, 1, 7],
      // The emoji is two UTF-16 code units: the string spans columns 1–5, 'd' is at 7.
      ['d', 4, 7, 13],
    ]);
    assert.deepEqual([r.tokens[3].end.column, r.tokens[3].end.offset], [6, 12]);
  });

  it('a token after other tokens on its line does not start the line', () => {
    assert.deepEqual(
      toks('a /* x */ b\n  c').map((t) => t.lineStart),
      [true, false, true],
    );
  });

  it('end positions are exclusive and tokens tile the text with whitespace between', () => {
    const text = "  dpc  TimerDpc{x=pop L;}\n'Ab '";
    for (const t of tokenize(text).tokens) {
      assert.equal(text.slice(t.start.offset, t.end.offset), t.text);
      assert.equal(t.end.offset - t.start.offset, t.end.column - t.start.column);
    }
  });
});

describe('lexer: never throws', () => {
  it('survives NUL, lone surrogates, binary garbage and unterminated everything', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const inputs = ['\u0000', '\ud800', '\udfff x', "'", '"', '/*', "'\n'", '0x', '9'.repeat(400), '\ufeffdpc'];
    for (let k = 0; k < 300; k++) {
      let s = '';
      const len = rnd(200);
      for (let i = 0; i < len; i++) s += String.fromCharCode(rnd(4) === 0 ? rnd(0x10000) : rnd(128));
      inputs.push(s);
    }
    for (const text of inputs) {
      const r = tokenize(text);
      assert.equal(r.tokens[r.tokens.length - 1].kind, 'eof');
      assert.equal(r.tokens[r.tokens.length - 1].end.offset, text.length);
      for (const d of r.diagnostics) assert.equal(d.rule, 'syntax-error');
    }
    // A leading byte-order mark is whitespace.
    assert.deepEqual(toks('\ufeffdpc').map((t) => [t.text, t.start.column]), [['dpc', 2]]);
  });
});
