import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineMap, applyEdits, insertAt, positionAt } from '../../../server/src/core/fixes';

describe('fixes: positions and edits', () => {
  it('maps offsets to 1-based lines and columns across \\n, \\r\\n and \\r', () => {
    const text = 'ab\r\ncd\ne\rf';
    const map = new LineMap(text);
    assert.deepEqual(map.positionAt(0), { line: 1, column: 1, offset: 0 });
    assert.deepEqual(map.positionAt(4), { line: 2, column: 1, offset: 4 });
    assert.deepEqual(map.positionAt(8), { line: 3, column: 2, offset: 8 });
    assert.deepEqual(map.positionAt(9), { line: 4, column: 1, offset: 9 });
    assert.equal(map.lineText(1), 'ab');
    assert.equal(map.lineText(3), 'e');
    assert.equal(map.lineCount, 4);
    assert.deepEqual(positionAt(text, 100), { line: 4, column: 2, offset: 10 });
  });

  it('applies edits in offset order whatever order they come in, and refuses overlaps', () => {
    const text = 'hello world';
    const map = new LineMap(text);
    const r = (s: number, e: number) => ({ start: map.positionAt(s), end: map.positionAt(e) });
    assert.equal(
      applyEdits(text, [
        { range: r(6, 11), newText: 'there' },
        { range: r(0, 5), newText: 'HELLO' },
        insertAt(map.positionAt(11), '!'),
      ]),
      'HELLO there!',
    );
    assert.equal(applyEdits(text, [insertAt(map.positionAt(0), 'a'), insertAt(map.positionAt(0), 'b')]), 'abhello world');
    assert.throws(() => applyEdits(text, [{ range: r(0, 6), newText: '' }, { range: r(5, 7), newText: '' }]), /overlapping/);
  });
});
