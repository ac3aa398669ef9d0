// The store's file system as the buffer meets it (issue 14): statfs re-checked as the buffer fills
// (the effective cap, disk-space.ts), a reserve file of the agent's own that is released when the
// disk is full so LevelDB can still open, write deletes and compact (a store with 0 bytes free
// cannot even be opened: LevelDB writes a new manifest and log at every open), and the modes in
// which new readings are refused and counted: the disk is full, or the file system is read-only.
// The cap itself (statfs, footprint, keepFree) is store-cap.ts's; the reserve file reserve-file.ts's.
import type { Logger } from 'pino';
import { probeWrite } from './write-probe.js';
import { ReserveFile } from './reserve-file.js';
import { classifyWriteError, keepFreeBytes, type CapSetBy, type KeepFree } from './disk-space.js';
import { fsSpace, nearestFolder, StoreCap } from './store-cap.js';

export { RESERVE_FILE, RESERVE_STUB_BYTES } from './own-files.js';
export { nearestFolder } from './store-cap.js';

/**
 * 2 MiB (a quarter of a file system smaller than 8 MiB): at open LevelDB turns the old log (up to
 * the 1 MB write buffer) into a table and writes a new manifest; then the drain's deletes need room too.
 * Measured on a 0-bytes-free tmpfs (test/faults/disk-limits.test.ts).
 */
export const DEFAULT_RESERVE_BYTES = 2 * 1024 * 1024;
/** Less free than this after the reserve is released: do not even try to reopen LevelDB. */
const REOPEN_MIN_BYTES = 64 * 1024;
/** The smallest reserve written for an empty store (room to open it: a manifest and a fresh log). */
const MIN_RESERVE_BYTES = 256 * 1024;
const REFRESH_MIN_MS = 200;
const PROBE_EVERY_MS = 1000;

export type SpaceMode = 'ok' | 'full' | 'read-only';

export interface DiskStatus {
  /** The cap the overflow policy applies at: min(maxBytes, what keepFree leaves). */
  effectiveMaxBytes: number;
  capSetBy: CapSetBy;
  /** Free bytes of the store's file system at the last check (null before the first). */
  freeBytes: number | null;
  keepFreeBytes: number | null;
  /** True while the agent's reserve file is on disk (released when the disk is full). */
  reserveHeld: boolean;
  /** One line a technician understands when new readings cannot be stored; null when they can. */
  problem: string | null;
}

export interface SpaceGuardOptions {
  path: string;
  keepFree: KeepFree;
  reserveBytes?: number;
  /** The bytes the buffer's readings take now. */
  storedBytes: () => number;
  /** Bytes of deleted readings the store still holds on disk until its next compaction. */
  reclaimableBytes?: () => number;
  /** True while the store is being emptied (its records may sit in the reserve's stub): no reserve write then. */
  emptying?: () => boolean;
  /** The store is writable again after a full disk or a read-only spell: flush what waits. */
  onWritable: () => void;
  log?: Logger | undefined;
}

export class SpaceGuard {
  mode: SpaceMode = 'ok';
  private readonly cap: StoreCap;
  private readonly reserve: ReserveFile;
  private reserveBytes: number;
  private refreshing: Promise<void> | null = null;
  private lastRefreshAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The reserve file being deleted: a reopen waits for the room it gives back. */
  private releasing: Promise<void> | null = null;

  constructor(private readonly options: SpaceGuardOptions) {
    this.reserve = new ReserveFile(options.path, options.log);
    this.reserveBytes = options.reserveBytes ?? DEFAULT_RESERVE_BYTES;
    this.cap = new StoreCap(options);
  }

