// Epochs (issue 9): a power cut can take back seqs that were already published (the buffer does not
// sync while everything is acked), and the store then hands them out again. Those readings are a
// new epoch, so (device, epoch, seq) stays unique. A new epoch begins only when the last run did not
// stop cleanly AND the machine rebooted since: the boot id comes from a file of the test's own, and
// unclean stops are real child processes killed with SIGKILL.
import { open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIFECYCLE_KEY } from '../../src/buffer/codec.js';
import { decodeLifecycle, epochOf, NO_LIFECYCLE, openLifecycle, pruneRanges } from '../../src/buffer/epochs.js';
import type { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { appendAndKill } from '../helpers/killed-run.js';
import { appendMany, bufferFixture, type BufferFixture } from './buffer-fixture.js';

describe('ReadingBuffer: epochs across power cuts', () => {
  let fx: BufferFixture;
  let bootIdPath: string;
  beforeEach(async () => {
    fx = await bufferFixture();
    bootIdPath = join(fx.dir, 'boot_id');
    await boot('boot-a');
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  const boot = (id: string): Promise<void> => writeFile(bootIdPath, `${id}\n`);
  const openBuffer = (): Promise<ReadingBuffer> => fx.open({ bootIdPath });

  /** A run that appends `count` readings and is killed with SIGKILL (no clean stop). */
  const runAndKill = (count: number, bootFile = bootIdPath): Promise<{ lastSeq: number; epoch: number }> => appendAndKill(fx.storePath, bootFile, count);

  async function rawAll(buffer: ReadingBuffer): Promise<Array<{ seq: number; epoch: number | undefined }>> {
    return (await buffer.readRawFrom(0, 100_000)).map(({ seq, epoch }) => ({ seq, epoch }));
  }

  it('begins epoch 1 after an unclean stop and a reboot: seqs go on gap-free from the recovered lastSeq, new readings carry the epoch', async () => {
    const killed = await runAndKill(30);
    expect(killed).toEqual({ lastSeq: 30, epoch: 0 });
    await boot('boot-b');

    const buffer = await openBuffer();
    expect(buffer.stats()).toMatchObject({ lastSeq: 30, epoch: 1 });
    expect(await appendMany(buffer, 5)).toEqual([31, 32, 33, 34, 35]);
    const raw = await rawAll(buffer);
    expect(raw.map((r) => r.seq)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
    // The readings accepted before the cut keep epoch 0 (absent: the payload is what it was).
    expect(raw.filter((r) => r.seq <= 30).every((r) => r.epoch === undefined)).toBe(true);
    expect(raw.filter((r) => r.seq > 30).every((r) => r.epoch === 1)).toBe(true);
    expect((await buffer.readFrom(30, 10)).map((r) => r.epoch)).toEqual([1, 1, 1, 1, 1]);
  });

  it('keeps the epoch after a crash in the same boot: the page cache survived, nothing published was lost', async () => {
    await runAndKill(10);
    const buffer = await openBuffer();
    expect(buffer.stats()).toMatchObject({ lastSeq: 10, epoch: 0 });
    expect(await appendMany(buffer, 1)).toEqual([11]);
    expect((await rawAll(buffer)).every((r) => r.epoch === undefined)).toBe(true);
  });

  it('keeps the epoch after a clean stop, with or without a reboot', async () => {
    let buffer = await openBuffer();
    await appendMany(buffer, 10);
    await buffer.stop();
    await boot('boot-b');
    buffer = await openBuffer();
    expect(buffer.stats()).toMatchObject({ lastSeq: 10, epoch: 0 });
    await buffer.stop();
    buffer = await openBuffer();
    expect(buffer.stats().epoch).toBe(0);
  });

  it('keeps the epoch of readings left in the store across later restarts, counts on at the next power cut, and prunes ranges whose readings are gone', async () => {
    await runAndKill(20);
    await boot('boot-b');
    const first = await runAndKill(10); // epoch 1 from seq 21
    expect(first).toEqual({ lastSeq: 30, epoch: 1 });
    await boot('boot-c');

    let buffer = await openBuffer();
    expect(buffer.stats()).toMatchObject({ lastSeq: 30, epoch: 2 });
    await appendMany(buffer, 5);
    await buffer.stop();
    buffer = await openBuffer(); // a clean stop: same epoch, every reading still has its own
    expect(buffer.stats().epoch).toBe(2);
    const epochs = (await rawAll(buffer)).map((r) => epochOf([[21, 1], [31, 2]], r.seq) || undefined);
    expect((await rawAll(buffer)).map((r) => r.epoch)).toEqual(epochs);
    expect(epochs.filter((epoch) => epoch === 2)).toHaveLength(5);

    // Everything up to 32 acked: epoch 0's and epoch 1's readings are gone, their ranges pruned at the next open.
    await buffer.ack(Array.from({ length: 32 }, (_, i) => i + 1));
    await buffer.stop();
    buffer = await openBuffer();
    await buffer.stop();
    const db = new ClassicLevel<string, string>(fx.storePath, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    const record = decodeLifecycle((await db.get(LIFECYCLE_KEY))!);
    await db.close();
    expect(record).toEqual({ epoch: 2, ranges: [[31, 2]], bootId: 'boot-c', clean: true });
  });

  it('treats an unreadable boot id as a possible power cut after an unclean stop, and not after a clean one', async () => {
    const nowhere = join(fx.dir, 'no-such-boot-id');
    await runAndKill(5, nowhere);
    let buffer = await fx.open({ bootIdPath: nowhere });
    expect(buffer.stats()).toMatchObject({ lastSeq: 5, epoch: 1 });
    await buffer.stop();
    buffer = await fx.open({ bootIdPath: nowhere });
    expect(buffer.stats().epoch).toBe(1);
  });

  it('opens a store written before epochs (no lifecycle record) as epoch 0', async () => {
    const buffer = await openBuffer();
    await appendMany(buffer, 3);
    await buffer.stop();
    const db = new ClassicLevel<string, string>(fx.storePath, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.del(LIFECYCLE_KEY);
    await db.close();
    await boot('boot-b');

    const reopened = await openBuffer();
    expect(reopened.stats()).toMatchObject({ lastSeq: 3, epoch: 0, backlog: 3 });
    expect((await rawAll(reopened)).every((r) => r.epoch === undefined)).toBe(true);
  });

  it('keeps the epochs when a store with a damaged table is salvaged', async () => {
    await runAndKill(3000);
    await boot('boot-b');
    let buffer = await openBuffer(); // this open turns the first run's log into a table
    expect(buffer.stats().epoch).toBe(1);
    for (let i = 0; i < 500; i += 50) await appendMany(buffer, 50, i);
    await buffer.stop();
    const tables = (await readdir(fx.storePath)).filter((name) => name.endsWith('.ldb'));
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      const handle = await open(join(fx.storePath, table), 'r+');
      await handle.write(Buffer.alloc(1024, 0x5a), 0, 1024, 100);
      await handle.close();
    }

    buffer = await openBuffer();
    expect(buffer.stats().recoveredFrom).not.toBeNull();
    expect(buffer.stats()).toMatchObject({ lastSeq: 3500, epoch: 1 });
    const raw = await rawAll(buffer);
    const newer = raw.filter((r) => r.seq > 3000);
    expect(newer).toHaveLength(500);
    expect(newer.every((r) => r.epoch === 1)).toBe(true);
    expect(raw.filter((r) => r.seq <= 3000).every((r) => r.epoch === undefined)).toBe(true);
    expect(await appendMany(buffer, 1)).toEqual([3501]);
    expect((await buffer.readRawFrom(3500, 1))[0]?.epoch).toBe(1);
  });
});

describe('epochs: the decision and the ranges', () => {
  it('begins a new epoch only for an unclean stop in another (or an unknown) boot', () => {
    const unclean = { epoch: 0, ranges: [], bootId: 'a', clean: false };
    expect(openLifecycle(unclean, 'a', 30, 31).newEpoch).toBe(false);
    expect(openLifecycle(unclean, 'b', 30, 31)).toEqual({ newEpoch: true, record: { epoch: 1, ranges: [[31, 1]], bootId: 'b', clean: false } });
    expect(openLifecycle(unclean, null, 30, 31).newEpoch).toBe(true);
    expect(openLifecycle({ ...unclean, bootId: null }, null, 30, 31).newEpoch).toBe(true);
    expect(openLifecycle({ ...unclean, clean: true }, 'b', 30, 31).newEpoch).toBe(false);
    expect(openLifecycle(NO_LIFECYCLE, 'b', 30, 31)).toEqual({ newEpoch: false, record: { epoch: 0, ranges: [], bootId: 'b', clean: false } });
  });

  it('replaces a range none of whose readings survived the cut (the seqs are handed out again)', () => {
    const previous = { epoch: 1, ranges: [[31, 1]] as Array<[number, number]>, bootId: 'b', clean: false };
    // Epoch 1 began at 31 but nothing of it was synced: the store came back with lastSeq 30.
    expect(openLifecycle(previous, 'c', 30, 5).record.ranges).toEqual([[31, 2]]);
    expect(openLifecycle(previous, 'c', 40, 5).record.ranges).toEqual([[31, 1], [41, 2]]);
  });

  it('prunes ranges below the lowest stored seq and finds the epoch of a seq', () => {
    const ranges: Array<[number, number]> = [[10, 1], [20, 2], [30, 3]];
    expect(pruneRanges(ranges, 5)).toEqual(ranges);
    expect(pruneRanges(ranges, 20)).toEqual([[20, 2], [30, 3]]);
    expect(pruneRanges(ranges, 1000)).toEqual([[30, 3]]);
    expect([1, 10, 19, 20, 29, 30, 99].map((seq) => epochOf(ranges, seq))).toEqual([0, 1, 1, 2, 2, 3, 3]);
    expect(epochOf([], 5)).toBe(0);
  });

  it('refuses a damaged lifecycle record', () => {
    expect(() => decodeLifecycle('{"epoch":-1,"ranges":[],"boot":null,"clean":true}')).toThrow(/epoch/);
    expect(() => decodeLifecycle('{"epoch":1,"ranges":[[1]],"boot":null,"clean":true}')).toThrow(/ranges/);
    expect(() => decodeLifecycle('{"epoch":1,"ranges":[],"boot":null}')).toThrow(/clean/);
  });
});
