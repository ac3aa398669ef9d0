// Background chores on the store that the hot path must not wait for: compacting the deleted range
// (tombstones), refreshing the oldest waiting reading's timestamp, finding the readings to drop:
// normal ones first (the oldest, or with drop-newest the newest), high ones (the oldest) only when
// no normal reading can be dropped instead (issue 21).
import type { Logger } from 'pino';
import { decodeReading, readingKey, seqOfKey, storedSize } from './codec.js';
import type { QueueState } from './queue-state.js';
import type { ReadingDb } from './store.js';

/** Drops one waiting reading of a lane; false when it must be kept (in flight). */
export type Drop = (seq: number, size: number, high: boolean) => boolean;

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
  /** Per lane (normal, high): the deleted range below this was compacted. */
  private readonly compactedBelow: [number, number] = [0, 0];
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

  /**
   * Removes waiting readings via `drop` until the state is under its limits: normal ones, the
   * oldest (or, `newest`, the newest) first; then, for drop-oldest only, the oldest high ones. One trim at a time.
   */
  async trim(maxBytes: number, maxReadings: number, newest: boolean, drop: Drop): Promise<void> {
    if (this.trimming !== null) return this.trimming;
    this.trimming = this.trimLoop(maxBytes, maxReadings, newest, drop)
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

  private async trimLoop(maxBytes: number, maxReadings: number, newest: boolean, drop: Drop): Promise<void> {
    await this.trimLane(maxBytes, maxReadings, false, newest, drop);
    // High readings only once no normal one can go instead (none left, or all in flight).
    if (!newest) await this.trimLane(maxBytes, maxReadings, true, false, drop);
  }

  /** `drop` returns false for a reading it must keep (in flight); trimming skips past it. */
  private async trimLane(maxBytes: number, maxReadings: number, high: boolean, newest: boolean, drop: Drop): Promise<void> {
    const state = this.state;
    let from = state.floor(high);
    let to = state.durableSeq;
    const laneCount = (): number => (high ? state.highCount : state.normalCount);
    while (state.isOver(maxBytes, maxReadings) && laneCount() > 0) {
      from = Math.max(from, state.floor(high));
      if (!newest) to = state.durableSeq;
      if (from > to) break;
      const averageSize = state.bytes / Math.max(state.count, 1);
      const excessBytes = Math.max(state.bytes - maxBytes, 0);
      const excessCount = Math.max(state.count - maxReadings, 0);
      const wanted = Math.min(TRIM_READ_MAX, Math.max(Math.ceil(excessBytes / averageSize), excessCount) + 1);
      const scannedFrom = from;
      const entries = await this.db.iterator({ gte: readingKey(from, high), lte: readingKey(to, high), limit: wanted, reverse: newest }).all();
      if (entries.length === 0) break;
      let firstWaiting: number | null = null;
      for (const [key, value] of entries) {
        if (!state.isOver(maxBytes, maxReadings)) break;
        const seq = seqOfKey(key);
        if (newest) to = seq - 1;
        else from = seq + 1;
        if (!state.isWaiting(seq)) continue;
        firstWaiting ??= seq;
        drop(seq, storedSize(value), high);
      }
      if (!newest && firstWaiting !== null) state.learnFloor(high, scannedFrom, firstWaiting);
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
    // A seek in each lane, not a get: the lowest waiting seq is in one lane or the other, and under
    // store.overflow downsample the seqs a summary replaced have no key in the normal lane at all.
    // Async, so that a store closed meanwhile (this may run from the throttle's timer) rejects
    // instead of throwing out of the timer: LevelDB's iterator() throws at once on a closed store.
    const state = this.state;
    const firstKey = async (high: boolean): Promise<[string, string] | undefined> => {
      if ((high ? state.highCount : state.normalCount) === 0) return undefined;
      const from = Math.max(seq, state.floor(high));
      if (from > state.durableSeq) return undefined;
      const [entry] = await this.db.iterator({ gte: readingKey(from, high), lte: readingKey(state.durableSeq, high), limit: 1 }).all();
      return entry;
    };
    Promise.all([firstKey(false), firstKey(true)])
      .then(([normal, high]) => {
        const entry = normal === undefined ? high : high === undefined || seqOfKey(normal[0]) < seqOfKey(high[0]) ? normal : high;
        if (entry === undefined || this.oldestSeq !== seq) return;
        const found = seqOfKey(entry[0]);
        this.oldestTs = decodeReading(found, entry[1]).ts;
        // No key in either lane from seq up to found: nothing waits there (replaced seqs).
        if (found > seq && seq === state.firstSeq) {
          state.skipTo(found);
          this.oldestSeq = state.firstSeq;
        }
      })
      .catch(() => undefined) // best effort: a damaged reading is dropped when it is read
      .finally(() => {
        this.refreshing = false;
        if (this.oldestSeq !== this.state.firstSeq) this.refreshOldestTs();
      });
  }

  private compact(): void {
    const ends: [number, number] = [this.state.floor(false), this.state.floor(true)];
    this.deletesSinceCompaction = 0;
    this.reclaimableBytes = 0;
    const started = Date.now();
    const lane = async (high: boolean): Promise<void> => {
      const i = high ? 1 : 0;
      if (ends[i] > this.compactedBelow[i]) await this.db.compactRange(readingKey(this.compactedBelow[i], high), readingKey(ends[i], high));
      this.compactedBelow[i] = ends[i];
    };
    this.compaction = lane(false)
      .then(() => lane(true))
      .then(() => {
        this.log?.debug({ belowSeq: ends[0], highBelowSeq: ends[1], ms: Date.now() - started }, 'buffer: compacted the deleted range');
      })
      .catch((error: unknown) => this.log?.warn({ err: error }, 'buffer: compaction failed'))
      .finally(() => {
        this.compaction = null;
      });
  }
}
