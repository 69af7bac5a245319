// What the report exports and how its !poolused table filters and sorts (pure functions).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poolUsedCsv } from '../../../client/src/report/exportFormats';
import { poolUsedOrder } from '../../../client/shared/format';
import { filterAndSort } from '../../../client/webview/poolUsedTable';
import type { PoolUsedRow } from '../../../server/src/protocol';

const row = (tag: string, np: number, p: number): PoolUsedRow => ({
  tag,
  nonPaged: { allocs: np, frees: 0, diff: np, used: np * 16 },
  paged: { allocs: p, frees: 0, diff: p, used: p * 4096 },
});
const rows = [row('Ctx ', 1, 0), row('Abc ', 0, 26), row('Tron', 3, 0)];

test('CSV: a header, one quoted-when-needed row per tag, CRLF', () => {
  const csv = poolUsedCsv([row('Abc ', 0, 2), { ...row('=cmd', 1, 0), owner: 'a, "b"' }]);
  assert.equal(
    csv,
    'Tag,NonPagedAllocs,NonPagedFrees,NonPagedDiff,NonPagedUsed,PagedAllocs,PagedFrees,PagedDiff,PagedUsed,Owner\r\n' +
      '"Abc ",0,0,0,0,2,0,2,8192,\r\n' +
      "'=cmd,1,0,1,16,0,0,0,0,\"a, \"\"b\"\"\"\r\n",
  );
});

test('!poolused 4 / 2 order: by bytes in that pool, only tags the pool saw', () => {
  assert.deepEqual(poolUsedOrder(rows, 'paged').map((r) => r.tag), ['Abc ']);
  assert.deepEqual(poolUsedOrder(rows, 'nonPaged').map((r) => r.tag), ['Tron', 'Ctx ']);
});

test('the report table filters with wildcards and sorts by any column', () => {
  assert.deepEqual(filterAndSort(rows, '', { column: 'pUsed', descending: true }).map((r) => r.tag), ['Abc ', 'Ctx ', 'Tron']);
  assert.deepEqual(filterAndSort(rows, '', { column: 'tag', descending: false }).map((r) => r.tag), ['Abc ', 'Ctx ', 'Tron']);
  assert.deepEqual(filterAndSort(rows, '', { column: 'npAllocs', descending: true }).map((r) => r.tag), ['Tron', 'Ctx ', 'Abc ']);
  assert.deepEqual(filterAndSort(rows, "'?tx'", { column: 'tag', descending: false }).map((r) => r.tag), ['Ctx ']);
  assert.deepEqual(filterAndSort(rows, 'T*', { column: 'tag', descending: false }).map((r) => r.tag), ['Tron']);
});
