// The Pool Report chart: which tags it plots and the bytes per step it draws for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topTags, usageSeries } from '../../../client/webview/chartData';
import type { TimelinePoint } from '../../../server/src/protocol';

const point = (step: number, tags: Record<string, [number, number]>, label: string | null = null): TimelinePoint =>
  ({
    step,
    label,
    paged: Object.values(tags).reduce((s, [p]) => s + p, 0),
    nonPaged: Object.values(tags).reduce((s, [, n]) => s + n, 0),
    tags: Object.fromEntries(Object.entries(tags).map(([t, [paged, nonPaged]]) => [t, { paged, nonPaged }])),
  }) as TimelinePoint;

const timeline = [
  point(0, { 'Ctx ': [0, 512] }),
  point(10, { 'Ctx ': [0, 512], 'Abc ': [8192, 0], 'Tron': [0, 64] }),
  point(20, { 'Ctx ': [0, 512], 'Abc ': [4096, 0], 'Tron': [0, 0], 'Zero': [0, 0] }),
];

test('the top tags are those with the highest peak bytes; tags that never held bytes are left out', () => {
  assert.deepEqual(topTags(timeline), ['Abc ', 'Ctx ', 'Tron']);
  assert.deepEqual(topTags(timeline, 2), ['Abc ', 'Ctx ']);
});

test('one series of steps, the total, then each tag (0 where the tag has no entry)', () => {
  assert.deepEqual(usageSeries(timeline, ['Abc ', 'Tron']), [
    [0, 10, 20],
    [512, 8768, 4608],
    [0, 8192, 4096],
    [0, 64, 0],
  ]);
});
