// Promises 1, 4 and order: seq numbering across restarts, acks that delete, reads from a cursor.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/poll.js';
import { appendMany, bufferFixture, readAll, reading, type BufferFixture } from './buffer-fixture.js';

const waitFor = (predicate: () => boolean): Promise<void> => until(predicate, 5000, 'the buffer', 0);

describe('ReadingBuffer: seq, ack and order', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('numbers readings from 1, one higher each', async () => {
    const buffer = await fx.open();
    expect(await appendMany(buffer, 3)).toEqual([1, 2, 3]);
    const stored = await buffer.append(reading(7));
    expect(stored).toEqual({ ...reading(7), seq: 4 });
    expect(buffer.stats().lastSeq).toBe(4);
  });

  it('continues seq after a restart when everything was acked', async () => {
    const first = await fx.open();
    const seqs = await appendMany(first, 5);
    await first.ack(seqs);
    expect(first.stats().backlog).toBe(0);
    await first.stop();

    const second = await fx.open();
    expect(second.stats().lastSeq).toBe(5);
    expect((await second.append(reading(0)))?.seq).toBe(6);
  });

  it('continues seq after a restart with readings still waiting, and reads them back', async () => {
    const first = await fx.open();
    await appendMany(first, 10);
    await first.ack([1, 2, 3]);
    await first.stop();

    const second = await fx.open();
    expect(second.stats()).toMatchObject({ backlog: 7, lastSeq: 10, oldestTs: reading(3).ts });
    expect(await readAll(second)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect((await second.append(reading(0)))?.seq).toBe(11);
  });

  it('reads waiting readings in seq order from a cursor, with their content', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 20);
    const page = await buffer.readFrom(0, 5);
    expect(page.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(page[0]).toEqual({ ...reading(0), seq: 1 });
    expect((await buffer.readFrom(5, 3)).map((r) => r.seq)).toEqual([6, 7, 8]);
    expect(await buffer.readFrom(20, 10)).toEqual([]);
  });

  it('deletes acked readings and keeps counters in step', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 4, 1); // equal-sized readings
    const before = buffer.stats().bytes;
    await buffer.readFrom(0, 4);
    await buffer.ack([1, 2]);
    expect(buffer.stats().backlog).toBe(2);
    expect(buffer.stats().bytes).toBe(before / 2);
    expect(await readAll(buffer)).toEqual([3, 4]);
  });

  it('ignores acks of unknown, future and already deleted seqs', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 3);
    await buffer.ack([2]);
    const stats = buffer.stats();
    await buffer.ack([2, 0, -1, 99, 2.5]);
    expect(buffer.stats()).toEqual(stats);
    expect(await readAll(buffer)).toEqual([1, 3]);
  });

  it('handles out-of-order acks: reads skip acked ones, the cursor advances over the acked prefix', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 6);
    await buffer.ack([5, 2, 3]);
    expect(await readAll(buffer)).toEqual([1, 4, 6]);
    await buffer.ack([1]);
    expect(buffer.stats().oldestTs).not.toBeNull();
    expect(await buffer.readFrom(0, 10)).toMatchObject([{ seq: 4 }, { seq: 6 }]);
    await buffer.ack([4, 6]);
    expect(buffer.stats()).toMatchObject({ backlog: 0, bytes: 0, oldestTs: null });
  });

  it('acks readings it did not hand out (e.g. acked without a read) with correct byte counts', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 3);
    await buffer.ack([1, 2, 3]);
    expect(buffer.stats()).toMatchObject({ backlog: 0, bytes: 0 });
  });

  it('emits appended for every written reading', async () => {
    const buffer = await fx.open();
    const seen: number[] = [];
    buffer.on('appended', (r) => seen.push(r.seq));
    await appendMany(buffer, 3);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('tracks the oldest waiting reading time', async () => {
    const buffer = await fx.open();
    expect(buffer.stats().oldestTs).toBeNull();
    await appendMany(buffer, 3);
    expect(buffer.stats().oldestTs).toBe(reading(0).ts);
    await buffer.ack([1]);
    await waitFor(() => buffer.stats().oldestTs === reading(1).ts);
  });
});
