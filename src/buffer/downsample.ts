// store.overflow: downsample. At the cap, the oldest waiting entries of a sensor are merged into
// summaries (summary-codec.ts) instead of being dropped: consecutive entries of one sensor, in
// seq order, in groups of at most `window` readings. A sweep walks the buffer from the oldest
// entry and stops once the buffer is back under 95% of its caps; when a sweep reaches the newest
// entry and the buffer is still over, everything is as coarse as the window allows, and the window
// doubles (8, 16, 32, ... readings): two summaries of 8 become one of 16. So a long outage keeps
// its whole span, at a resolution that coarsens evenly as more must fit.
// Invariants:
// - A replacement is one LevelDB batch with the meta record: the merged entries' deletes, the
//   summary put under the first one's key, and the counters (count, bytes, dropped). kill -9 or a
//   power cut leaves either the entries or the summary, never both, never counted twice.
// - `dropped` counts each reading once, when it is first replaced; merging summaries adds nothing.
// - Never merged: what a reader has in flight (its ack would delete the summary), readings of an
//   unsynchronized clock (their ts is corrected on the way out), entries of different epochs.
//   Each of these closes its sensor's group, so a summary covers every reading of its sensor
//   between its first and last seq.
// - Reads and replacements never overlap (read-gate.ts).
// - Only the normal lane (`r` keys, codec.ts) is merged: high-priority readings (their own `h`
//   lane) are never summarized. Their seqs are in the normal lane's seq range all the same, so a
//   summary covers every normal reading of its sensor between its first and last seq, not every seq.
// When nothing is left to merge (every entry in flight, marked, or alone), the oldest are dropped
// as drop-oldest does, counted: normal entries first, high ones only once no normal one can go.
import type { Logger } from 'pino';
import type { BatchWriter, PendingBatch } from './batch-writer.js';
import { decodeReading, readingKey, seqOfKey, storedSize } from './codec.js';
import type { QueueState } from './queue-state.js';
import type { ReadGate } from './read-gate.js';
import type { ReadingDb } from './store.js';
import { encodeSummary, isSummaryValue, mergeableOf, mergeSummaries, splitSummary, type Mergeable } from './summary-codec.js';
import { SummaryIndex } from './summary-index.js';

/** The first window, in readings: a summary of fewer would hardly be smaller than the readings. */
export const MIN_WINDOW = 8;
/** A sweep stops once the buffer is under this share of its caps (room for a while of appends). */
const TARGET = 0.95;
const PAGE = 512;
/**
 * Merged entries leave tombstones among the live ones, where the housekeeping's compaction of the
 * delivered range (below firstSeq) never reaches. The waiting range is compacted once as many were
 * deleted as entries wait (and at least this many): each entry is rewritten about once per delete.
 */
const COMPACT_MIN_DELETES = 10_000;

export interface DownsampleHost {
  db: ReadingDb;
  state: QueueState;
  writer: BatchWriter;
  gate: ReadGate;
  /** Handed out by a reader and not yet acked. */
  held(seq: number): boolean;
  epochOf(seq: number): number;
  capBytes(): number;
  maxReadings: number;
  /** A merged entry's delete, for the housekeeping's accounting. */
  deleted(size: number): void;
  /** Nothing left to merge: drop the oldest (counted) as drop-oldest does. */
  dropOldest(): Promise<void>;
  log?: Logger | undefined;
}

interface Entry extends Mergeable {
  size: number;
  isSummary: boolean;
}

interface Group {
  sensor: string;
  epoch: number;
  entries: Entry[];
  n: number;
}

interface Sweep {
  underTarget: boolean;
  merged: number;
  /** Most readings in one entry seen. */
  largest: number;
}

export class Downsampler {
  readonly index = new SummaryIndex();
  /** The window of the current sweeps, in readings. */
  window = MIN_WINDOW;
  /** Below this seq the buffer is merged as far as `window` allows. */
  private cursor = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private deletesSinceCompaction = 0;

