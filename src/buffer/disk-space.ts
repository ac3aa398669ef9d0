// What the file system under the store allows (issue 14): the effective cap of the buffer (the
// smaller of store.maxBytes and what statfs leaves while keeping store.keepFree free), and what a
// failed write means (the disk is full, the file system is read-only, or something else). Pure
// functions: the statfs calls and the reserve file live in space-guard.ts.

/** store.keepFree as configured: a size in bytes, or a percentage of the file system's size. */
import type { KeepFree } from '../schema/keep-free.js';
export type { KeepFree };

/** What limits the buffer right now, as /status.json shows it (buffer.capSetBy). */
export type CapSetBy = 'maxBytes' | 'keepFree' | 'disk full' | 'read-only';

/** One statfs reading of the store's file system. */
export interface FsSpace {
  /** Bytes an unprivileged writer may still use (f_bavail × f_bsize). */
  availBytes: number;
  /** Size of the file system (f_blocks × f_bsize). */
  totalBytes: number;
}

export interface CapInput {
  maxBytes: number;
  /** Bytes the buffer's readings take now (its own count of keys and values, before compression). */
  storedBytes: number;
  /**
   * Bytes the store's files take on disk (deleted readings not yet compacted away included);
   * unknown: taken as storedBytes plus reclaimableBytes.
   */
  footprintBytes?: number;
  space: FsSpace;
  keepFree: KeepFree;
  /** Bytes of the reserve file the guard still has to write back (0 while it is held). */
  reserveMissingBytes: number;
  /** Bytes of deleted readings the store gives back at its next compaction (counted as free). */
  reclaimableBytes?: number;
}

export interface Cap {
  bytes: number;
  setBy: 'maxBytes' | 'keepFree';
  keepFreeBytes: number;
}

export function keepFreeBytes(keepFree: KeepFree, totalBytes: number): number {
  if ('bytes' in keepFree) return keepFree.bytes;
  return Math.ceil((totalBytes * keepFree.percent) / 100);
}

/** Below this the store's files say little about compression (a fresh log, a manifest). */
const FOOTPRINT_MIN_BYTES = 1 << 20;
/** LevelDB's compression of this queue's records measured about 1.7:1 (random values); more is not trusted. */
const MAX_RATIO = 4;

/**
 * The disk the store may take: what it takes now plus what is free beyond keepFree (and beyond the
 * reserve file still to be written back). With keepFree above 0, half of it: a LevelDB compaction
 * writes its output before it deletes its input, and with this queue's keys (deletes at the low
 * end, puts at the high end) one compaction can rewrite a whole level, so as much room again must
 * stay free or the store's own compactions would eat into keepFree and fill the disk (measured
 * with a 32 MB tmpfs, test/faults/disk-limits.test.ts 11e). keepFree 0 says "use all of it".
 * The cap is that disk budget in the buffer's own bytes (before compression, as the store's files
 * show it), never below what the buffer holds: space other writers take is not won back by
 * dropping readings. The overflow policy applies at this cap exactly as at maxBytes.
 */
export function effectiveCap(input: CapInput): Cap {
  const keep = keepFreeBytes(input.keepFree, input.space.totalBytes);
  const reclaimable = input.reclaimableBytes ?? 0;
  const footprint = input.footprintBytes ?? input.storedBytes + reclaimable;
  const budget = Math.max(0, input.space.availBytes + footprint - keep - input.reserveMissingBytes);
  const diskBudget = keep > 0 ? budget / 2 : budget;
  // Bytes of readings per byte of the store's files (deleted readings still there count too), at
  // least 1: below it the files hold what the buffer's counts do not know (tombstones left by an
  // earlier run, LevelDB's own), which a compaction gives back, not readings that take more room.
  const ratio = footprint >= FOOTPRINT_MIN_BYTES ? Math.min(MAX_RATIO, Math.max(1, (input.storedBytes + reclaimable) / footprint)) : 1;
  const fsCap = Math.max(input.storedBytes, Math.floor(diskBudget * ratio));
  return fsCap < input.maxBytes ? { bytes: fsCap, setBy: 'keepFree', keepFreeBytes: keep } : { bytes: input.maxBytes, setBy: 'maxBytes', keepFreeBytes: keep };
}

export type WriteFailure = 'no-space' | 'read-only' | 'other';

/** LevelDB reports file system errors as LEVEL_IO_ERROR with the OS message in the text. */
export function classifyWriteError(error: unknown): WriteFailure {
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === 'ENOSPC' || code === 'EDQUOT' || /No space left on device|Disk quota exceeded/i.test(message)) return 'no-space';
    if (code === 'EROFS' || /Read-only file system/i.test(message)) return 'read-only';
    if (!(e instanceof Error)) break;
  }
  return 'other';
}
