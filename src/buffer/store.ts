// Opens the LevelDB store behind the buffer and recovers from damage (design.md, promise 5):
// - a store that cannot be opened is moved aside with a timestamp, a fresh store created in its place;
// - a store that opens but has a damaged table (LevelDB skips it silently, then fails at the end
//   of every iterator that passes it, and a compaction over it stops all writes) is moved aside too,
//   after every reading it can still read is copied into a fresh store; the unreadable ones are
//   counted as dropped;
// - readings the meta record promises but the store no longer holds (a damaged log tail) are
//   counted as dropped in place.
// A store locked by another process is never touched. A salvaged store keeps its lifecycle record
// (epochs.ts): the readings it keeps keep their epochs.
import { rename, rm } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import type { Logger } from 'pino';
import { decodeMeta, decodePriorityRecord, EMPTY_META, encodeMeta, encodePriorityRecord, laneRange, LIFECYCLE_KEY, META_KEY, PRIORITY_KEY, seqOfKey, storedSize, type Meta } from './codec.js';
import { auditLanes, type LanesAudit } from './store-audit.js';
import type { LaneCounts } from './queue-state.js';
import { afterLostStore, decodeLifecycle, encodeLifecycle, NO_LIFECYCLE, type Lifecycle } from './epochs.js';
import { BufferError, errorMessage, levelErrorCode } from './errors.js';
import { finishInterruptedReset } from './store-reset.js';

export type ReadingDb = ClassicLevel<string, string>;

/** Seqs from..to (inclusive) that the store does not hold although they are within its range. */
export type SeqGap = [from: number, to: number];

export interface OpenedStore {
  db: ReadingDb;
  meta: Meta;
  /** The lifecycle record as the previous run left it (NO_LIFECYCLE for a store without one). */
  lifecycle: Lifecycle;
  /** Seq of the first stored reading at or above meta.firstSeq, or lastSeq + 1 when none. */
  firstLiveSeq: number;
  /** Sampling time of that reading, or null. */
  oldestTs: number | null;
  /** Gaps above firstLiveSeq (acked out of order, or lost to damage), ascending: never waiting. */
  gaps: SeqGap[];
  /** Where a corrupt or damaged store was moved, or null. */
  recoveredFrom: string | null;
  /** The high lane's readings, bytes and drop counter. */
  lanes: LaneCounts;
}

class CorruptStoreError extends Error {}

/**
 * LevelDB's memory: a 1 MB write buffer (memtable) and a 1 MB block cache instead of 4 MB and
 * 8 MB. The queue reads each reading once, in key order, so a large block cache only holds blocks
 * already read; and the memtable is flushed sooner. Measured A/B in the same runs (bench/drain.ts,
 * bench/soak.ts): RSS while draining 200,000 readings at QoS 1 about 6 MB lower, and 25 minutes
 * offline at 100 readings/s level after the warm-up instead of creeping up with the memtable.
 */
const LEVELDB_MEMORY = { writeBufferSize: 1 << 20, cacheSize: 1 << 20 };

const dbAt = (path: string): ReadingDb => new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8', ...LEVELDB_MEMORY });

export async function openStore(path: string, log?: Logger): Promise<OpenedStore> {
  let db: ReadingDb;
  let meta: Meta;
  let lifecycle: Lifecycle;
  let droppedHigh: number;
  if (await finishInterruptedReset(path, dbAt)) log?.warn({ path }, 'buffer: finished emptying a delivered store that a crash interrupted (nothing was waiting in it)');
  try {
    ({ db, meta, lifecycle, droppedHigh } = await openAndReadMeta(path));
  } catch (error) {
    if (!(error instanceof CorruptStoreError)) throw error;
    const movedTo = await moveAside(path);
    log?.error({ path, movedTo, err: error.cause }, 'buffer store was corrupt: moved aside, starting with an empty store');
    ({ db, meta } = await openAndReadMeta(path));
    // Seqs start again at 1: a new epoch keeps (epoch, seq) apart from what the lost store published.
    return { db, meta, lifecycle: afterLostStore(Date.now()), firstLiveSeq: meta.lastSeq + 1, oldestTs: null, gaps: [], recoveredFrom: movedTo, lanes: NO_LANES };
  }
  let audit: LanesAudit;
  try {
    audit = await auditLanes(db, meta.firstSeq, meta.lastSeq);
  } catch (error) {
    await db.close();
    throw error;
  }
  if (audit.damage !== null) return salvage(path, db, meta, lifecycle, droppedHigh, audit, log);
  const lost = Math.max(0, meta.count - audit.count);
  if (lost > 0 || audit.bytes !== meta.bytes) {
    // More than the counters promise: high-priority readings an older version (no high lane) left unread.
    if (lost === 0 && audit.count > meta.count) log?.warn({ path, expected: meta.count, found: audit.count }, 'buffer store holds readings its counters did not count (high-priority readings a version without priorities left); they are sent');
    else log?.error({ path, expected: meta.count, found: audit.count, lost }, 'buffer store lost readings to damage; counted as dropped');
    meta = { ...meta, count: audit.count, bytes: audit.bytes, dropped: meta.dropped + lost };
  }
  return { db, meta, lifecycle, ...opening(meta, audit, droppedHigh), recoveredFrom: null };
}

const NO_LANES: LaneCounts = { highCount: 0, highBytes: 0, droppedHigh: 0 };

function opening(meta: Meta, audit: LanesAudit, droppedHigh: number): Pick<OpenedStore, 'firstLiveSeq' | 'oldestTs' | 'gaps' | 'lanes'> {
  const lanes = { highCount: audit.highCount, highBytes: audit.highBytes, droppedHigh };
  if (audit.first === null) return { firstLiveSeq: meta.lastSeq + 1, oldestTs: null, gaps: [], lanes };
  return { firstLiveSeq: audit.first.seq, oldestTs: audit.first.ts, gaps: audit.gaps, lanes };
}

