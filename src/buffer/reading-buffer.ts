// The durable queue (design.md, "The buffer's promises"): append → seq, read in seq order from a
// cursor, ack → delete; bounded by maxBytes/maxReadings; synced at most every commitIntervalMs and
// only while readings wait (SyncSchedule). Writes go through BatchWriter, counters live in QueueState;
// the epoch of each reading (after power cuts) comes from the lifecycle record (epochs.ts,
// lifecycle.ts); the file system's limits (keepFree, full, read-only) from SpaceGuard.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { BatchWriter, type PendingBatch } from './batch-writer.js';
import { decodeReading, encodeMeta, encodeReading, rawOf, readingKey, seqOfKey, splitStored, storedSize } from './codec.js';
import { encodeLifecycle, epochOf, LINUX_BOOT_ID_PATH, NO_LIFECYCLE, type Lifecycle } from './epochs.js';
import type { ClockMark, TimeQuality } from './clock-mark.js';
import { beginRun, markCleanStop } from './lifecycle.js';
import { BufferError, errorMessage } from './errors.js';
import { QueueState } from './queue-state.js';
import { openStore, type ReadingDb } from './store.js';
import type { BufferEvents, BufferOptions, BufferStats, RawReading, Reading, StoredReading } from './types.js';
import { Housekeeping } from './housekeeping.js';
import { SpaceGuard } from './space-guard.js';
import { BufferReader, type ReaderHost } from './reader.js';
import { classifyWriteError } from './disk-space.js';
import { SyncSchedule } from './sync-schedule.js';
import { emptyStore, writeEmptiedRecords } from './store-reset.js';

/** While new readings are refused (disk full, read-only), the drop counter is written at most this often. */
const REFUSED_COUNT_WRITE_MS = 10_000;
/** Near the file system's limit (keepFree), the deleted range is compacted after this many deletes, so space returns. */
const FULL_COMPACT_DELETES = 1000;
/** drop-oldest at a cap set by the file system (keepFree) trims this share of the cap at once. */
const DISK_TRIM_FRACTION = 0.05;
/** An emptying of the delivered store that failed (no room even for its side file) is tried again this often. */
const EMPTY_RETRY_MS = 5000;
/** A store the full disk had no room to open is tried again this often. */
const OPEN_RETRY_MS = 5000;

type HandOut = (seq: number, size: number) => void;

interface Opened {
  db: ReadingDb;
  state: QueueState;
  writer: BatchWriter;
  housekeeping: Housekeeping;
}

export class ReadingBuffer extends EventEmitter<BufferEvents> {
  private opened: Opened | null = null;
  /** Open readers (reader.ts): what they handed out is in flight, and drop-oldest leaves it. */
  private readonly readers = new Set<BufferReader>();
  private readonly maxReadings: number;
  private recoveredFrom: string | null = null;
  private writeFailing = false;
  private overflowActive = false;
  private readonly sync: SyncSchedule;
  private damageLogged = false;
  /** This run's lifecycle record: its epoch, and the epochs of the readings left in the store. */
  private lifecycle: Lifecycle = NO_LIFECYCLE;
  /** The file system under the store: effective cap, reserve file, full and read-only modes. */
  private readonly guard: SpaceGuard;
  private refusedCountWrittenAt = 0;
  private refused = 0;
  /** Set while the store could not be opened for want of room: the next open attempt. */
  private openRetry: NodeJS.Timeout | null = null;
  private refusedBeforeOpen = 0;
  private stopped = false;
  /** Set while a delivered store on a full disk is being emptied (store-reset.ts): readings are refused. */
  private resetting: Promise<void> | null = null;

  constructor(
    private readonly options: BufferOptions,
    private readonly log?: Logger,
  ) {
    super();
    this.maxReadings = options.maxReadings ?? Number.POSITIVE_INFINITY;
    this.sync = new SyncSchedule(options.commitIntervalMs, () => this.opened?.state ?? null, () => this.opened?.writer.requestSync());
    this.guard = new SpaceGuard({
      path: options.path,
      keepFree: options.keepFree ?? { bytes: 0 },
      ...(options.reserveBytes !== undefined ? { reserveBytes: options.reserveBytes } : {}),
      storedBytes: () => this.opened?.state.bytes ?? 0,
      reclaimableBytes: () => this.opened?.housekeeping.reclaimableBytes ?? 0,
      emptying: () => this.resetting !== null,
      onWritable: () => void this.opened?.writer.touch(),
      log,
    });
  }

