// Promise 5 (issue): reads start at the cursor, never scanning over the tombstones of acked readings.
// Times are printed for the record, not asserted (CI machines vary).
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMeta, encodeReading, META_KEY, readingKey, storedSize, type Meta } from '../../src/buffer/codec.js';
import { bufferFixture, reading, type BufferFixture } from './buffer-fixture.js';

const MILLION = 1_000_000;
const BATCH = 20_000;

/** Writes readings [from, to] straight into LevelDB, with the meta record the buffer would write. */
async function writeReadings(path: string, to: number, deleteAll: boolean): Promise<void> {
  const db = new ClassicLevel<string, string>(path);
  await db.open();
  let bytes = 0;
  for (let start = 1; start <= to; start += BATCH) {
    const batch = db.batch();
    for (let seq = start; seq < start + BATCH && seq <= to; seq++) {
      const value = encodeReading(reading(seq));
      bytes += storedSize(value);
      batch.put(readingKey(seq), value);
    }
    await batch.write();
  }
  if (deleteAll) {
    for (let start = 1; start <= to; start += BATCH) {
      const batch = db.batch();
      for (let seq = start; seq < start + BATCH && seq <= to; seq++) batch.del(readingKey(seq));
      await batch.write();
    }
  }
  const meta: Meta = deleteAll
    ? { lastSeq: to, firstSeq: 1, count: 0, bytes: 0, dropped: 0 } // firstSeq 1: the worst seek hint
    : { lastSeq: to, firstSeq: 1, count: to, bytes, dropped: 0 };
  await db.put(META_KEY, encodeMeta(meta));
  await db.close();
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${(performance.now() - started).toFixed(1)} ms`);
  return result;
}

describe('ReadingBuffer: large stores', () => {
  let waiting: BufferFixture;
  let acked: BufferFixture;
  beforeAll(async () => {
    waiting = await bufferFixture();
    acked = await bufferFixture();
    await Promise.all([writeReadings(waiting.storePath, MILLION, false), writeReadings(acked.storePath, MILLION, true)]);
  }, 120_000);
  afterAll(async () => {
    await waiting?.cleanup();
    await acked?.cleanup();
  });

  it('reads the first page of a million waiting readings right after opening', async () => {
    const buffer = await timed('open 1M waiting', () => waiting.open({ maxBytes: 1 << 30 }));
    const page = await timed('readFrom(0, 64) of 1M waiting', () => buffer.readFrom(0, 64));
    expect(page.map((r) => r.seq)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(buffer.stats()).toMatchObject({ backlog: MILLION, lastSeq: MILLION, oldestTs: reading(1).ts });
    const tail = await timed('readFrom(999990, 64)', () => buffer.readFrom(MILLION - 10, 64));
    expect(tail).toHaveLength(10);
    await buffer.stop();
  });

  it('reads the ten readings appended after a million acked ones', async () => {
    const buffer = await timed('open 1M acked (one seek over the tombstones)', () => acked.open());
    const appended = await Promise.all(Array.from({ length: 10 }, (_, i) => buffer.append(reading(i))));
    expect(appended[0]?.seq).toBe(MILLION + 1);
    const page = await timed('readFrom(0, 10) after 1M acked', () => buffer.readFrom(0, 10));
    expect(page.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => MILLION + 1 + i));
    await buffer.stop();

    const reopened = await timed('reopen after 1M acked (seek hint past the tombstones)', () => acked.open());
    const again = await timed('readFrom(0, 10) after reopen', () => reopened.readFrom(0, 10));
    expect(again.map((r) => r.seq)).toEqual(page.map((r) => r.seq));
  });

  it('acks through a large backlog in pages and compacts the deleted range in the background', async () => {
    const buffer = await waiting.open({ compactEveryDeletes: 50_000, maxBytes: 1 << 30 });
    let cursor = 0;
    await timed('read+ack 200k in pages of 1000', async () => {
      for (let i = 0; i < 200; i++) {
        const page = await buffer.readFrom(cursor, 1000);
        cursor = page[page.length - 1]!.seq;
        await buffer.ack(page.map((r) => r.seq));
      }
    });
    const page = await timed('readFrom(0, 64) after 200k acks', () => buffer.readFrom(0, 64));
    expect(page[0]?.seq).toBe(200_001);
    expect(buffer.stats().backlog).toBe(MILLION - 200_000);
    await buffer.stop();
  });
});
