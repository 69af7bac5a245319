/**
 * The usage timeline (PoolMon's Diff climbing, as a chart): paged / non-paged bytes in total
 * and per tag.
 *
 * The run length is unknown in advance, so regular samples are taken every `interval`
 * statements, starting with interval 1. When the buffer holds MAX_SAMPLES points, every other
 * point is dropped and the interval doubles: the samples stay evenly spaced (all at multiples
 * of the current interval), there are never more than MAX_SAMPLES of them, and the total work
 * is O(MAX_SAMPLES × log(steps)). A `snapshot` step adds a labelled point on top of those
 * (kept apart, never decimated, at most MAX_SNAPSHOTS). The end of the run is always sampled
 * (unless a snapshot already sits on the last step).
 */
import type { TimelinePoint } from './result';
import type { PoolTracker } from './poolTracker';

export const MAX_SAMPLES = 1000;
export const MAX_SNAPSHOTS = 10000;

export class TimelineRecorder {
  private regular: TimelinePoint[] = [];
  private snapshots: TimelinePoint[] = [];
  interval = 1;
  /** The step at which the next regular sample is due. */
  nextSample = 1;

  constructor(private readonly tracker: PoolTracker) {}

  private point(step: number, label: string | null): TimelinePoint {
    const tags: TimelinePoint['tags'] = {};
    for (const t of this.tracker.allTags()) {
      if (t.everAllocated) tags[t.tag] = { paged: t.pagedUsed, nonPaged: t.nonPagedUsed };
    }
    return { step, label, paged: this.tracker.pagedUsed, nonPaged: this.tracker.nonPagedUsed, tags };
  }

  private makeRoom(): void {
    if (this.regular.length < MAX_SAMPLES) return;
    // Keep the samples at multiples of the doubled interval.
    const doubled = this.interval * 2;
    this.regular = this.regular.filter((p) => p.step % doubled === 0);
    this.interval = doubled;
  }

  /** A regular sample at `step` (called when `step >= nextSample`). */
  sample(step: number): void {
    this.makeRoom();
    this.regular.push(this.point(step, null));
    this.nextSample = (Math.floor(step / this.interval) + 1) * this.interval;
  }

  /** A labelled `snapshot` point. */
  snapshot(step: number, label: string | null): void {
    if (this.snapshots.length >= MAX_SNAPSHOTS) return;
    // A regular sample taken as this step began shows the same state: the snapshot replaces it.
    const last = this.regular[this.regular.length - 1];
    if (last && last.step === step) this.regular.pop();
    this.snapshots.push(this.point(step, label));
  }

  /** All points in step order; the final state of the run is the last regular point. */
  finish(step: number): TimelinePoint[] {
    const last = this.regular[this.regular.length - 1];
    const lastSnapshot = this.snapshots[this.snapshots.length - 1];
    if ((!last || last.step !== step) && (!lastSnapshot || lastSnapshot.step !== step)) {
      this.makeRoom();
      this.regular.push(this.point(step, null));
    }
    const out: TimelinePoint[] = [];
    let i = 0;
    let j = 0;
    while (i < this.regular.length || j < this.snapshots.length) {
      if (j >= this.snapshots.length || (i < this.regular.length && this.regular[i].step <= this.snapshots[j].step)) {
        out.push(this.regular[i++]);
      } else out.push(this.snapshots[j++]);
    }
    return out;
  }
}
