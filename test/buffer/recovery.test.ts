// Promise 5 (design) / 8 (issue): a corrupt store is moved aside and replaced; a locked one is left alone.
import { readdir, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { appendMany, bufferFixture, readAll, reading, silentLog, type BufferFixture } from './buffer-fixture.js';

describe('ReadingBuffer: recovery at start', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  async function storeWithReadings(): Promise<void> {
    const buffer = await fx.open();
    await appendMany(buffer, 5);
    await buffer.stop();
  }

  it('moves a store with a damaged CURRENT file aside and starts with a fresh one', async () => {
    await storeWithReadings();
    await writeFile(`${fx.storePath}/CURRENT`, 'garbage without newline');

    const buffer = await fx.open();
    const movedTo = buffer.stats().recoveredFrom;
    expect(movedTo).toMatch(/\/store\.corrupt-\d{4}-\d\d-\d\dT/);
    expect((await readdir(fx.dir)).sort()).toEqual(['store', movedTo!.split('/').pop()]);
    expect(await readdir(movedTo!)).toContain('CURRENT');
    expect(buffer.stats()).toMatchObject({ backlog: 0, lastSeq: 0 });
    // Seqs start again at 1, so the fresh store is a new epoch (the clock in seconds): (epoch, seq)
    // stays apart from what the lost store published in its epochs 0, 1, ...
    const before = Math.floor(Date.now() / 1000);
    expect(buffer.stats().epoch).toBeGreaterThan(1_000_000_000);
    expect(buffer.stats().epoch).toBeLessThanOrEqual(before);
    expect((await buffer.append(reading(1)))?.seq).toBe(1);
    expect((await buffer.readFrom(0, 10))[0]).toMatchObject({ seq: 1, epoch: buffer.stats().epoch });
  });

  it('moves a store whose manifest is garbage aside', async () => {
    await storeWithReadings();
    const manifest = (await readdir(fx.storePath)).find((name) => name.startsWith('MANIFEST-'))!;
    await writeFile(`${fx.storePath}/${manifest}`, Buffer.alloc(200, 0xab));

    const buffer = await fx.open();
    expect(buffer.stats().recoveredFrom).not.toBeNull();
    expect(await readAll(buffer)).toEqual([]);
  });

  it('opens a store whose log was cut short, keeping what is intact', async () => {
    await storeWithReadings();
    const log = (await readdir(fx.storePath)).find((name) => name.endsWith('.log'))!;
    await writeFile(`${fx.storePath}/${log}`, Buffer.alloc(10));

    const buffer = await fx.open();
    expect(buffer.stats().recoveredFrom).toBeNull(); // LevelDB skips a torn log tail by itself
    expect((await buffer.append(reading(9)))?.seq).toBeGreaterThanOrEqual(1);
  });

  it('refuses a store locked by another instance with BUFFER_LOCKED and leaves it where it is', async () => {
    const holder = await fx.open();
    await appendMany(holder, 2);
    const second = new ReadingBuffer(fx.options, silentLog);
    await expect(second.start()).rejects.toMatchObject({ code: 'BUFFER_LOCKED', message: /in use by another process/ });
    expect(await readdir(fx.dir)).toEqual(['store']);
    expect(await readAll(holder)).toEqual([1, 2]);
  });
});