  constructor(private readonly host: DownsampleHost) {}

  /** Rebuilds the index of waiting summaries (at open), and starts from the window they reached. */
  async load(): Promise<void> {
    const { db, state } = this.host;
    // Every summary counted its readings in `dropped`: a store that never dropped holds none (no scan).
    if (state.count === 0 || state.dropped === 0) return;
    for await (const [key, value] of db.iterator({ gte: readingKey(state.firstSeq), lte: readingKey(state.durableSeq) })) {
      if (!isSummaryValue(value)) continue;
      const seq = seqOfKey(key);
      const raw = splitSummary(seq, value);
      if (raw?.summary === undefined) continue;
      this.index.set(seq, { ...raw.summary, firstTs: Number(raw.tsJson) });
      while (this.window < raw.summary.n) this.window *= 2;
    }
  }

  /** Starts merging if it is not already under way (after a write that left the buffer over its caps). */
  run(): void {
    if (this.running !== null || this.stopped) return;
    this.running = this.loop()
      // A read error (a medium failing under us) must not take the agent down: the next write retries.
      .catch((error: unknown) => this.host.log?.warn({ err: error }, 'buffer: summarizing the oldest readings failed'))
      .finally(() => {
        this.running = null;
      });
  }

  /** Stops after the replacement under way (before the store closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Resolves once no merging is under way (tests, the bench). */
  async settled(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private over(): boolean {
    const { state } = this.host;
    return state.bytes > this.host.capBytes() * TARGET || state.count > this.host.maxReadings * TARGET;
  }

  private async loop(): Promise<void> {
    try {
      await this.merge();
    } finally {
      await this.compactIfDue();
    }
  }

  private async compactIfDue(): Promise<void> {
    const { db, state } = this.host;
    if (this.stopped || this.deletesSinceCompaction < Math.max(COMPACT_MIN_DELETES, state.count)) return;
    this.deletesSinceCompaction = 0;
    await db.compactRange(readingKey(state.firstSeq), readingKey(state.durableSeq));
  }

  private async merge(): Promise<void> {
    // A new outage starts fine again: the window grows only as this one needs.
    if (this.index.size === 0) {
      this.window = MIN_WINDOW;
      this.cursor = 0;
    }
    while (this.over() && !this.stopped) {
      const whole = this.cursor <= this.host.state.floor(false);
      const sweep = await this.sweep();
      if (sweep.underTarget || this.stopped) return;
      // A sweep from the cursor saw only the newer part: whether anything is left to merge at
      // all, a sweep over the whole buffer tells.
      if (sweep.merged === 0 && !whole) {
        this.cursor = 0;
        continue;
      }
      // Merged as far as the window allows, and still over. If even a window of twice the largest
      // entry merged nothing, no two entries can be merged: drop instead.
      if (sweep.merged === 0 && this.window >= 2 * sweep.largest) {
        await this.host.dropOldest();
        return;
      }
      this.window = Math.max(this.window * 2, sweep.merged === 0 ? 2 * sweep.largest : 0);
      this.cursor = 0;
      this.host.log?.info({ window: this.window }, 'buffer: summaries now span up to this many readings');
    }
  }

  private async sweep(): Promise<Sweep> {
    const { db, state } = this.host;
    const groups = new Map<string, Group>();
    let ready: Group[] = [];
    const sweep: Sweep = { underTarget: false, merged: 0, largest: 1 };
    const close = (sensor: string): void => {
      const group = groups.get(sensor);
      if (group === undefined) return;
      groups.delete(sensor);
      if (group.entries.length > 1) ready.push(group);
    };
    let next = Math.max(this.cursor, state.floor(false));
    const iterator = db.iterator({ gte: readingKey(next), lte: readingKey(state.durableSeq) });
    try {
      for (;;) {
        if (this.stopped) return { ...sweep, underTarget: true };
        const page = await iterator.nextv(PAGE);
        if (page.length === 0) {
          // The newest entries: their groups are short of the window, but the rest is as merged as
          // it gets. Merged now, they are a finer tail that later sweeps grow to the window.
          for (const sensor of [...groups.keys()]) close(sensor);
          if (ready.length > 0) sweep.merged += await this.replace(ready);
          this.cursor = 0;
          return { ...sweep, underTarget: !this.over() };
        }
        for (const [key, value] of page) {
          const seq = seqOfKey(key);
          next = seq + 1;
          if (!state.isWaiting(seq)) continue;
          const found = this.entryOf(seq, value);
          if (found === null) continue; // damaged: the read path drops it
          const { sensor, entry } = found;
          if (entry === null || this.host.held(seq)) {
            close(sensor);
            continue;
          }
          if (entry.n > sweep.largest) sweep.largest = entry.n;
          const epoch = this.host.epochOf(seq);
          let group = groups.get(sensor);
          if (group !== undefined && (group.epoch !== epoch || group.n + entry.n > this.window)) {
            close(sensor);
            group = undefined;
          }
          if (group === undefined) groups.set(sensor, (group = { sensor, epoch, entries: [entry], n: entry.n }));
          else {
            group.entries.push(entry);
            group.n += entry.n;
          }
          if (group.n >= this.window) close(sensor);
        }
        if (ready.length > 0) {
          sweep.merged += await this.replace(ready);
          ready = [];
        }
        if (!this.over()) {
          // Resume where the groups still open begin: everything below is as merged as it gets.
          for (const group of groups.values()) next = Math.min(next, group.entries[0]!.seq);
          this.cursor = next;
          return { ...sweep, underTarget: true };
        }
      }
    } finally {
      await iterator.close();
    }
  }

  /** The sensor of a stored entry and the entry as a mergeable (null: a marked reading); null when damaged. */
  private entryOf(seq: number, value: string): { sensor: string; entry: Entry | null } | null {
    try {
      const decoded = decodeReading(seq, value);
      if (decoded.clock) return { sensor: decoded.sensor, entry: null };
      return { sensor: decoded.sensor, entry: { ...mergeableOf(decoded), size: storedSize(value), isSummary: decoded.summary !== undefined } };
    } catch {
      return null;
    }
  }

  /** Writes the groups' summaries in one batch (with the meta record); the number written. */
  private replace(groups: Group[]): Promise<number> {
    return this.host.gate.exclusive(async () => {
      const { state, writer } = this.host;
      let batch: PendingBatch | null = null;
      let written = 0;
      for (const group of groups) {
        // Acked, dropped or handed out since the sweep read them: leave the group as it is.
        if (!group.entries.every((entry) => state.isWaiting(entry.seq) && !this.host.held(entry.seq))) continue;
        const summary = mergeSummaries(group.sensor, group.entries);
        const value = encodeSummary(summary);
        const size = storedSize(value);
        const before = group.entries.reduce((sum, entry) => sum + entry.size, 0);
        if (size >= before) continue;
        const [head, ...rest] = group.entries as [Entry, ...Entry[]];
        for (const entry of rest) {
          writer.del(readingKey(entry.seq));
          this.host.deleted(entry.size);
          this.deletesSinceCompaction++;
          this.index.removed(entry.seq);
        }
        // The merged keys are gone from the store once this batch is written, and no read is
        // open across it: they need no place among the removed seqs (a week of them would not fit).
        state.count -= rest.length;
        state.bytes += size - before;
        state.dropped += group.entries.filter((entry) => !entry.isSummary).length;
        batch = writer.overwrite(readingKey(head.seq), value);
        this.index.set(head.seq, { lastSeq: summary.lastSeq, lastTs: summary.lastTs, n: summary.n, firstTs: summary.firstTs });
        written++;
      }
      // A failed write (a full disk) retries the deletes with the next batch; the summary is lost
      // then, its readings already counted as dropped, and the next open recounts the bytes.
      if (batch !== null) await batch.done;
      return written;
    });
  }
}
