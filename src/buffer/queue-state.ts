// The buffer's counters in memory: which seqs still wait, how many bytes they take, what was dropped.
// Pure bookkeeping, no I/O: the buffer applies a change here and queues the matching write in the
// same synchronous step, so a meta snapshot always describes exactly the writes batched with it.
// Both lanes (normal and high, codec.ts) share one seq sequence and so one lowest waiting seq; each
// lane has its own counters and its own seek floor (below it the lane holds nothing waiting).
import type { Meta } from './codec.js';
import { SeqRanges } from './seq-ranges.js';
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
  /** Of `dropped`, the high-priority readings (persisted in the priority record, codec.ts). */
  droppedHigh: number;
  /** Of `count` and `bytes`, the high lane's. */
  highCount: number;
  highBytes: number;
  /**
   * Seqs above firstSeq already removed (out-of-order acks, failed writes, drops above a kept
   * high reading) and seqs the store did not hold at open (acked out of order, lost to damage).
   */
  private readonly removed = new SeqRanges();
  /** Per lane (normal, high): no seq below it waits in that lane (a seek hint, learned by reads). */
  private readonly floors: [number, number];

  constructor(meta: Meta, firstLiveSeq: number, gaps: readonly SeqGap[] = [], lanes: LaneCounts = NO_HIGH) {
    for (const [from, to] of gaps) this.removed.add(from, to);
    this.lastSeq = meta.lastSeq;
    this.durableSeq = meta.lastSeq;
    this.firstSeq = meta.count === 0 ? meta.lastSeq + 1 : firstLiveSeq;
    this.count = meta.count;
    this.bytes = meta.bytes;
    this.dropped = meta.dropped;
    this.droppedHigh = lanes.droppedHigh;
    this.highCount = lanes.highCount;
    this.highBytes = lanes.highBytes;
    this.floors = [this.firstSeq, this.firstSeq];
  }

  /** Counts a new reading in; returns its seq. */
  accept(size: number, high = false): number {
    this.count++;
    this.bytes += size;
    if (high) {
      this.highCount++;
      this.highBytes += size;
    }
    return ++this.lastSeq;
  }

  /** Readings waiting in the normal lane. */
  get normalCount(): number {
    return this.count - this.highCount;
  }

  /** True when `seq` is written and neither acknowledged nor dropped. */
  isWaiting(seq: number): boolean {
    return seq >= this.firstSeq && seq <= this.durableSeq && !this.removed.has(seq);
  }

  /** Counts a reading out (acked, dropped, or its write failed); advances firstSeq over a removed prefix. */
  remove(seq: number, size: number, high = false): void {
    this.count--;
    this.bytes -= size;
    if (high) {
      this.highCount--;
      this.highBytes -= size;
    }
    if (this.count === 0) {
      this.firstSeq = this.lastSeq + 1;
      this.removed.clear();
    } else if (seq === this.firstSeq) {
      this.firstSeq = this.removed.skipFrom(seq + 1);
    } else {
      this.removed.add(seq);
    }
    const lane = high ? 1 : 0;
    if (seq === this.floors[lane]) this.floors[lane] = seq + 1;
  }

  /**
   * Neither lane holds a key from firstSeq up to `seq` (a seek in both found none: the seqs a
   * summary replaced, downsample.ts, leave no key in the normal lane and are not in `removed`).
   * Moves firstSeq up to it, past what is removed from there on, so it does not stay on a replaced seq.
   */
  skipTo(seq: number): void {
    if (seq <= this.firstSeq || this.count === 0 || seq > this.durableSeq) return;
    this.firstSeq = this.removed.skipFrom(seq);
  }

  /** The lowest seq that may still wait in a lane: reads and trims seek there, not below. */
  floor(high: boolean): number {
    return Math.max(this.floors[high ? 1 : 0], this.firstSeq);
  }

  /**
   * A scan of a lane from at or below its floor found nothing waiting below `seq` (new readings
   * only ever get seqs above every written one, so none can appear there later).
   */
  learnFloor(high: boolean, scannedFrom: number, seq: number): void {
    const lane = high ? 1 : 0;
    if (scannedFrom <= this.floor(high) && seq > this.floors[lane]) this.floors[lane] = seq;
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

/** The high lane's counters at open (store.ts). */
export interface LaneCounts {
  highCount: number;
  highBytes: number;
  droppedHigh: number;
}

const NO_HIGH: LaneCounts = { highCount: 0, highBytes: 0, droppedHigh: 0 };
