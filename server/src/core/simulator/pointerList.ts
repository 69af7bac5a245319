/**
 * A `list` of the script: an unordered bag of pointers (block handles, 0 for NULL) kept in a
 * typed array, so a list holding millions of leaked blocks costs 8 bytes each and no garbage
 * collector work.
 */
import { NULL_HANDLE } from './poolTracker';

/** An unordered bag of pointers (`list`); `pop` takes the oldest (a FIFO queue of requests). */
export class PointerList {
  private items = new Float64Array(16);
  private head = 0;
  private tail = 0;
  push(v: number): void {
    if (this.tail === this.items.length) {
      const live = this.tail - this.head;
      // Compact when at least half is already popped; grow otherwise.
      const next = new Float64Array(live * 2 > this.items.length ? this.items.length * 2 : this.items.length);
      next.set(this.items.subarray(this.head, this.tail));
      this.items = next;
      this.head = 0;
      this.tail = live;
    }
    this.items[this.tail++] = v;
  }
  pop(): number {
    if (this.head === this.tail) return NULL_HANDLE;
    const v = this.items[this.head++];
    if (this.head === this.tail) this.head = this.tail = 0;
    return v;
  }
  /** Takes every pointer out, leaving the list empty (`foreach`). */
  take(): Float64Array {
    const out = this.items.slice(this.head, this.tail);
    this.head = this.tail = 0;
    if (this.items.length > 1024) this.items = new Float64Array(16);
    return out;
  }
}
