// Full-disk recovery (design.md, promise 4: a full disk is an overflow, not a crash). Three cases:
// a store the full disk has no room to open (readings are refused and counted, the open is tried
// again every OPEN_RETRY_MS); readings refused while the disk is full or read-only (counted, the
// counter written only now and then, since writing costs space); and a full disk whose readings
// were all delivered, where LevelDB cannot compact without room: the store is emptied instead
// (store-reset.ts) and the space guard then finds room again.
import type { Logger } from 'pino';
import type { BatchWriter } from './batch-writer.js';
import { encodeMeta, encodePriorityRecord } from './codec.js';
import { classifyWriteError } from './disk-space.js';
import { encodeLifecycle, type Lifecycle } from './epochs.js';
import type { Housekeeping } from './housekeeping.js';
import type { QueueState } from './queue-state.js';
import type { SpaceGuard } from './space-guard.js';
import type { ReadingDb } from './store.js';
import { emptyStore, writeEmptiedRecords } from './store-reset.js';

/** While new readings are refused (disk full, read-only), the drop counter is written at most this often. */
const REFUSED_COUNT_WRITE_MS = 10_000;
/** An emptying of the delivered store that failed (no room even for its side file) is tried again this often. */
const EMPTY_RETRY_MS = 5000;
/** A store the full disk had no room to open is tried again this often. */
const OPEN_RETRY_MS = 5000;

export interface OpenStore {
  db: ReadingDb;
  state: QueueState;
  writer: BatchWriter;
  housekeeping: Housekeeping;
}

/** What recovery needs of the buffer (reading-buffer.ts). */
export interface FullDiskHost {
  path: string;
  log?: Logger | undefined;
  guard: SpaceGuard;
  open(): Promise<void>;
  opened(): OpenStore | null;
  lifecycle(): Lifecycle;
  stopped(): boolean;
  /** The store was emptied: the write failure that filled the disk is over. */
  emptied(): void;
  /** Figures for the log line when the store opens at last. */
  stats(): object;
}

export class FullDiskRecovery {
  /** Readings refused since start (disk full, read-only, or no store yet). */
  refused = 0;
  /** Refused while the store could not be opened: counted into `dropped` once it opens. */
  refusedBeforeOpen = 0;
  /** Set while a delivered store on a full disk is being emptied: readings are refused. */
  resetting: Promise<void> | null = null;
  private openRetry: NodeJS.Timeout | null = null;
  private refusedCountWrittenAt = 0;

  constructor(private readonly host: FullDiskHost) {}

  /** The store is not open yet because the disk had no room for it (start() keeps trying). */
  get waitingForRoom(): boolean {
    return this.host.opened() === null && this.openRetry !== null;
  }

  /** Opens the store; on a disk too full to create or open it, the agent still runs and the open is retried. */
  async start(): Promise<void> {
    try {
      await this.host.open();
    } catch (error) {
      if (classifyWriteError(error) !== 'no-space') throw error;
      this.host.guard.markFull();
      this.host.log?.error({ path: this.host.path, err: error }, `disk full: the store cannot be opened; new readings are dropped and counted, the open is tried again every ${OPEN_RETRY_MS / 1000} s`);
      this.retryOpen();
    }
  }

  async stop(): Promise<void> {
    if (this.openRetry !== null) clearTimeout(this.openRetry);
    this.openRetry = null;
    await this.resetting;
  }

  /** No store to write to yet: counted, and into `dropped` once the store opens. */
  refuseBeforeOpen(): null {
    this.refusedBeforeOpen++;
    this.refused++;
    return null;
  }

  /** Disk full or read-only: the reading is counted as dropped without touching the store. */
  refuse(store: OpenStore, high = false): null {
    store.state.dropped++;
    if (high) store.state.droppedHigh++;
    this.refused++;
    // The counter goes to disk with the next write; while refusing, only now and then (it costs space).
    if (this.resetting === null && Date.now() - this.refusedCountWrittenAt >= REFUSED_COUNT_WRITE_MS) {
      this.refusedCountWrittenAt = Date.now();
      store.writer.touch();
    }
    return null;
  }

  /**
   * The disk is full and every reading on it was delivered: LevelDB cannot compact without room,
   * so the space would never come back. Empty the store instead (store-reset.ts); the guard then
   * finds the room and accepts readings again.
   */
  emptyWhenFull(): void {
    const { guard, path, log } = this.host;
    const store = this.host.opened();
    if (guard.mode !== 'full' || this.resetting !== null || store === null) return;
    const { db, state, writer, housekeeping } = store;
    this.resetting = (async () => {
      await housekeeping.settle();
      await writer.exclusive(async () => {
        if (state.count !== 0) return;
        const records = { meta: encodeMeta(state.toMeta()), lifecycle: encodeLifecycle(this.host.lifecycle()), priority: encodePriorityRecord(state.droppedHigh) };
        await writeEmptiedRecords(path, records);
        await emptyStore(db, path, records);
        this.host.emptied();
        log?.warn({ path, lastSeq: state.lastSeq, dropped: state.dropped }, 'buffer: every reading on the full disk was delivered; emptied the store to give its space back (LevelDB cannot compact without room)');
      });
    })()
      .catch((error: unknown) => {
        log?.warn({ err: error }, `buffer: cannot empty the delivered store on the full disk yet; trying again in ${EMPTY_RETRY_MS / 1000} s`);
        setTimeout(() => this.emptyWhenFull(), EMPTY_RETRY_MS).unref();
      })
      .finally(() => {
        this.resetting = null;
        void guard.recheck();
      });
  }

  private retryOpen(): void {
    this.openRetry = setTimeout(() => {
      this.openRetry = null;
      void this.host.open().then(
        () => {
          const { state, writer } = this.host.opened()!;
          state.dropped += this.refusedBeforeOpen;
          this.refusedBeforeOpen = 0;
          writer.touch();
          this.host.log?.info({ path: this.host.path, ...this.host.stats() }, 'buffer open (there is room again)');
        },
        (error: unknown) => {
          if (classifyWriteError(error) !== 'no-space') this.host.log?.error({ err: error }, 'buffer: opening the store failed; trying again');
          if (!this.host.stopped()) this.retryOpen();
        },
      );
    }, OPEN_RETRY_MS);
    this.openRetry.unref();
  }
}
