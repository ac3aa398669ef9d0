// Coalesces the buffer's writes: everything queued in one event-loop turn goes into ONE db.batch()
// together with the meta record, and batches are written one at a time, in order, so the meta
// record on disk always describes exactly the readings beside it.
import type { BatchOperation } from 'classic-level';
import { META_KEY } from './codec.js';
import type { ReadingDb } from './store.js';
import type { StoredReading } from './types.js';

type Op = BatchOperation<ReadingDb, string, string>;
const SYNCED = { sync: true } as const;
const REOPEN_RETRY_MS = 1000;

/** One batch being collected or written. `done` resolves true once written, false if the write failed. */
export class PendingBatch {
  readonly ops: Op[] = [];
  readonly puts: StoredReading[] = [];
  readonly putSizes: number[] = [];
  deletes = 0;
  sync = false;
  readonly done: Promise<boolean>;
  resolve!: (written: boolean) => void;

  constructor() {
    this.done = new Promise<boolean>((resolve) => {
      this.resolve = resolve;
    });
  }
}

export interface BatchWriterHooks {
  /** The meta record to write with the batch; called synchronously as the batch is sealed. */
  meta(): string;
  /** Other records to write with it when they changed (the priority record), called beside meta. */
  records?(): Array<[key: string, value: string]>;
  written(batch: PendingBatch): void;
  failed(batch: PendingBatch, error: unknown): void;
  /** Whether reopening the store after a failed write can work now (room, a writable file system). */
  canReopen(): Promise<boolean>;
}

/** A write not even tried: the store has to be reopened first, and that cannot work yet. */
export class StoreNotWritableError extends Error {}

export class BatchWriter {
  private pending: PendingBatch | null = null;
  private inFlight: PendingBatch | null = null;
  /** Deletes of a failed batch: written with the next batch, not retried on their own. */
  private retryDeletes: string[] = [];
  private flushScheduled = false;
  /**
   * After a failed write (a full disk) LevelDB's log writer is out of step with its file: every
   * later record in that log would be lost at the next open. Reopening starts a fresh log.
   */
  private reopenBeforeWrite = false;
  /** Set while the store is closed after a reopen whose open failed: retried until it opens. */
  private reopening: Promise<void> | null = null;
  /** Set while `exclusive` has the store to itself: batches wait, readers wait. */
  private excluding: Promise<void> | null = null;

  constructor(
    private readonly db: ReadingDb,
    private readonly hooks: BatchWriterHooks,
  ) {}

  put(key: string, value: string, reading: StoredReading, size: number): PendingBatch {
    const batch = this.collecting();
    batch.ops.push({ type: 'put', key, value });
    batch.puts.push(reading);
    batch.putSizes.push(size);
    return batch;
  }

  /** Overwrites a stored entry (a summary replacing a reading, downsample.ts): no new reading, no seq. */
  overwrite(key: string, value: string): PendingBatch {
    const batch = this.collecting();
    batch.ops.push({ type: 'put', key, value });
    return batch;
  }

  del(key: string): PendingBatch {
    const batch = this.collecting();
    batch.ops.push({ type: 'del', key });
    batch.deletes++;
    return batch;
  }

  /** Writes the meta record (e.g. a changed drop counter) even if nothing else changes. */
  touch(): PendingBatch {
    return this.collecting();
  }

  /** Makes the next batch a synced one (creating a meta-only batch if nothing is queued). */
  requestSync(): PendingBatch {
    const batch = this.collecting();
    batch.sync = true;
    return batch;
  }

  /**
   * For readers: a reopen whose open failed leaves the store closed; open it again. Reads never
   * see a store closed by the write path while the reopen can still work.
   */
  async ensureOpen(): Promise<void> {
    await this.excluding;
    while (this.db.status !== 'open') {
      await this.inFlight?.done;
      if ((this.db.status as string) === 'open') return;
      await (this.reopening ??= this.reopenUntilOpen());
    }
  }

  /**
   * Runs `work` with the store to itself, once what is in flight is written: new batches are
   * collected meanwhile and written after it. `work` leaves the store open and fresh (a reset), so
   * no reopen is owed and the deletes of failed batches are moot.
   */
  async exclusive(work: () => Promise<void>): Promise<void> {
    if (this.excluding !== null) throw new Error('exclusive work is already running');
    let release!: () => void;
    this.excluding = new Promise<void>((resolve) => (release = resolve));
    try {
      while (this.inFlight !== null) await this.inFlight.done;
      await this.reopening;
      await work();
      this.reopenBeforeWrite = false;
      this.retryDeletes = [];
    } finally {
      this.excluding = null;
      release();
      if (this.pending !== null) void this.flush();
    }
  }

  /** Resolves when everything queued so far has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.pending !== null || this.inFlight !== null) {
      await (this.pending ?? this.inFlight)?.done;
    }
  }

  private collecting(): PendingBatch {
    if (this.pending === null) {
      this.pending = new PendingBatch();
      this.takeRetries(this.pending);
    }
    if (!this.flushScheduled && this.inFlight === null && this.excluding === null) {
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    }
    return this.pending;
  }

  /** Readers wait on this rather than fail: the open is retried every second until it works. */
  private async reopenUntilOpen(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, REOPEN_RETRY_MS));
      try {
        if (this.db.status === 'closed') await this.db.open();
        if (this.db.status === 'open') break;
      } catch {
        // still no room: try again
      }
    }
    this.reopening = null;
  }

  private takeRetries(batch: PendingBatch): void {
    for (const key of this.retryDeletes) {
      batch.ops.push({ type: 'del', key });
      batch.deletes++;
    }
    this.retryDeletes = [];
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    while (this.pending !== null && this.inFlight === null && this.excluding === null) {
      const batch = this.pending;
      this.pending = null;
      this.inFlight = batch;
      batch.ops.push({ type: 'put', key: META_KEY, value: this.hooks.meta() });
      for (const [key, value] of this.hooks.records?.() ?? []) batch.ops.push({ type: 'put', key, value });
      let written = true;
      try {
        if (this.reopenBeforeWrite) {
          // Closing a store that cannot be opened again (a full disk) would make it unreadable too.
          if (!(await this.hooks.canReopen())) throw new StoreNotWritableError('the store cannot be reopened yet (disk full or read-only)');
          await this.reopening;
          if (this.db.status === 'open') await this.db.close();
          await this.db.open().catch((error: unknown) => {
            this.reopening ??= this.reopenUntilOpen();
            throw error;
          });
          this.reopenBeforeWrite = false;
        }
        // Options only for a synced batch: abstract-level copies them into every operation, and an
        // options object on every batch made the write path about 4× slower (bench/ingest.ts).
        await (batch.sync ? this.db.batch(batch.ops, SYNCED) : this.db.batch(batch.ops));
      } catch (error) {
        this.reopenBeforeWrite = true;
        written = false;
        for (const op of batch.ops) if (op.type === 'del') this.retryDeletes.push(op.key);
        this.hooks.failed(batch, error);
        if (this.pending !== null) this.takeRetries(this.pending);
      }
      this.inFlight = null;
      if (written) this.hooks.written(batch);
      batch.resolve(written);
    }
  }
}
