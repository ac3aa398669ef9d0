// Giving a full disk's space back (issue 14). On a full disk LevelDB cannot compact: a compaction
// writes its output before it deletes its input, so the tables of readings already delivered and
// deleted stay on disk, and the disk never empties (measured: 0 bytes free for as long as one
// waits, after all 123,760 readings of a 6 MB tmpfs were delivered). Once every reading the store
// held is acknowledged, the store is emptied in place instead: its LevelDB files are removed and a
// fresh store keeps the meta (lastSeq, dropped) and lifecycle records, so seqs and epochs go on.
//
// Crash safety: the two records are first written (atomically: temp file, fsync, rename) to a
// side file in the store folder. A kill -9 anywhere after that leaves the side file, and the next
// open finishes the reset from it before LevelDB opens. No reading is accepted while it runs, so
// the side file describes a store with nothing in it.
import { open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { LIFECYCLE_KEY, META_KEY, PRIORITY_KEY } from './codec.js';
import { EMPTIED_FILE, EMPTIED_TEMP, isOwnFile, RESERVE_FILE, RESERVE_STUB_BYTES } from './own-files.js';

export { EMPTIED_FILE } from './own-files.js';

/** The encoded meta and lifecycle records the emptied store starts with. */
export interface EmptiedRecords {
  meta: string;
  lifecycle: string;
  /** The high lane's drop counter (codec.ts); absent in side files of earlier versions. */
  priority?: string;
}

interface ReopenableDb {
  readonly status: string;
  close(): Promise<void>;
  open(): Promise<void>;
  batch(ops: Array<{ type: 'put'; key: string; value: string }>, options: { sync: true }): Promise<void>;
}

/**
 * Writes the side file; throws (the store untouched) when even that cannot be written. The caller
 * then closes the store and calls `emptyStore`.
 */
export async function writeEmptiedRecords(path: string, records: EmptiedRecords): Promise<void> {
  // On a disk with 0 bytes free a new file gets no block: write into the released reserve's stub
  // (its block is allocated), in place. A torn write does not parse, and nothing was touched yet.
  const text = JSON.stringify(records);
  if (text.length <= RESERVE_STUB_BYTES && (await writeInPlace(join(path, RESERVE_FILE), text.padEnd(RESERVE_STUB_BYTES, ' ')))) return;
  const temp = join(path, EMPTIED_TEMP);
  const file = await open(temp, 'w');
  try {
    await file.writeFile(JSON.stringify(records));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, join(path, EMPTIED_FILE));
  await syncFolder(path);
}

/**
 * Empties the (closed) store `db` at `path`: removes LevelDB's files, opens it fresh with the side
 * file's records, then removes the side file. Leaves `db` open.
 */
export async function emptyStore(db: ReopenableDb, path: string, records: EmptiedRecords): Promise<void> {
  if (db.status !== 'closed') await db.close();
  await removeLevelFiles(path);
  await db.open();
  await db.batch(
    [
      { type: 'put', key: LIFECYCLE_KEY, value: records.lifecycle },
      { type: 'put', key: META_KEY, value: records.meta },
      ...(records.priority !== undefined ? [{ type: 'put' as const, key: PRIORITY_KEY, value: records.priority }] : []),
    ],
    { sync: true },
  );
  await rm(join(path, EMPTIED_FILE), { force: true });
  await disarmReserveStub(path);
  await syncFolder(path);
}

/** Overwrites the start of an existing file without growing it; false when there is no such file or it is too small. */
async function writeInPlace(file: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r+');
    if ((await handle.stat()).size < Buffer.byteLength(text)) return false;
    await handle.write(text, 0, 'utf8');
    await handle.sync();
    return true;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** The reserve's stub, if it holds records, back to zeros: the reset is done. */
async function disarmReserveStub(path: string): Promise<void> {
  const stub = join(path, RESERVE_FILE);
  if ((await readRecords(stub)) === null) return;
  await writeInPlace(stub, '\0'.repeat(RESERVE_STUB_BYTES));
}

async function readRecords(file: string): Promise<EmptiedRecords | null> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(RESERVE_STUB_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, RESERVE_STUB_BYTES, 0);
      return parseRecords(buffer.subarray(0, bytesRead).toString('utf8').trim());
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/**
 * Before a store opens: finishes a reset a crash interrupted (true when there was one). Without a
 * side file, or with one that cannot be read (a crash before its rename), the store is left as it is.
 */
export async function finishInterruptedReset(path: string, dbAt: (path: string) => ClassicLevel<string, string>): Promise<boolean> {
  await rm(join(path, EMPTIED_TEMP), { force: true });
  const records = (await readRecords(join(path, RESERVE_FILE))) ?? (await readRecords(join(path, EMPTIED_FILE)));
  if (records === null) return false;
  // Removed before the store object exists: a new ClassicLevel starts opening its files at once.
  await removeLevelFiles(path);
  const db = dbAt(path);
  await emptyStore(db, path, records);
  await db.close();
  return true;
}

async function removeLevelFiles(path: string): Promise<void> {
  for (const name of await readdir(path)) {
    if (!isOwnFile(name)) await rm(join(path, name), { recursive: true, force: true });
  }
}

function parseRecords(text: string): EmptiedRecords {
  const parsed = JSON.parse(text) as Partial<EmptiedRecords>;
  if (typeof parsed.meta !== 'string' || typeof parsed.lifecycle !== 'string') throw new Error('not an emptied-store record');
  const records: EmptiedRecords = { meta: parsed.meta, lifecycle: parsed.lifecycle };
  if (typeof parsed.priority === 'string') records.priority = parsed.priority;
  return records;
}

/** A rename or an unlink is durable only once its folder is synced. */
async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