async function moveAside(path: string): Promise<string> {
  const movedTo = `${path}.corrupt-${new Date().toISOString()}`;
  await rename(path, movedTo);
  return movedTo;
}

/**
 * Copies every readable reading of a store with a damaged table into a fresh store (same seqs,
 * same lastSeq: seqs are never handed out twice), counts the unreadable ones as dropped, and moves
 * the damaged store aside. A crash midway leaves the damaged store in place: the next start redoes it.
 */
async function salvage(path: string, damaged: ReadingDb, meta: Meta, lifecycle: Lifecycle, droppedHigh: number, audit: LanesAudit, log?: Logger): Promise<OpenedStore> {
  const partial = `${path}.salvage`;
  await rm(partial, { recursive: true, force: true });
  const fresh = dbAt(partial);
  await fresh.open({ createIfMissing: true, errorIfExists: true });
  let copied: LanesAudit;
  try {
    copied = await auditLanes(damaged, meta.firstSeq, meta.lastSeq, async (entries) => {
      await fresh.batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value }))).catch((error: unknown) => {
        throw new BufferError('BUFFER_OPEN_FAILED', `cannot copy the readable readings of a damaged store to ${partial}: ${errorMessage(error)}`, { cause: error });
      });
    });
    const lost = Math.max(0, meta.count - copied.count);
    const salvaged: Meta = { lastSeq: meta.lastSeq, firstSeq: copied.first?.seq ?? meta.lastSeq + 1, count: copied.count, bytes: copied.bytes, dropped: meta.dropped + lost };
    await fresh.batch(
      [
        { type: 'put', key: LIFECYCLE_KEY, value: encodeLifecycle(lifecycle) },
        { type: 'put', key: META_KEY, value: encodeMeta(salvaged) },
        { type: 'put', key: PRIORITY_KEY, value: encodePriorityRecord(droppedHigh) },
      ],
      { sync: true },
    );
    await fresh.close();
    await damaged.close();
    const movedTo = await moveAside(path);
    await rename(partial, path);
    log?.error(
      { path, movedTo, err: audit.damage, expected: meta.count, kept: copied.count, lost },
      'buffer store has a damaged table: moved aside, its readable readings kept, the unreadable counted as dropped',
    );
    const { db } = await openAndReadMeta(path);
    return { db, meta: salvaged, lifecycle, ...opening(salvaged, copied, droppedHigh), recoveredFrom: movedTo };
  } catch (error) {
    await fresh.close().catch(() => undefined);
    if (damaged.status === 'open') await damaged.close().catch(() => undefined);
    throw error;
  }
}

async function openAndReadMeta(path: string): Promise<{ db: ReadingDb; meta: Meta; lifecycle: Lifecycle; droppedHigh: number }> {
  const db = dbAt(path);
  try {
    await db.open({ createIfMissing: true });
  } catch (error) {
    throw classifyOpenError(path, error);
  }
  try {
    return { db, meta: await readMeta(db), lifecycle: await readLifecycle(db), droppedHigh: await readDroppedHigh(db) };
  } catch (error) {
    await db.close();
    throw new CorruptStoreError(errorMessage(error), { cause: error });
  }
}

async function readLifecycle(db: ReadingDb): Promise<Lifecycle> {
  const value = await db.get(LIFECYCLE_KEY);
  return value === undefined ? NO_LIFECYCLE : decodeLifecycle(value);
}

/**
 * The high lane's drop counter. A store without the record (no high reading ever dropped, or
 * written by an earlier version) has 0. Looking for an absent key reads the tables it would be in:
 * a damaged one fails here before the audit can salvage the store, so a failed read counts as 0
 * and the audit finds the damage.
 */
async function readDroppedHigh(db: ReadingDb): Promise<number> {
  const value = await db.get(PRIORITY_KEY).catch(() => undefined);
  return value === undefined ? 0 : decodePriorityRecord(value);
}

async function readMeta(db: ReadingDb): Promise<Meta> {
  const value = await db.get(META_KEY);
  if (value !== undefined) return decodeMeta(value);
  // No meta record: a fresh store, or readings written by something else. Count them once.
  const meta: Meta = { ...EMPTY_META, firstSeq: Number.MAX_SAFE_INTEGER };
  for (const high of [false, true]) {
    for await (const [key, stored] of db.iterator(laneRange(high))) {
      const seq = seqOfKey(key);
      meta.firstSeq = Math.min(meta.firstSeq, seq);
      meta.lastSeq = Math.max(meta.lastSeq, seq);
      meta.count++;
      meta.bytes += storedSize(stored);
    }
  }
  if (meta.count === 0) meta.firstSeq = EMPTY_META.firstSeq;
  return meta;
}

function classifyOpenError(path: string, error: unknown): Error {
  const code = levelErrorCode(error);
  const message = errorMessage(error);
  if (code === 'LEVEL_LOCKED') {
    return new BufferError('BUFFER_LOCKED', `the buffer store ${path} is in use by another process (is another sensor-agent running?)`, { cause: error });
  }
  // A missing table or manifest file is damage too; other I/O errors (permissions) are not ours to fix.
  if (code === 'LEVEL_CORRUPTION' || (code === 'LEVEL_IO_ERROR' && /No such file/i.test(message))) {
    return new CorruptStoreError(message, { cause: error });
  }
  return new BufferError('BUFFER_OPEN_FAILED', `cannot open the buffer store ${path}: ${message}`, { cause: error });
}