  /** Before LevelDB opens: on a disk without room for the open itself, gives back the reserve. */
  async beforeOpen(): Promise<void> {
    const space = await fsSpace(await nearestFolder(this.options.path)).catch(() => null);
    // On a small file system the reserve is a quarter of it (at least 256 KiB): 2 MiB of a 2 MB disk would leave nothing.
    if (space !== null && this.options.reserveBytes === undefined) this.reserveBytes = Math.min(DEFAULT_RESERVE_BYTES, Math.max(MIN_RESERVE_BYTES, Math.floor(space.totalBytes / 4)));
    if (space === null || space.availBytes >= this.reserveBytes) return;
    if ((await this.reserve.onDisk()) !== null) {
      await this.reserve.release();
      this.mode = 'full';
      this.options.log?.error({ freeBytes: space.availBytes, released: this.reserveBytes }, 'disk full at start: released the reserve file so the store can open and drain; new readings are dropped until there is room');
    }
  }

  async start(): Promise<void> {
    await this.reserve.adopt(this.mode !== 'ok');
    await this.refresh(true);
    // Without its reserve a store that fills the disk could not be reopened to drain: no new
    // readings until there is room to write it (a restart on a full disk lands here).
    if (this.mode === 'ok' && !this.reserve.held && this.cap.space !== null) {
      this.mode = 'full';
      this.options.log?.error({ path: this.options.path, freeBytes: this.cap.space.availBytes }, 'disk full at start (no room for the reserve file): new readings are dropped and counted until there is room; the backlog is still published');
    }
    this.timer = setInterval(() => void this.refresh(true), PROBE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** True while the file system (keepFree), not maxBytes, sets the cap. */
  limitedByDisk(maxBytes: number): boolean {
    return this.cap.limitedByDisk(maxBytes);
  }

  /** New readings are refused (and counted) while the disk is full or read-only. */
  get refusing(): boolean {
    return this.mode !== 'ok';
  }

  /** The cap in bytes; maxBytes until statfs answered. Asks for a fresh check now and then. */
  capBytes(maxBytes: number): number {
    if (Date.now() - this.lastRefreshAt >= REFRESH_MIN_MS) void this.refresh(false);
    return this.cap.bytes(maxBytes);
  }

  /** A write failed: a full disk gives back the reserve; a read-only file system stops writes. */
  writeFailed(error: unknown): void {
    const kind = classifyWriteError(error);
    if (kind === 'read-only') {
      this.enterReadOnly();
      return;
    }
    // An I/O error may be the moment ext4 turned the file system read-only (errors=remount-ro):
    // the next write says EROFS, and a store closed now could not be opened again to drain it.
    if (kind === 'other') {
      void this.detectReadOnly();
      return;
    }
    if (kind !== 'no-space') return;
    if (this.mode === 'ok') this.options.log?.error({ path: this.options.path }, 'disk full: new readings are dropped and counted until there is room; the backlog is still published');
    this.mode = 'full';
    if (this.reserve.held) {
      this.releasing = this.reserve.release().catch((error: unknown) => this.options.log?.warn({ err: error }, 'cannot release the reserve file'));
    }
    // Look again at once: a write can fail for want of room that is there again a moment later.
    void (this.releasing ?? Promise.resolve()).then(() => this.refresh(true));
  }

  /** The store could not even be opened for want of room: refuse readings, say so. */
  markFull(): void {
    this.mode = 'full';
  }

  /** Looks at the file system now (after the buffer gave space back): may leave the full mode. */
  async recheck(): Promise<void> {
    await this.releasing;
    await this.refresh(true);
  }

  /** Reopening LevelDB after a failed write needs room (and a writable file system): checked now. */
  async canReopen(): Promise<boolean> {
    if (this.mode === 'read-only') return false;
    if (await this.detectReadOnly()) return false;
    await this.releasing;
    this.releasing = null;
    await this.refresh(true);
    return this.cap.space === null || this.cap.space.availBytes >= REOPEN_MIN_BYTES;
  }

  status(maxBytes: number): DiskStatus {
    const setBy: CapSetBy = this.mode === 'full' ? 'disk full' : this.mode === 'read-only' ? 'read-only' : (this.cap.limitedByDisk(maxBytes) ? 'keepFree' : 'maxBytes');
    return {
      effectiveMaxBytes: this.cap.bytes(maxBytes),
      capSetBy: setBy,
      freeBytes: this.cap.space?.availBytes ?? null,
      keepFreeBytes: this.cap.keepFreeBytes,
      reserveHeld: this.reserve.held,
      problem: this.problem(),
    };
  }

  private problem(): string | null {
    if (this.mode === 'read-only') return `${readOnlyLine(this.options.path)}: new readings are dropped and counted, the backlog is still published (remount it read-write or fix the unit's ReadWritePaths)`;
    if (this.mode === 'full') return `disk full under ${this.options.path}: new readings are dropped and counted until there is room (free space, or let the backlog drain)`;
    return null;
  }

  private async refresh(force: boolean): Promise<void> {
    if (this.refreshing !== null) return this.refreshing;
    if (!force && Date.now() - this.lastRefreshAt < REFRESH_MIN_MS) return;
    this.refreshing = this.check()
      .catch((error: unknown) => this.options.log?.debug({ err: error }, 'statfs of the store failed'))
      .finally(() => {
        this.lastRefreshAt = Date.now();
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** True (and the read-only mode entered, logged once) when a write in the store folder says EROFS. */
  private async detectReadOnly(): Promise<boolean> {
    if ((await probeWrite(this.options.path)) !== 'read-only') return false;
    this.enterReadOnly();
    return true;
  }

  private enterReadOnly(): void {
    if (this.mode !== 'read-only') this.options.log?.error({ path: this.options.path }, `${readOnlyLine(this.options.path)}; new readings are dropped and counted, the backlog is still published`);
    this.mode = 'read-only';
  }

  private async check(): Promise<void> {
    if (this.mode === 'read-only' && (await probeWrite(this.options.path)) === 'read-only') return;
    const space = await this.cap.measure();
    // Room for the reserve with keepFree and a little more beside it; while the store still holds
    // readings, also room for as much again as they take (at least the reserve's size): a
    // compaction midway through a drain frees a few MB that new readings would take at once, and
    // drop-oldest would then evict the very backlog being drained (measured: a 6 MB tmpfs, 11a,
    // and ext4 under qemu). Once the store is empty (store-reset.ts) there is no more to wait for.
    // An empty store opens with little room (no log to turn into a table): a smaller reserve,
    // half of what is free beyond keepFree, lets readings flow again on a disk another writer
    // keeps full (measured: 1.3 MB free after the drain on the qemu ext4 disk); it grows back to
    // full size once there is room.
    const keep = keepFreeBytes(this.options.keepFree, space.totalBytes);
    const stored = this.options.storedBytes();
    const avail = space.availBytes;
    const reserve = stored > 0 ? this.reserveBytes : Math.max(MIN_RESERVE_BYTES, Math.min(this.reserveBytes, Math.floor((avail - keep - REOPEN_MIN_BYTES) / 2)));
    const needed = reserve + REOPEN_MIN_BYTES + keep + (stored > 0 ? Math.max(this.reserveBytes, stored) : reserve);
    const room = avail >= needed && !(this.options.emptying?.() ?? false);
    if (this.mode !== 'ok' && room) await this.recover(reserve);
    else if (this.mode === 'ok' && !this.reserve.held && room) await this.reserve.write(reserve);
    else if (this.mode === 'ok' && this.reserve.held && this.reserve.heldBytes < this.reserveBytes && avail >= 2 * this.reserveBytes + REOPEN_MIN_BYTES + keep) await this.reserve.write(this.reserveBytes);
    await this.cap.update(this.reserve.held ? 0 : this.reserveBytes);
  }

  private async recover(reserve: number): Promise<void> {
    const was = this.mode;
    if (!this.reserve.held) await this.reserve.write(reserve);
    if (!this.reserve.held) return;
    this.mode = 'ok';
    const space = await this.cap.measure();
    this.options.log?.info({ was, freeBytes: space.availBytes }, 'the store is writable again: accepting new readings');
    this.options.onWritable();
  }
}

export function readOnlyLine(path: string): string {
  return `the store ${path} is on a read-only file system`;
}
