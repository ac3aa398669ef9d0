// Background chores on the store that the hot path must not wait for: compacting the deleted range
// (tombstones), refreshing the oldest waiting reading's timestamp, finding the oldest readings to drop.
import type { Logger } from 'pino';
import { decodeReading, readingKey, seqOfKey, storedSize } from './codec.js';
import type { QueueState } from './queue-state.js';
import type { ReadingDb } from './store.js';

/** Most readings one trim step reads to learn their sizes. */
const TRIM_READ_MAX = 1024;
/**
 * The oldest waiting reading's ts is read again at most this often. Read after every written batch
 * it was one LevelDB get per ack flush of a drain (hundreds a second) for a figure the status page
 * shows in seconds (bench/drain.ts profile, BENCHMARKS.md "Performance round 2").
 */
const OLDEST_REFRESH_MS = 250;

export class Housekeeping {
  /** Sampling time of the reading at `oldestSeq`. */
  oldestTs: number | null = null;
  private oldestSeq = 0;
  private refreshing = false;
  private refreshTimer: NodeJS.Timeout | null = null;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;
  private deletesSinceCompaction = 0;
  private compactedBelow = 0;
  private compaction: Promise<void> | null = null;
  private trimming: Promise<void> | null = null;

  constructor(
    private readonly db: ReadingDb,
    private readonly state: QueueState,
    private readonly compactEveryDeletes: number,
    private readonly log?: Logger,
  ) {
    this.oldestSeq = state.firstSeq;
  }

  setOldest(seq: number, ts: number): void {
    this.oldestSeq = seq;
    this.oldestTs = ts;
  }

  /**
   * Bytes of readings deleted since the last compaction began: LevelDB still holds them on disk
   * (a delete writes a tombstone) until a compaction drops them.
   */
  reclaimableBytes = 0;

  deleted(size: number): void {
    this.deletesSinceCompaction++;
    this.reclaimableBytes += size;
  }

  /** Called after every batch: keep oldestTs current, compact now and then. */
  afterWrite(): void {
    this.refreshOldestTs();
    if (this.deletesSinceCompaction >= this.compactEveryDeletes && this.compaction === null) this.compact();
  }

  /** Compacts the deleted range now if at least `deletes` deletes happened since the last one (a full disk). */
  compactAfter(deletes: number): void {
    if (this.deletesSinceCompaction >= deletes && this.compaction === null) this.compact();
  }

  /** Removes oldest waiting readings via `drop` until the state is under its limits. One trim at a time. */
  async trim(maxBytes: number, maxReadings: number, drop: (seq: number, size: number) => boolean): Promise<void> {
    if (this.trimming !== null) return this.trimming;
    this.trimming = this.trimLoop(maxBytes, maxReadings, drop)
      // A read error (a medium failing under us) must not take the agent down: the next write retries.
      .catch((error: unknown) => this.log?.warn({ err: error }, 'buffer: dropping the oldest readings failed'))
      .finally(() => {
        this.trimming = null;
      });
    return this.trimming;
  }

  /** Waits for background work (before the store closes). */
  async settle(): Promise<void> {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    await this.trimming?.catch(() => undefined);
    await this.compaction;
  }

  /** `drop` returns false for a reading it must keep (in flight); trimming skips past it. */
  private async trimLoop(maxBytes: number, maxReadings: number, drop: (seq: number, size: number) => boolean): Promise<void> {
    const state = this.state;
    let from = state.firstSeq;
    while (state.isOver(maxBytes, maxReadings) && Math.max(from, state.firstSeq) <= state.durableSeq) {
      from = Math.max(from, state.firstSeq);
      const averageSize = state.bytes / Math.max(state.count, 1);
      const excessBytes = Math.max(state.bytes - maxBytes, 0);
      const excessCount = Math.max(state.count - maxReadings, 0);
      const wanted = Math.min(TRIM_READ_MAX, Math.max(Math.ceil(excessBytes / averageSize), excessCount) + 1);
      const entries = await this.db.iterator({ gte: readingKey(from), lte: readingKey(state.durableSeq), limit: wanted }).all();
      if (entries.length === 0) break;
      for (const [key, value] of entries) {
        if (!state.isOver(maxBytes, maxReadings)) break;
        const seq = seqOfKey(key);
        from = seq + 1;
        if (state.isWaiting(seq)) drop(seq, storedSize(value));
      }
    }
  }

  private refreshOldestTs(): void {
    const seq = this.state.firstSeq;
    if (this.state.count === 0) {
      this.oldestTs = null;
      this.oldestSeq = seq;
      return;
    }
    // A reading still in its first batch is set by append; others are read once their batch is written.
    if (this.refreshing || this.refreshTimer !== null || this.oldestSeq === seq || seq > this.state.durableSeq) return;
    const wait = this.lastRefreshAt + OLDEST_REFRESH_MS - Date.now();
    if (wait > 0) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = null;
        this.refreshOldestTs();
      }, wait);
      this.refreshTimer.unref();
      return;
    }
    this.lastRefreshAt = Date.now();
    this.refreshing = true;
    this.oldestSeq = seq;
    this.db
      .get(readingKey(seq))
      .then((value) => {
        if (value !== undefined && this.oldestSeq === seq) this.oldestTs = decodeReading(seq, value).ts;
      })
      .catch(() => undefined) // best effort: a damaged reading is dropped when it is read
      .finally(() => {
        this.refreshing = false;
        if (this.oldestSeq !== this.state.firstSeq) this.refreshOldestTs();
      });
  }

  private compact(): void {
    const end = this.state.firstSeq;
    this.deletesSinceCompaction = 0;
    this.reclaimableBytes = 0;
    const started = Date.now();
    this.compaction = this.db
      .compactRange(readingKey(this.compactedBelow), readingKey(end))
      .then(() => {
        this.compactedBelow = end;
        this.log?.debug({ belowSeq: end, ms: Date.now() - started }, 'buffer: compacted the deleted range');
      })
      .catch((error: unknown) => this.log?.warn({ err: error }, 'buffer: compaction failed'))
      .finally(() => {
        this.compaction = null;
      });
  }
}
