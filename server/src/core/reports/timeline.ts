/**
 * Timeline: paged / non-paged bytes sampled over the run (at most 1,000 points evenly, plus every
 * `snapshot` step), with the tags holding the most bytes at each point — PoolMon's Bytes column
 * watched over time, the way the PoolMon leak procedure samples it every half hour.
 *
 * Source (Microsoft Learn, "Example 3: Detect Memory Leakage"):
 * https://learn.microsoft.com/windows-hardware/drivers/devtest/poolmon-examples
 */
import type { TimelinePoint } from '../simulator/result';
import { padLeft, padRight } from './format';

/** How many tags the "Top tags" column names per point. */
export const TIMELINE_TOP_TAGS = 3;

/** The tags holding the most bytes (paged + non-paged) at a point, largest first, ties by tag. */
export function topTags(point: TimelinePoint, count = TIMELINE_TOP_TAGS): Array<{ tag: string; bytes: number }> {
  return Object.entries(point.tags)
    .map(([tag, v]) => ({ tag, bytes: v.paged + v.nonPaged }))
    .filter((t) => t.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
    .slice(0, count);
}

export function formatTimeline(points: readonly TimelinePoint[]): string {
  if (points.length === 0) return 'Timeline: no points were sampled.\n';
  const labelWidth = Math.max(5, ...points.map((p) => (p.label ?? '-').length)) + 2;
  const lines = [
    'Pool use over the run (bytes):',
    `${padLeft('Step', 10)}  ${padRight('Label', labelWidth)}${padLeft('Paged', 12)} ${padLeft('NonPaged', 12)}  Top tags`,
  ];
  for (const p of points) {
    const tops = topTags(p)
      .map((t) => `'${t.tag}' ${t.bytes}`)
      .join(', ');
    lines.push(`${padLeft(p.step, 10)}  ${padRight(p.label ?? '-', labelWidth)}${padLeft(p.paged, 12)} ${padLeft(p.nonPaged, 12)}  ${tops}`.trimEnd());
  }
  return lines.join('\n') + '\n';
}
