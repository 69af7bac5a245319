/**
 * What the usage chart plots (pure: no DOM, no uPlot): the tags that used the most pool over
 * the scenario's timeline, and one series of bytes per step for each of them plus the total —
 * PoolMon's Bytes column climbing, tag by tag.
 */
import type { TimelinePoint } from '../../server/src/protocol';

export const TOP_TAGS = 5;

/** The tags with the highest peak (paged + non-paged) bytes, largest first, ties by tag. */
export function topTags(timeline: TimelinePoint[], count = TOP_TAGS): string[] {
  const peak = new Map<string, number>();
  for (const p of timeline) for (const [tag, v] of Object.entries(p.tags)) peak.set(tag, Math.max(peak.get(tag) ?? 0, v.paged + v.nonPaged));
  return [...peak]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, count)
    .map(([t]) => t);
}

/** `[steps, total bytes, bytes of tags[0], …]`, one value per timeline point. */
export function usageSeries(timeline: TimelinePoint[], tags: string[]): [number[], ...number[][]] {
  return [
    timeline.map((p) => p.step),
    timeline.map((p) => p.paged + p.nonPaged),
    ...tags.map((t) => timeline.map((p) => (p.tags[t] ? p.tags[t].paged + p.tags[t].nonPaged : 0))),
  ];
}
