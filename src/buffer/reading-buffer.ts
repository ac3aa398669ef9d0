// The durable queue (design.md, "The buffer's promises"): append → seq, read in seq order from a
// cursor, ack → delete; bounded by maxBytes/maxReadings; synced at most every commitIntervalMs and
// only while readings wait (SyncSchedule). Writes go through BatchWriter, counters live in QueueState;
// the epoch of each reading (after power cuts) comes from the lifecycle record (epochs.ts,
// lifecycle.ts); the file system's limits (keepFree, full, read-only) from SpaceGuard; reads and
// their readers from store-reads.ts and reader.ts; recovery from a full disk from full-disk.ts;
// the downsample overflow policy (summaries instead of drops) from downsample.ts.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { BatchWriter, type PendingBatch } from './batch-writer.js';
import { decodeReading, encodeMeta, encodePriorityRecord, encodeReading, PRIORITY_KEY, readingKey, storedSize } from './codec.js';
import { LINUX_BOOT_ID_PATH, NO_LIFECYCLE, type Lifecycle } from './epochs.js';
import { beginRun, markCleanStop } from './lifecycle.js';
import { BufferError, errorMessage } from './errors.js';
import { QueueState } from './queue-state.js';
import { openStore } from './store.js';
import type { BufferEvents, BufferOptions, BufferStats, RawReading, Reading, StoredReading } from './types.js';
import { Housekeeping } from './housekeeping.js';
import { SpaceGuard } from './space-guard.js';
import { BufferReader, isHighHandedOut, sizeOfHandedOut, type HandedOut, type ReaderHost } from './reader.js';
import { readDecoded, readRaw, type HandOut, type ReadContext } from './store-reads.js';
import { SyncSchedule } from './sync-schedule.js';
import { FullDiskRecovery, type OpenStore } from './full-disk.js';
import { Downsampler } from './downsample.js';
import { ReadGate } from './read-gate.js';
import { epochOf } from './epochs.js';
import { isSummaryValue } from './summary-codec.js';

/** Near the file system's limit (keepFree), the deleted range is compacted after this many deletes, so space returns. */
const FULL_COMPACT_DELETES = 1000;
/** drop-oldest at a cap set by the file system (keepFree) trims this share of the cap at once. */
const DISK_TRIM_FRACTION = 0.05;

