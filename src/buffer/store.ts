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
