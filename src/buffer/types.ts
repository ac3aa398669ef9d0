// The durable queue's contract, as the sampler and the publisher see it (design.md, "The buffer's promises").
import type { CapSetBy, KeepFree } from './disk-space.js';
import type { ClockMark, TimeCorrection, TimeQuality } from './clock-mark.js';
import type { SummaryStatus } from './summary-index.js';

/** A reading before the buffer accepts it. */
export interface Reading {
  sensor: string;
  /** Sampling time, epoch ms. */
  ts: number;
  values: Record<string, number>;
  /** Set when the reading was taken while the system clock was not synchronized (clock-mark.ts). */
  clock?: ClockMark;
  /**
   * A high-priority reading (a sensor's or output's `priority: high`): kept in the buffer's high
   * lane, drained before normal readings, dropped by the overflow policy only when no normal one
   * can be instead. Absent: normal.
   */
  high?: boolean;
}

/** One value of a summary (store.overflow: downsample): over `n` readings. */
export interface ValueSummary {
  min: number;
  max: number;
  mean: number;
  n: number;
}

/**
 * Set on an entry that is a summary (downsample.ts) rather than a reading: it stands for `n`
 * readings of its sensor with seqs from its `seq` to `lastSeq`, sampled from its ts to `lastTs`.
 */
export interface SummarySpan {
  lastSeq: number;
  lastTs: number;
  n: number;
}

/** A reading the buffer accepted: it has its seq and is durable against kill -9. */
export interface StoredReading extends Reading {
  seq: number;
  /** Set for a summary: `values` are then the means, and here are every value's statistics. */
  summary?: SummarySpan & { values: Record<string, ValueSummary> };
  /** The epoch it was accepted in (epochs.ts), set by reads; absent = 0. (device, epoch, seq) is unique. */
  epoch?: number;
  /** Set by reads for a marked reading: its ts is the unsynchronized clock's, or was corrected. */
  time?: TimeQuality;
}

/**
 * A waiting reading as the store holds it: the JSON texts of its sampling time and values, ready to
 * be spliced into a payload without decoding and re-encoding (ReadingBuffer.readRawFrom).
 */
export interface RawReading {
  seq: number;
  /** The epoch it was accepted in (epochs.ts); absent = 0. */
  epoch?: number;
  sensor: string;
  /** The sampling time as JSON text (epoch ms digits). */
  tsJson: string;
  /** The values object as JSON text, exactly as stored. */
  valuesJson: string;
  /** The clock mark, for a reading taken while the clock was not synchronized. */
  clock?: ClockMark;
  /** Set by reads for a marked reading (tsJson is then the corrected ts for `corrected`). */
  time?: TimeQuality;
  /** Set for a summary (downsample.ts): valuesJson is then the payload's `summary` JSON. */
  summary?: SummarySpan;
  /** Set by reads for a reading of the high lane. */
  high?: boolean;
}

export interface BufferStats extends Partial<SummaryStatus> {
  /** Readings accepted and not yet acknowledged (waiting or in flight). */
  backlog: number;
  /** Bytes those readings take in the store (keys + values). */
  bytes: number;
  /** Highest seq ever accepted (persisted: survives restarts even when everything was acked). */
  lastSeq: number;
  /**
   * The epoch new readings are accepted in: 0 until the store was opened after a power cut that may
   * have lost published readings (their seqs are then handed out again, one epoch higher).
   */
  epoch: number;
  /** Readings dropped by the overflow policy, ever (persisted). */
  dropped: number;
  /** Of `dropped`, the high-priority readings (persisted): only ever when no normal one could be dropped instead. */
  droppedHigh: number;
  /** Of `backlog`, the high-priority readings waiting. */
  highBacklog: number;
  /** Sampling time of the oldest waiting reading, or null when nothing waits. */
  oldestTs: number | null;
  maxBytes: number;
  /** The cap the overflow policy applies at now: min(maxBytes, what store.keepFree leaves free). */
  effectiveMaxBytes?: number;
  /** What set that cap: maxBytes, keepFree, or the store cannot take writes (disk full, read-only). */
  capSetBy?: CapSetBy;
  /** Free bytes of the store's file system at the last check, and what keepFree keeps free of it. */
  freeBytes?: number | null;
  keepFreeBytes?: number | null;
  /** The agent's reserve file (released when the disk is full so the store can still open and drain). */
  reserveHeld?: boolean;
  /** One line when new readings cannot be stored (disk full, read-only file system); null otherwise. */
  problem?: string | null;
  /**
   * Readings refused since start because the disk was full or read-only (also in `dropped`). They
   * got no seq, unlike readings whose write failed or that drop-oldest evicted.
   */
  refused?: number;
  /** True while the store refuses writes (disk full, I/O error): readings are dropped and counted. */
  writeFailing: boolean;
  /** Set when a corrupt store was moved aside at open: where it went. */
  recoveredFrom: string | null;
  /** Synced (fsync) writes since start: at most one per commitIntervalMs, none while nothing waits. */
  syncs: number;
}

export interface BufferOptions {
  path: string;
  maxBytes: number;
  maxReadings?: number;
  overflow: 'drop-oldest' | 'drop-newest' | 'downsample';
  /** At most one synced write per this many ms, and only while readings wait unacknowledged. */
  commitIntervalMs: number;
  /** Kept free on the store's file system (store.keepFree); none when absent. */
  keepFree?: KeepFree;
  /** Size of the reserve file (default 2 MiB, space-guard.ts). */
  reserveBytes?: number;
  /** Compact the deleted key range after this many deletes (default 50,000). */
  compactEveryDeletes?: number;
  /**
   * A file holding an id that changes at every boot (default /proc/sys/kernel/random/boot_id):
   * an unclean stop in the same boot lost nothing (a crash keeps the page cache), one across a
   * reboot may have (a power cut). Tests point it at a file of their own to simulate a reboot.
   */
  bootIdPath?: string;
  /**
   * Applied to marked readings as they are read: readings taken before the clock was synchronized
   * leave with their corrected ts once it is (the store keeps what was written: nothing rewritten).
   */
  timeCorrection?: TimeCorrection;
}

export interface BufferEvents {
  /** Readings were appended (the publisher wakes up). */
  appended: [reading: StoredReading];
  /** The overflow policy started dropping (true) or stopped (false). */
  overflow: [active: boolean];
  /** A write to the store failed; readings are counted as dropped. */
  writeError: [error: Error];
}