type Opened = OpenStore;

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
  private refused = 0;
  private stopped = false;
  /** A disk too full to open the store, readings refused, a delivered store emptied (full-disk.ts). */
  private readonly fullDisk: FullDiskRecovery;
  /** store.overflow: downsample (downsample.ts), for the store now open; null for the other policies. */
  private downsampler: Downsampler | null = null;
  /** Keeps reads and a summary's replacement apart (read-gate.ts). */
  private readonly gate = new ReadGate();
  /** The high lane's drop counter as last sealed into a batch (-1: to be written). */
  private sealedDroppedHigh = -1;
  /** drop-newest took a high reading over the cap: the newest normal readings make room for it. */
  private makeRoomForHigh = false;

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
      emptying: () => this.fullDisk.resetting !== null,
      onWritable: () => void this.opened?.writer.touch(),
      log,
    });
    this.fullDisk = new FullDiskRecovery({
      path: options.path,
      log,
      guard: this.guard,
      open: () => this.open(),
      opened: () => this.opened,
      lifecycle: () => this.lifecycle,
      stopped: () => this.stopped,
      emptied: () => void (this.writeFailing = false),
      stats: () => this.stats(),
    });
  }

  /**
   * Opens the store. On a disk too full to even create or open it (a first start on a full card,
   * no reserve of ours to release) the agent still runs: readings are refused and counted, and
   * the open is tried again until there is room (full-disk.ts).
   */
  start(): Promise<void> {
    return this.fullDisk.start();
  }

  private async open(): Promise<void> {
    await this.guard.beforeOpen();
    const store = await openStore(this.options.path, this.log);
    // openStore audited the store: counters are exact, and damage was moved aside or counted as dropped.
    const state = new QueueState(store.meta, store.firstLiveSeq, store.gaps, store.lanes);
    this.sealedDroppedHigh = state.droppedHigh;
    const writer = new BatchWriter(store.db, {
      meta: () => encodeMeta(state.toMeta()),
      records: () => {
        if (state.droppedHigh === this.sealedDroppedHigh) return [];
        this.sealedDroppedHigh = state.droppedHigh;
        return [[PRIORITY_KEY, encodePriorityRecord(state.droppedHigh)]];
      },
      written: (batch) => this.onWritten(batch),
      failed: (batch, error) => {
        this.sealedDroppedHigh = -1;
        this.onWriteFailed(batch, error);
      },
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
    this.downsampler = this.options.overflow === 'downsample' ? this.newDownsampler(this.opened) : null;
    await this.downsampler?.load();
    await this.guard.start();
    if (state.count === 0) this.fullDisk.emptyWhenFull();
  }

  /** Resolves with the stored reading once it is written (durable against kill -9), or null when dropped. */
  async append(reading: Reading): Promise<StoredReading | null> {
    const staged = this.stage(reading);
    if (staged === null) return null;
    return (await staged.batch.done) ? staged.stored : null;
  }

  /**
   * As append for readings taken together (a sensor's burst), in order: one promise for all of
   * them instead of one each. Resolves once every batch they went into is written.
   */
  async appendAll(readings: readonly Reading[]): Promise<Array<StoredReading | null>> {
    const staged = readings.map((reading) => this.stage(reading));
    // Staged in one turn, they share one batch, unless the writer was excluded or reopening meanwhile.
    const written = new Map<PendingBatch, boolean>();
    for (const entry of staged) {
      if (entry !== null && !written.has(entry.batch)) written.set(entry.batch, await entry.batch.done);
    }
    return staged.map((entry) => (entry !== null && written.get(entry.batch) === true ? entry.stored : null));
  }

  /** Takes a seq for the reading and queues it in the collecting batch; null when it is dropped or refused at once. */
  private stage(reading: Reading): { stored: StoredReading; batch: PendingBatch } | null {
    if (this.waitingForRoom) return this.fullDisk.refuseBeforeOpen();
    const { state, writer, housekeeping } = this.require();
    const value = encodeReading(reading);
    const size = storedSize(value);
    const high = reading.high === true;
    if (this.guard.refusing || this.fullDisk.resetting !== null) return this.fullDisk.refuse(this.require(), high);
    if (state.wouldOverflow(size, this.capBytes(), this.maxReadings)) {
      this.setOverflow(true);
      if (this.options.overflow === 'drop-newest') {
        // A high reading goes in while a normal one can be dropped instead: the newest, once it is written.
        if (high && state.normalCount > 0) this.makeRoomForHigh = true;
        else {
          state.dropped++;
          if (high) state.droppedHigh++;
          writer.touch();
          return null;
        }
      }
    }
    const seq = state.accept(size, high);
    if (state.count === 1) housekeeping.setOldest(seq, reading.ts);
    const stored: StoredReading = { sensor: reading.sensor, ts: reading.ts, values: reading.values, seq };
    if (reading.clock) stored.clock = reading.clock;
    if (high) stored.high = true;
    return { stored, batch: writer.put(readingKey(seq, high), value, stored, size) };
  }

  /**
   * Waiting readings of a lane (`high`: the high-priority one) with afterSeq < seq <= upToSeq, in
   * seq order; never scans below the oldest waiting one. upToSeq lets a reader keep two cursors
   * (live readings and the older backlog).
   */
  readFrom(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY, high = false): Promise<StoredReading[]> {
    return this.readDecoded(afterSeq, limit, upToSeq, high, null);
  }

  /** As readFrom, but hands out the stored JSON texts, not decoded objects. */
  readRawFrom(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY, high = false): Promise<RawReading[]> {
    return this.readRaw(afterSeq, limit, upToSeq, high, null);
  }

  /** A reader for one link (reader.ts): its readings are in flight until acked or until it is closed. */
  openReader(): BufferReader {
    const host: ReaderHost = {
      readFrom: (afterSeq, limit, upToSeq, high, handedOut) => this.readDecoded(afterSeq, limit, upToSeq, high, handedOut),
      readRawFrom: (afterSeq, limit, upToSeq, high, handedOut) => this.readRaw(afterSeq, limit, upToSeq, high, handedOut),
      ack: (seqs, known) => this.ack(seqs, known),
      closed: (reader) => this.readers.delete(reader),
    };
    const reader = new BufferReader(host);
    this.readers.add(reader);
    return reader;
  }

  private async readDecoded(afterSeq: number, limit: number, upToSeq: number, high: boolean, handedOut: HandOut | null): Promise<StoredReading[]> {
    const context = await this.readContext(handedOut);
    return context === null ? [] : this.gate.read(() => readDecoded(context, afterSeq, limit, upToSeq, high));
  }

  private async readRaw(afterSeq: number, limit: number, upToSeq: number, high: boolean, handedOut: HandOut | null): Promise<RawReading[]> {
    // The publisher asks the high lane first on every turn; most stores never hold a high reading.
    if (high && this.opened?.state.highCount === 0) return [];
    const context = await this.readContext(handedOut);
    return context === null ? [] : this.gate.read(() => readRaw(context, afterSeq, limit, upToSeq, high));
  }

  /** What a read needs (store-reads.ts), once the store is open for it; null while waiting for room. */
  private async readContext(handedOut: HandOut | null): Promise<ReadContext | null> {
    if (this.waitingForRoom) return null;
    const { db, state, writer } = this.require();
    await writer.ensureOpen();
    return {
      db,
      state,
      ranges: this.lifecycle.ranges,
      timeCorrection: this.options.timeCorrection,
      handedOut,
      decodeOrDrop: (seq, value, high) => this.decodeOrDrop(seq, value, high),
      damaged: (error) => {
        if (!this.damageLogged) this.log?.error({ err: error }, 'buffer: reading past a damaged table');
        this.damageLogged = true;
      },
    };
  }

  /**
   * Deletes acknowledged readings; unknown, dropped or already acked seqs are ignored. `known`
   * (a reader's) knows the size and lane of what it handed out; the others are read to learn theirs.
   */
  async ack(seqs: readonly number[], known: (seq: number) => HandedOut | undefined = () => undefined): Promise<void> {
    if (this.waitingForRoom) return;
    const { db, state, writer } = this.require();
    let unknownSize: number[] | null = null;
    let removed: PendingBatch | null = null;
    for (const seq of seqs) {
      const handedOut = known(seq);
      if (!state.isWaiting(seq)) continue;
      if (handedOut === undefined) (unknownSize ??= []).push(seq);
      else removed = this.remove(seq, sizeOfHandedOut(handedOut), isHighHandedOut(handedOut));
    }
    if (unknownSize !== null) {
      // Not handed out by a reader: its lane is not known either, so both keys are looked up. Inside
      // the read gate: no summary replaces one of these between the get and the delete.
      const unknown = unknownSize;
      await this.gate.read(async () => {
        const values = await db.getMany(unknown.flatMap((seq) => [readingKey(seq), readingKey(seq, true)]));
        unknown.forEach((seq, i) => {
          const normal = values[2 * i];
          const value = normal ?? values[2 * i + 1];
          // Under downsample, a seq no open reader holds may have become a summary since it was
          // handed out (a late ack of a closed reader): deleting it would lose the readings merged
          // into it. It is sent again instead (at-least-once).
          if (value !== undefined && state.isWaiting(seq) && !(this.downsampler !== null && isSummaryValue(value))) removed = this.remove(seq, storedSize(value), normal === undefined);
        });
      });
    }
    if (removed === null) return;
    // Near the file system's limit, the space of delivered readings is won back soon, not after 50,000 deletes.
    // Not on a full disk: a compaction there fails and its partial output stays, taking the last bytes.
    if (!this.guard.refusing && this.guard.limitedByDisk(this.options.maxBytes)) this.opened?.housekeeping.compactAfter(FULL_COMPACT_DELETES);
    if (state.count === 0) this.fullDisk.emptyWhenFull();
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
      dropped: (state?.dropped ?? 0) + this.fullDisk.refusedBeforeOpen,
      droppedHigh: state?.droppedHigh ?? 0,
      highBacklog: state?.highCount ?? 0,
      oldestTs: state === undefined || state.count === 0 ? null : (this.opened?.housekeeping.oldestTs ?? null),
      maxBytes: this.options.maxBytes,
      ...this.guard.status(this.options.maxBytes),
      refused: this.fullDisk.refused,
      writeFailing: this.writeFailing || this.guard.refusing,
      recoveredFrom: this.recoveredFrom,
      syncs: this.sync.syncs,
      ...(this.downsampler !== null ? this.downsampler.index.status() : {}),
    };
  }

  /** Resolves once no summarizing is under way (store.overflow: downsample; tests and the bench). */
  async downsampled(): Promise<void> {
    await this.downsampler?.settled();
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
    if (this.opened === null) return void (await this.fullDisk.stop());
    const { db, writer, housekeeping } = this.opened;
    await this.downsampler?.stop();
    await this.commit();
    await housekeeping.settle();
    await this.fullDisk.stop();
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
    return this.fullDisk.waitingForRoom;
  }

  private require(): Opened {
    if (this.opened === null) throw new BufferError('BUFFER_NOT_STARTED', 'the buffer is not started (call start() first)');
    return this.opened;
  }

  /** Counts a reading out of its lane and queues its delete. */
  private remove(seq: number, size: number, high: boolean): PendingBatch {
    const { state, writer, housekeeping } = this.require();
    state.remove(seq, size, high);
    housekeeping.deleted(size);
    this.downsampler?.index.removed(seq);
    return writer.del(readingKey(seq, high));
  }

  private decodeOrDrop(seq: number, value: string, high: boolean): StoredReading | null {
    try {
      return decodeReading(seq, value);
    } catch (error) {
      this.log?.error({ seq, err: error }, 'buffer: dropping a damaged reading');
      const { state } = this.require();
      state.dropped++;
      if (high) state.droppedHigh++;
      this.remove(seq, storedSize(value), high);
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
    if (state.isOver(this.capBytes(), this.maxReadings)) {
      if (this.options.overflow === 'drop-oldest') void this.trimOverflow(false);
      else if (this.options.overflow === 'downsample') this.downsampler?.run();
      else if (this.makeRoomForHigh) void this.trimOverflow(true);
    }
    housekeeping.afterWrite();
    for (const reading of batch.puts) this.emit('appended', reading);
  }

  private onWriteFailed(batch: PendingBatch, error: unknown): void {
    const { state } = this.require();
    batch.puts.forEach((reading, i) => state.remove(reading.seq, batch.putSizes[i]!, reading.high === true));
    state.dropped += batch.puts.length;
    state.droppedHigh += batch.puts.filter((reading) => reading.high === true).length;
    this.guard.writeFailed(error);
    if (state.count === 0) this.fullDisk.emptyWhenFull();
    if (!this.writeFailing) {
      this.writeFailing = true;
      const failure = error instanceof Error ? error : new Error(errorMessage(error));
      this.log?.error({ err: failure, dropped: batch.puts.length }, 'buffer: write failed, readings are dropped');
      this.emit('writeError', failure);
    }
  }

  /**
   * Deletes waiting readings until the buffer is under its limits: drop-oldest the oldest normal
   * ones, then the oldest high ones if no normal one is left to drop; drop-newest (`newest`, to
   * make room for a high reading) the newest normal ones.
   */
  private async trimOverflow(newest: boolean): Promise<void> {
    const opened = this.require();
    // At a cap the file system sets, drop 5% at once and compact them away: one reading dropped
    // per reading written would leave a tombstone each, and the disk would fill with them.
    const byDisk = this.guard.limitedByDisk(this.options.maxBytes);
    await opened.housekeeping.trim(byDisk ? this.capBytes() * (1 - DISK_TRIM_FRACTION) : this.capBytes(), this.maxReadings, newest, (seq, size, high) => {
      // In flight: the broker is about to have it. Dropping it would count a delivered reading as lost.
      for (const reader of this.readers) if (reader.holds(seq)) return false;
      // A summary's readings were counted when they were replaced (downsample.ts).
      if (!this.downsampler?.index.has(seq)) opened.state.dropped++;
      if (high) opened.state.droppedHigh++;
      this.remove(seq, size, high);
      return true;
    });
    // Still over (high readings came in while this trim ran): the next write trims again.
    if (newest && !opened.state.isOver(this.capBytes(), this.maxReadings)) this.makeRoomForHigh = false;
    if (byDisk) opened.housekeeping.compactAfter(1);
  }

  private newDownsampler(opened: Opened): Downsampler {
    return new Downsampler({
      db: opened.db,
      state: opened.state,
      writer: opened.writer,
      gate: this.gate,
      held: (seq) => {
        for (const reader of this.readers) if (reader.holds(seq)) return true;
        return false;
      },
      epochOf: (seq) => epochOf(this.lifecycle.ranges, seq),
      capBytes: () => this.capBytes(),
      maxReadings: this.maxReadings,
      deleted: (size) => opened.housekeeping.deleted(size),
      dropOldest: () => this.trimOverflow(false),
      log: this.log,
    });
  }

  /** The overflow policy's byte cap: maxBytes, or less where the file system must keep store.keepFree free. */
  private capBytes(): number {
    return this.guard.capBytes(this.options.maxBytes);
  }

  private setOverflow(active: boolean): void {
    if (this.overflowActive === active) return;
    this.overflowActive = active;
    if (active) this.log?.warn({ maxBytes: this.options.maxBytes, ...this.guard.status(this.options.maxBytes), policy: this.options.overflow }, 'buffer full: dropping readings');
    this.emit('overflow', active);
  }
}
