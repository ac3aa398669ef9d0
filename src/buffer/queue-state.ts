// The buffer's counters in memory: which seqs still wait, how many bytes they take, what was dropped.
// Pure bookkeeping, no I/O: the buffer applies a change here and queues the matching write in the
// same synchronous step, so a meta snapshot always describes exactly the writes batched with it.
import type { Meta } from './codec.js';
import type { SeqGap } from './store.js';

export class QueueState {
  /** Highest seq handed out (including readings still waiting for their batch to be written). */
  lastSeq: number;
  /** Highest seq whose batch was written: only these can be read or acknowledged. */
  durableSeq: number;
  /** Lowest seq not yet removed; lastSeq + 1 when nothing waits. */
  firstSeq: number;
  count: number;
  bytes: number;
  dropped: number;
  /** Seqs above firstSeq already removed (out-of-order acks, failed writes). Small in practice. */
  private readonly removedAbove = new Set<number>();
  /** Seqs the store did not hold at open (acked out of order, lost to damage): skipped over, ascending. */
  private readonly gaps: SeqGap[];

  constructor(meta: Meta, firstLiveSeq: number, gaps: readonly SeqGap[] = []) {
    this.gaps = [...gaps].reverse(); // popped from the end, lowest first
    this.lastSeq = meta.lastSeq;
    this.durableSeq = meta.lastSeq;
    this.firstSeq = meta.count === 0 ? meta.lastSeq + 1 : firstLiveSeq;
    this.count = meta.count;
    this.bytes = meta.bytes;
    this.dropped = meta.dropped;
  }

  /** Counts a new reading in; returns its seq. */
  accept(size: number): number {
    this.count++;
    this.bytes += size;
    return ++this.lastSeq;
  }

  /** True when `seq` is written and neither acknowledged nor dropped. */
  isWaiting(seq: number): boolean {
    return seq >= this.firstSeq && seq <= this.durableSeq && !this.removedAbove.has(seq);
  }

  /** Counts a reading out (acked, dropped, or its write failed); advances firstSeq over a removed prefix. */
  remove(seq: number, size: number): void {
    this.count--;
    this.bytes -= size;
    if (this.count === 0) {
      this.firstSeq = this.lastSeq + 1;
      this.removedAbove.clear();
      this.gaps.length = 0;
    } else if (seq === this.firstSeq) {
      this.firstSeq++;
      this.skipRemoved();
    } else {
      this.removedAbove.add(seq);
    }
  }

  /**
   * The store holds no key below `seq` from firstSeq on (a seek found none: the seqs a summary
   * replaced, downsample.ts, leave no trace here). Moves firstSeq up to it, so it does not stay on
   * a replaced seq while every later ack piles up in removedAbove.
   */
  skipTo(seq: number): void {
    if (seq <= this.firstSeq || this.count === 0 || seq > this.durableSeq) return;
    for (const removed of this.removedAbove) if (removed < seq) this.removedAbove.delete(removed);
    this.firstSeq = seq;
    this.skipRemoved();
  }

  /** Moves firstSeq past seqs already removed and past gaps the store had at open. */
  private skipRemoved(): void {
    for (;;) {
      if (this.removedAbove.delete(this.firstSeq)) {
        this.firstSeq++;
        continue;
      }
      const gap = this.gaps.at(-1);
      if (gap === undefined || gap[0] > this.firstSeq) return;
      this.gaps.pop();
      this.firstSeq = Math.max(this.firstSeq, gap[1] + 1);
    }
  }

  /** True when another reading of `size` bytes does not fit. */
  wouldOverflow(size: number, maxBytes: number, maxReadings: number): boolean {
    return this.bytes + size > maxBytes || this.count + 1 > maxReadings;
  }

  isOver(maxBytes: number, maxReadings: number): boolean {
    return this.bytes > maxBytes || this.count > maxReadings;
  }

  toMeta(): Meta {
    return { lastSeq: this.lastSeq, firstSeq: this.firstSeq, count: this.count, bytes: this.bytes, dropped: this.dropped };
  }
}
