// Emptying a delivered store on a full disk (store-reset.ts): the space comes back, seqs and the
// drop counter go on, and a kill -9 at any step is finished by the next open.
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMeta, LIFECYCLE_KEY, META_KEY, READINGS_END, readingKey, decodeMeta } from '../../src/buffer/codec.js';
import { EMPTIED_FILE, emptyStore, writeEmptiedRecords, type EmptiedRecords } from '../../src/buffer/store-reset.js';
import { RESERVE_FILE } from '../../src/buffer/space-guard.js';
import { appendMany, bufferFixture, readAll, reading, type BufferFixture } from './buffer-fixture.js';

const db = (path: string): ClassicLevel<string, string> => new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(path)) total += (await stat(join(path, name))).size;
  return total;
}

async function readingKeys(store: ClassicLevel<string, string>): Promise<number> {
  return (await store.keys({ gte: readingKey(0), lt: READINGS_END }).all()).length;
}

describe('store reset: giving a delivered store’s space back', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  /** A store that held 20,000 readings, all delivered (deleted but not compacted away), and stopped. */
  async function deliveredStore(): Promise<{ records: EmptiedRecords; lifecycle: string }> {
    const buffer = await fx.open();
    for (let i = 0; i < 20; i++) await appendMany(buffer, 1000, i * 1000);
    await buffer.ack(await readAll(buffer));
    await buffer.stop();
    const store = db(fx.storePath);
    await store.open();
    const lifecycle = (await store.get(LIFECYCLE_KEY))!;
    const meta = decodeMeta((await store.get(META_KEY))!);
    await store.close();
    return { records: { meta: encodeMeta({ ...meta, dropped: 7 }), lifecycle }, lifecycle };
  }

  it('removes LevelDB’s files, keeps its records and the agent’s own files, and leaves the store open', async () => {
    const { records } = await deliveredStore();
    await writeFile(join(fx.storePath, RESERVE_FILE), Buffer.alloc(4096));
    const before = await folderBytes(fx.storePath);
    const store = db(fx.storePath);
    await store.open();

    await writeEmptiedRecords(fx.storePath, records);
    await emptyStore(store, fx.storePath, records);

    expect(store.status).toBe('open');
    expect(await store.get(META_KEY)).toBe(records.meta);
    expect(await store.get(LIFECYCLE_KEY)).toBe(records.lifecycle);
    expect(await readingKeys(store)).toBe(0);
    await store.close();
    const names = await readdir(fx.storePath);
    expect(names).toContain(RESERVE_FILE);
    expect(names).not.toContain(EMPTIED_FILE);
    expect(await folderBytes(fx.storePath)).toBeLessThan(before / 4);
  });

  it('a kill -9 after the side file was written: the next start finishes the reset, seqs go on', async () => {
    const { records } = await deliveredStore();
    // The crash: side file written, LevelDB's files not yet removed.
    await writeEmptiedRecords(fx.storePath, records);

    const buffer = await fx.open();
    expect(buffer.stats()).toMatchObject({ backlog: 0, lastSeq: 20_000, dropped: 7 });
    expect((await buffer.append(reading(1)))?.seq).toBe(20_001);
    expect(await readdir(fx.storePath)).not.toContain(EMPTIED_FILE);
  });

  it('a kill -9 halfway through removing the files: the next start finishes it', async () => {
    const { records } = await deliveredStore();
    await writeEmptiedRecords(fx.storePath, records);
    for (const name of await readdir(fx.storePath)) {
      if (name.startsWith('MANIFEST') || name === 'CURRENT') await rm(join(fx.storePath, name));
    }

    const buffer = await fx.open();
    expect(buffer.stats()).toMatchObject({ backlog: 0, lastSeq: 20_000, dropped: 7, recoveredFrom: null });
    expect((await buffer.append(reading(1)))?.seq).toBe(20_001);
  });

  it('a kill -9 before the side file was renamed into place: the store is left as it was', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 10);
    await buffer.stop();
    await writeFile(join(fx.storePath, `${EMPTIED_FILE}.tmp`), '{"meta":');

    const again = await fx.open();
    expect(again.stats()).toMatchObject({ backlog: 10, lastSeq: 10 });
    expect(await readAll(again)).toHaveLength(10);
    expect(await readdir(fx.storePath)).not.toContain(`${EMPTIED_FILE}.tmp`);
  });
});
