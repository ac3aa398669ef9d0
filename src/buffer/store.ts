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
import { decodeMeta, decodeReading, EMPTY_META, encodeMeta, LIFECYCLE_KEY, META_KEY, READINGS_END, readingKey, seqOfKey, storedSize, type Meta } from './codec.js';
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
  if (await finishInterruptedReset(path, dbAt)) log?.warn({ path }, 'buffer: finished emptying a delivered store that a crash interrupted (nothing was waiting in it)');
  try {
    ({ db, meta, lifecycle } = await openAndReadMeta(path));
  } catch (error) {
    if (!(error instanceof CorruptStoreError)) throw error;
    const movedTo = await moveAside(path);
    log?.error({ path, movedTo, err: error.cause }, 'buffer store was corrupt: moved aside, starting with an empty store');
    ({ db, meta } = await openAndReadMeta(path));
    // Seqs start again at 1: a new epoch keeps (epoch, seq) apart from what the lost store published.
    return { db, meta, lifecycle: afterLostStore(Date.now()), firstLiveSeq: meta.lastSeq + 1, oldestTs: null, gaps: [], recoveredFrom: movedTo };
  }
  let audit: Audit;
  try {
    audit = await auditReadings(db, meta.firstSeq, meta.lastSeq);
  } catch (error) {
    await db.close();
    throw error;
  }
  if (audit.damage !== null) return salvage(path, db, meta, lifecycle, audit, log);
  const lost = Math.max(0, meta.count - audit.count);
  if (lost > 0 || audit.bytes !== meta.bytes) {
    log?.error({ path, expected: meta.count, found: audit.count, lost }, 'buffer store lost readings to damage; counted as dropped');
    meta = { ...meta, count: audit.count, bytes: audit.bytes, dropped: meta.dropped + lost };
  }
  return { db, meta, lifecycle, ...opening(meta, audit), recoveredFrom: null };
}

function opening(meta: Meta, audit: Audit): Pick<OpenedStore, 'firstLiveSeq' | 'oldestTs' | 'gaps'> {
  if (audit.first === null) return { firstLiveSeq: meta.lastSeq + 1, oldestTs: null, gaps: [] };
  return { firstLiveSeq: audit.first.seq, oldestTs: audit.first.ts, gaps: audit.gaps };
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
async function salvage(path: string, damaged: ReadingDb, meta: Meta, lifecycle: Lifecycle, audit: Audit, log?: Logger): Promise<OpenedStore> {
  const partial = `${path}.salvage`;
  await rm(partial, { recursive: true, force: true });
  const fresh = dbAt(partial);
  await fresh.open({ createIfMissing: true, errorIfExists: true });
  let copied: Audit;
  try {
    copied = await auditReadings(damaged, meta.firstSeq, meta.lastSeq, async (entries) => {
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
    return { db, meta: salvaged, lifecycle, ...opening(salvaged, copied), recoveredFrom: movedTo };
  } catch (error) {
    await fresh.close().catch(() => undefined);
    if (damaged.status === 'open') await damaged.close().catch(() => undefined);
    throw error;
  }
}

async function openAndReadMeta(path: string): Promise<{ db: ReadingDb; meta: Meta; lifecycle: Lifecycle }> {
  const db = dbAt(path);
  try {
    await db.open({ createIfMissing: true });
  } catch (error) {
    throw classifyOpenError(path, error);
  }
  try {
    return { db, meta: await readMeta(db), lifecycle: await readLifecycle(db) };
  } catch (error) {
    await db.close();
    throw new CorruptStoreError(errorMessage(error), { cause: error });
  }
}

export interface Audit {
  /** Readings found (well-formed keys only) and the bytes they take. */
  count: number;
  bytes: number;
  /** The first reading found, or null. */
  first: { seq: number; ts: number | null } | null;
  /** Seqs within the range not found after the first one (capped: see GAPS_MAX). */
  gaps: SeqGap[];
  /** The error a damaged table raised, or null. */
  damage: unknown;
}

/** More gaps than this are not tracked (the buffer then counts them out as it reaches them). */
const GAPS_MAX = 100_000;
const PAGE = 4096;

/**
 * Visits every reading LevelDB can still read in [fromSeq, toSeq], in order. A damaged table does
 * not stop an iterator: LevelDB skips it and fails only once the iterator is exhausted, taking the
 * last page read with it. That page is read again one entry at a time, so the count is exact.
 */
export async function auditReadings(db: ReadingDb, fromSeq: number, toSeq: number, visit?: (entries: Array<[string, string]>) => Promise<void>): Promise<Audit> {
  const audit: Audit = { count: 0, bytes: 0, first: null, gaps: [], damage: null };
  let next = fromSeq;
  let pageSize = PAGE;
  for (;;) {
    const iterator = db.iterator({ gte: readingKey(next), lte: readingKey(toSeq) });
    try {
      for (;;) {
        let entries: Array<[string, string]>;
        try {
          entries = await iterator.nextv(pageSize);
        } catch (error) {
          // Corruption, or an I/O error on a bad sector: either way a part of the store is unreadable.
          audit.damage ??= error;
          break;
        }
        if (entries.length === 0) return finish(audit, next, toSeq);
        const good = entries.filter(([key]) => isReadingKey(key, next, toSeq));
        for (const [key, value] of good) {
          const seq = seqOfKey(key);
          if (audit.first === null) audit.first = { seq, ts: tsOf(seq, value) };
          else if (seq > next) addGap(audit, next, seq - 1);
          next = seq + 1;
          audit.count++;
          audit.bytes += storedSize(value);
        }
        if (visit !== undefined && good.length > 0) await visit(good);
      }
    } finally {
      await iterator.close();
    }
    // Stepped reading yields every readable entry before failing: nothing more to find after that.
    if (pageSize === 1) return finish(audit, next, toSeq);
    pageSize = 1;
  }
}

function finish(audit: Audit, next: number, toSeq: number): Audit {
  if (audit.first !== null && next <= toSeq) addGap(audit, next, toSeq);
  return audit;
}

function addGap(audit: Audit, from: number, to: number): void {
  if (audit.first === null || from > to || audit.gaps.length >= GAPS_MAX) return;
  audit.gaps.push([from, to]);
}

function isReadingKey(key: string, fromSeq: number, toSeq: number): boolean {
  const seq = seqOfKey(key);
  return Number.isSafeInteger(seq) && seq >= fromSeq && seq <= toSeq && readingKey(seq) === key;
}

function tsOf(seq: number, value: string): number | null {
  try {
    return decodeReading(seq, value).ts;
  } catch {
    return null; // a damaged reading: dropped when the publisher reads it
  }
}

async function readLifecycle(db: ReadingDb): Promise<Lifecycle> {
  const value = await db.get(LIFECYCLE_KEY);
  return value === undefined ? NO_LIFECYCLE : decodeLifecycle(value);
}

async function readMeta(db: ReadingDb): Promise<Meta> {
  const value = await db.get(META_KEY);
  if (value !== undefined) return decodeMeta(value);
  // No meta record: a fresh store, or readings written by something else. Count them once.
  const meta: Meta = { ...EMPTY_META };
  for await (const [key, stored] of db.iterator({ gte: readingKey(0), lt: READINGS_END })) {
    const seq = seqOfKey(key);
    if (meta.count === 0) meta.firstSeq = seq;
    meta.lastSeq = seq;
    meta.count++;
    meta.bytes += storedSize(stored);
  }
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
