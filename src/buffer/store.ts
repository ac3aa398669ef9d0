// Opens the LevelDB store behind the buffer and recovers from a corrupt one: moved aside with a
// timestamp, a fresh store created in its place. A store locked by another process is never touched.
import { rename } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import type { Logger } from 'pino';
import { decodeMeta, decodeReading, EMPTY_META, META_KEY, READINGS_END, readingKey, seqOfKey, storedSize, type Meta } from './codec.js';
import { BufferError, errorMessage, levelErrorCode } from './errors.js';

export type ReadingDb = ClassicLevel<string, string>;

export interface OpenedStore {
  db: ReadingDb;
  meta: Meta;
  /** Seq of the first stored reading at or above meta.firstSeq, or lastSeq + 1 when none. */
  firstLiveSeq: number;
  /** Sampling time of that reading, or null. */
  oldestTs: number | null;
  /** Where a corrupt store was moved, or null. */
  recoveredFrom: string | null;
}

class CorruptStoreError extends Error {}

export async function openStore(path: string, log?: Logger): Promise<OpenedStore> {
  try {
    return { ...(await openAndRead(path)), recoveredFrom: null };
  } catch (error) {
    if (!(error instanceof CorruptStoreError)) throw error;
    const movedTo = `${path}.corrupt-${new Date().toISOString()}`;
    await rename(path, movedTo);
    log?.error({ path, movedTo, err: error.cause }, 'buffer store was corrupt: moved aside, starting with an empty store');
    return { ...(await openAndRead(path)), recoveredFrom: movedTo };
  }
}

async function openAndRead(path: string): Promise<Omit<OpenedStore, 'recoveredFrom'>> {
  const db: ReadingDb = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    await db.open({ createIfMissing: true });
  } catch (error) {
    throw classifyOpenError(path, error);
  }
  try {
    const meta = await readMeta(db);
    const first = await db.iterator({ gte: readingKey(meta.firstSeq), lt: READINGS_END, limit: 1 }).all();
    const entry = first[0];
    if (entry === undefined) return { db, meta, firstLiveSeq: meta.lastSeq + 1, oldestTs: null };
    const firstLiveSeq = seqOfKey(entry[0]);
    return { db, meta, firstLiveSeq, oldestTs: decodeReading(firstLiveSeq, entry[1]).ts };
  } catch (error) {
    await db.close();
    throw new CorruptStoreError(errorMessage(error), { cause: error });
  }
}

export interface Audit {
  count: number;
  bytes: number;
  /** A damaged table LevelDB could not read: it yields every readable entry, then this error. */
  damage: unknown;
}

/**
 * Counts the readings really stored in [fromSeq, toSeq]. LevelDB skips a damaged table or log tail
 * without an error, so the meta record can promise readings that are gone. The iterator (and its
 * snapshot) is created synchronously, so the count describes the store as it was opened even while
 * the agent already appends and acks: the caller compares it with the meta record of that moment.
 */
export function auditReadings(db: ReadingDb, fromSeq: number, toSeq: number): Promise<Audit> {
  const iterator = db.iterator({ gte: readingKey(fromSeq), lte: readingKey(toSeq) });
  const audit: Audit = { count: 0, bytes: 0, damage: null };
  const count = async (): Promise<Audit> => {
    try {
      for (;;) {
        const entries = await iterator.nextv(4096);
        if (entries.length === 0) return audit;
        for (const [, value] of entries) {
          audit.count++;
          audit.bytes += storedSize(value);
        }
      }
    } catch (error) {
      audit.damage = error;
    } finally {
      await iterator.close();
    }
    return audit;
  };
  return count();
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