  /**
   * Opens the store. On a disk too full to even create or open it (a first start on a full card,
   * no reserve of ours to release) the agent still runs: readings are refused and counted, and
   * the open is tried again every OPEN_RETRY_MS until there is room.
   */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (error) {
      if (classifyWriteError(error) !== 'no-space') throw error;
      this.guard.markFull();
      this.log?.error({ path: this.options.path, err: error }, `disk full: the store cannot be opened; new readings are dropped and counted, the open is tried again every ${OPEN_RETRY_MS / 1000} s`);
      this.retryOpen();
    }
  }

  private retryOpen(): void {
    this.openRetry = setTimeout(() => {
      this.openRetry = null;
      void this.open().then(
        () => {
          const { state, writer } = this.require();
          state.dropped += this.refusedBeforeOpen;
          this.refusedBeforeOpen = 0;
          writer.touch();
          this.log?.info({ path: this.options.path, ...this.stats() }, 'buffer open (there is room again)');
        },
        (error: unknown) => {
          if (classifyWriteError(error) !== 'no-space') this.log?.error({ err: error }, 'buffer: opening the store failed; trying again');
          if (!this.stopped) this.retryOpen();
        },
      );
    }, OPEN_RETRY_MS);
    this.openRetry.unref();
  }

  private async open(): Promise<void> {
    await this.guard.beforeOpen();
    const store = await openStore(this.options.path, this.log);
    // openStore audited the store: counters are exact, and damage was moved aside or counted as dropped.
    const state = new QueueState(store.meta, store.firstLiveSeq, store.gaps);
    const writer = new BatchWriter(store.db, {
      meta: () => encodeMeta(state.toMeta()),
      written: (batch) => this.onWritten(batch),
      failed: (batch, error) => this.onWriteFailed(batch, error),
      canReopen: () => this.guard.canReopen(),
    });
    const housekeeping = new Housekeeping(store.db, state, this.options.compactEveryDeletes ?? 50_000, this.log);
    housekeeping.oldestTs = store.oldestTs;
    this.recoveredFrom = store.recoveredFrom;
    try {
      this.lifecycle = await beginRun(store.db, store.lifecycle, { lastSeq: store.meta.lastSeq, firstLiveSeq: store.firstLiveSeq }, this.options.bootIdPath ?? LINUX_BOOT_ID_PATH, this.log);
    } catch (error) {
      // Its reopen failed (no room): close it, or the next attempt would find it locked by us.
      if (store.db.status !== 'closed') await store.db.close().catch(() => undefined);
      throw error;
    }
    this.opened = { db: store.db, state, writer, housekeeping };
    await this.guard.start();
    if (state.count === 0) this.emptyWhenFull();
  }

  /** Resolves with the stored reading once it is written (durable against kill -9), or null when dropped. */
  async append(reading: Reading): Promise<StoredReading | null> {
    if (this.waitingForRoom) {
      this.refusedBeforeOpen++;
      this.refused++;
      return null;
    }
    const { state, writer, housekeeping } = this.require();
    const value = encodeReading(reading);
    const size = storedSize(value);
    if (this.guard.refusing || this.resetting !== null) return this.refuse();
    if (state.wouldOverflow(size, this.capBytes(), this.maxReadings)) {
      this.setOverflow(true);
      if (this.options.overflow === 'drop-newest') {
        state.dropped++;
        writer.touch();
        return null;
      }
    }
    const seq = state.accept(size);
    if (state.count === 1) housekeeping.setOldest(seq, reading.ts);
    const stored: StoredReading = { sensor: reading.sensor, ts: reading.ts, values: reading.values, seq };
    if (reading.clock) stored.clock = reading.clock;
    const batch = writer.put(readingKey(seq), value, stored, size);
    return (await batch.done) ? stored : null;
  }

  /**
   * Waiting readings with afterSeq < seq <= upToSeq, in seq order; never scans below the oldest
   * waiting one. upToSeq lets a reader keep two cursors (live readings and the older backlog).
   */
  readFrom(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY): Promise<StoredReading[]> {
    return this.readDecoded(afterSeq, limit, upToSeq, null);
  }

  /** As readFrom, but hands out the stored JSON texts, not decoded objects. */
  readRawFrom(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY): Promise<RawReading[]> {
    return this.readRaw(afterSeq, limit, upToSeq, null);
  }

  /** A reader for one link (reader.ts): its readings are in flight until acked or until it is closed. */
  openReader(): BufferReader {
    const host: ReaderHost = {
      readFrom: (afterSeq, limit, upToSeq, handedOut) => this.readDecoded(afterSeq, limit, upToSeq, handedOut),
      readRawFrom: (afterSeq, limit, upToSeq, handedOut) => this.readRaw(afterSeq, limit, upToSeq, handedOut),
      ack: (seqs, sizeOf) => this.ack(seqs, sizeOf),
      closed: (reader) => this.readers.delete(reader),
    };
    const reader = new BufferReader(host);
    this.readers.add(reader);
    return reader;
  }

  private async readDecoded(afterSeq: number, limit: number, upToSeq: number, handedOut: HandOut | null): Promise<StoredReading[]> {
    const out: StoredReading[] = [];
    await this.scan(afterSeq, limit, upToSeq, handedOut, (seq, value) => {
      const reading = this.decodeOrDrop(seq, value);
      if (reading !== null) out.push(reading);
      return reading !== null;
    });
    this.setEpochs(out);
    for (const reading of out) if (reading.clock) this.setTime(reading, (ts) => (reading.ts = ts));
    return out;
  }

  private async readRaw(afterSeq: number, limit: number, upToSeq: number, handedOut: HandOut | null): Promise<RawReading[]> {
    const out: RawReading[] = [];
    await this.scan(afterSeq, limit, upToSeq, handedOut, (seq, value) => {
      let raw = splitStored(seq, value);
      if (raw === null) {
        const reading = this.decodeOrDrop(seq, value);
        if (reading !== null) raw = rawOf(reading);
      }
      if (raw !== null) out.push(raw);
      return raw !== null;
    });
    this.setEpochs(out);
    for (const raw of out) if (raw.clock) this.setTime(raw, (ts) => (raw.tsJson = String(ts)));
    return out;
  }

  /** A marked reading leaves `corrected` (with the true ts) once its clock mark can be resolved, else `unsynced`. */
  private setTime(reading: { clock?: ClockMark; time?: TimeQuality }, setTs: (ts: number) => void): void {
    const corrected = reading.clock && this.options.timeCorrection ? this.options.timeCorrection(reading.clock) : null;
    if (corrected === null) reading.time = 'unsynced';
    else {
      setTs(corrected);
      reading.time = 'corrected';
    }
  }

  /** Epoch 0 stays absent: readings of a store that never lost power look as they always did. */
  private setEpochs(readings: Array<{ seq: number; epoch?: number }>): void {
    const ranges = this.lifecycle.ranges;
    if (ranges.length === 0) return;
    for (const reading of readings) {
      const epoch = epochOf(ranges, reading.seq);
      if (epoch !== 0) reading.epoch = epoch;
    }
  }

  /** Visits up to `limit` waiting entries in (afterSeq, upToSeq]; `take` says whether one counted. */
  private async scan(afterSeq: number, limit: number, upToSeq: number, handedOut: HandOut | null, take: (seq: number, value: string) => boolean): Promise<void> {
    if (this.waitingForRoom) return;
    const { db, state, writer } = this.require();
    await writer.ensureOpen();
    const start = Math.max(afterSeq + 1, state.firstSeq);
    const end = Math.min(state.durableSeq, upToSeq);
    if (start > end || limit <= 0) return;
    const iterator = db.iterator({ gte: readingKey(start), lte: readingKey(end) });
    let taken = 0;
    try {
      while (taken < limit) {
        let entries: Array<[string, string]>;
        try {
          entries = await iterator.nextv(limit - taken);
        } catch (error) {
          // Damage since open (a failing medium): LevelDB hands out every readable entry, then fails.
          // Keep what was read; the next start moves the store aside and counts what is lost.
          if (!this.damageLogged) this.log?.error({ err: error }, 'buffer: reading past a damaged table');
          this.damageLogged = true;
          break;
        }
        if (entries.length === 0) break;
        for (const [key, value] of entries) {
          const seq = seqOfKey(key);
          if (!state.isWaiting(seq) || !take(seq, value)) continue;
          taken++;
          handedOut?.(seq, storedSize(value));
        }
      }
    } finally {
      await iterator.close();
    }
  }

  /**
   * Deletes acknowledged readings; unknown, dropped or already acked seqs are ignored. `sizeOf`
   * (a reader's) knows the sizes of what it handed out; the others are read to learn theirs.
   */
  async ack(seqs: readonly number[], sizeOf: (seq: number) => number | undefined = () => undefined): Promise<void> {
    if (this.waitingForRoom) return;
    const { db, state, writer } = this.require();
    let unknownSize: number[] | null = null;
    let removed: PendingBatch | null = null;
    for (const seq of seqs) {
      const size = sizeOf(seq);
      if (!state.isWaiting(seq)) continue;
      if (size === undefined) (unknownSize ??= []).push(seq);
      else removed = this.remove(seq, size);
    }
    if (unknownSize !== null) {
      const values = await db.getMany(unknownSize.map(readingKey));
      unknownSize.forEach((seq, i) => {
        const value = values[i];
        if (value !== undefined && state.isWaiting(seq)) removed = this.remove(seq, storedSize(value));
      });
    }
    if (removed === null) return;
    // Near the file system's limit, the space of delivered readings is won back soon, not after 50,000 deletes.
    // Not on a full disk: a compaction there fails and its partial output stays, taking the last bytes.
    if (!this.guard.refusing && this.guard.limitedByDisk(this.options.maxBytes)) this.opened?.housekeeping.compactAfter(FULL_COMPACT_DELETES);
    if (state.count === 0) this.emptyWhenFull();
    if (this.overflowActive && state.bytes <= this.capBytes() * 0.9 && state.count <= this.maxReadings * 0.9) {
      this.setOverflow(false);
    }
    await writer.idle();
  }

  stats(): BufferStats {
    const state = this.opened?.state;
    return {
      backlog: state?.count ?? 0,
      bytes: state?.bytes ?? 0,
      lastSeq: state?.durableSeq ?? 0,
      epoch: this.lifecycle.epoch,
      dropped: (state?.dropped ?? 0) + this.refusedBeforeOpen,
      oldestTs: state === undefined || state.count === 0 ? null : (this.opened?.housekeeping.oldestTs ?? null),
      maxBytes: this.options.maxBytes,
      ...this.guard.status(this.options.maxBytes),
      refused: this.refused,
      writeFailing: this.writeFailing || this.guard.refusing,
      recoveredFrom: this.recoveredFrom,
      syncs: this.sync.syncs,
    };
  }

  /** Forces a synced write now if readings wait that were written since the last sync. */
  async commit(): Promise<void> {
    if (this.waitingForRoom) return;
    const { state, writer } = this.require();
    if (state.count > 0 && this.sync.unsyncedPuts) writer.requestSync();
    await writer.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.openRetry !== null) clearTimeout(this.openRetry);
    this.openRetry = null;
    if (this.opened === null) return;
    const { db, writer, housekeeping } = this.opened;
    await this.commit();
    await housekeeping.settle();
    await this.resetting;
    await writer.idle();
    this.sync.stop();
    this.guard.stop();
    this.opened = null;
    // After a failed write LevelDB's log is out of step with its file: a mark written now could be
    // lost or outlive what it vouches for. Left unclean, the next start is conservative.
    if (!this.writeFailing) await markCleanStop(db, this.lifecycle, this.log);
    await db.close();
  }

  /** The store is not open yet because the disk had no room for it (start() keeps trying). */
  private get waitingForRoom(): boolean {
    return this.opened === null && this.openRetry !== null;
  }

  private require(): Opened {
    if (this.opened === null) throw new BufferError('BUFFER_NOT_STARTED', 'the buffer is not started (call start() first)');
    return this.opened;
  }

  /** Counts a reading out of the queue and queues its delete. */
  private remove(seq: number, size: number): PendingBatch {
    const { state, writer, housekeeping } = this.require();
    state.remove(seq, size);
    housekeeping.deleted(size);
    return writer.del(readingKey(seq));
  }

  private decodeOrDrop(seq: number, value: string): StoredReading | null {
    try {
      return decodeReading(seq, value);
    } catch (error) {
      this.log?.error({ seq, err: error }, 'buffer: dropping a damaged reading');
      this.require().state.dropped++;
      this.remove(seq, storedSize(value));
      return null;
    }
  }

  private onWritten(batch: PendingBatch): void {
    const { state, housekeeping } = this.require();
    if (batch.puts.length > 0) state.durableSeq = batch.puts[batch.puts.length - 1]!.seq;
    this.sync.written(batch.sync, batch.puts.length, state.durableSeq);
    if (this.writeFailing) {
      this.writeFailing = false;
      this.log?.info('buffer: writes succeed again');
    }
    if (this.options.overflow === 'drop-oldest' && state.isOver(this.capBytes(), this.maxReadings)) {
      void this.trimOldest();
    }
    housekeeping.afterWrite();
    for (const reading of batch.puts) this.emit('appended', reading);
  }

  private onWriteFailed(batch: PendingBatch, error: unknown): void {
    const { state } = this.require();
    batch.puts.forEach((reading, i) => state.remove(reading.seq, batch.putSizes[i]!));
    state.dropped += batch.puts.length;
    this.guard.writeFailed(error);
    if (state.count === 0) this.emptyWhenFull();
    if (!this.writeFailing) {
      this.writeFailing = true;
      const failure = error instanceof Error ? error : new Error(errorMessage(error));
      this.log?.error({ err: failure, dropped: batch.puts.length }, 'buffer: write failed, readings are dropped');
      this.emit('writeError', failure);
    }
  }

  /** drop-oldest: deletes the oldest waiting readings until the buffer is under its limits. */
  private async trimOldest(): Promise<void> {
    const opened = this.require();
    // At a cap the file system sets, drop 5% at once and compact them away: one reading dropped
    // per reading written would leave a tombstone each, and the disk would fill with them.
    const byDisk = this.guard.limitedByDisk(this.options.maxBytes);
    await opened.housekeeping.trim(byDisk ? this.capBytes() * (1 - DISK_TRIM_FRACTION) : this.capBytes(), this.maxReadings, (seq, size) => {
      // In flight: the broker is about to have it. Dropping it would count a delivered reading as lost.
      for (const reader of this.readers) if (reader.holds(seq)) return false;
      opened.state.dropped++;
      this.remove(seq, size);
      return true;
    });
    if (byDisk) opened.housekeeping.compactAfter(1);
  }

  /** The overflow policy's byte cap: maxBytes, or less where the file system must keep store.keepFree free. */
  private capBytes(): number {
    return this.guard.capBytes(this.options.maxBytes);
  }

  /**
   * The disk is full and every reading on it was delivered: LevelDB cannot compact without room,
   * so the space would never come back. Empty the store instead (store-reset.ts); the guard then
   * finds the room and accepts readings again.
   */
  private emptyWhenFull(): void {
    if (this.guard.mode !== 'full' || this.resetting !== null || this.opened === null) return;
    const { db, state, writer, housekeeping } = this.opened;
    const path = this.options.path;
    this.resetting = (async () => {
      await housekeeping.settle();
      await writer.exclusive(async () => {
        if (state.count !== 0) return;
        const records = { meta: encodeMeta(state.toMeta()), lifecycle: encodeLifecycle(this.lifecycle) };
        await writeEmptiedRecords(path, records);
        await emptyStore(db, path, records);
        this.writeFailing = false;
        this.log?.warn({ path, lastSeq: state.lastSeq, dropped: state.dropped }, 'buffer: every reading on the full disk was delivered; emptied the store to give its space back (LevelDB cannot compact without room)');
      });
    })()
      .catch((error: unknown) => {
        this.log?.warn({ err: error }, `buffer: cannot empty the delivered store on the full disk yet; trying again in ${EMPTY_RETRY_MS / 1000} s`);
        setTimeout(() => this.emptyWhenFull(), EMPTY_RETRY_MS).unref();
      })
      .finally(() => {
        this.resetting = null;
        void this.guard.recheck();
      });
  }

  /** Disk full or read-only: the reading is counted as dropped without touching the store. */
  private refuse(): null {
    const { state, writer } = this.require();
    state.dropped++;
    this.refused++;
    // The counter goes to disk with the next write; while refusing, only now and then (it costs space).
    if (this.resetting === null && Date.now() - this.refusedCountWrittenAt >= REFUSED_COUNT_WRITE_MS) {
      this.refusedCountWrittenAt = Date.now();
      writer.touch();
    }
    return null;
  }

  private setOverflow(active: boolean): void {
    if (this.overflowActive === active) return;
    this.overflowActive = active;
    if (active) this.log?.warn({ maxBytes: this.options.maxBytes, ...this.guard.status(this.options.maxBytes), policy: this.options.overflow }, 'buffer full: dropping readings');
    this.emit('overflow', active);
  }
}
