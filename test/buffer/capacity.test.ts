// Promise 6: maxBytes / maxReadings bound the buffer; drops are counted, persisted and announced.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/poll.js';
import { appendMany, bufferFixture, readAll, reading, type BufferFixture } from './buffer-fixture.js';

const waitFor = (predicate: () => boolean): Promise<void> => until(predicate, 5000, 'the buffer', 5);

describe('ReadingBuffer: capacity and overflow', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('drop-oldest deletes the oldest readings to stay within maxReadings, and counts them', async () => {
    const buffer = await fx.open({ maxReadings: 10 });
    const events: boolean[] = [];
    buffer.on('overflow', (active) => events.push(active));
    for (let i = 0; i < 25; i++) await buffer.append(reading(i));
    await buffer.commit();
    await waitFor(() => buffer.stats().backlog <= 10);
    expect(await readAll(buffer)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(buffer.stats()).toMatchObject({ backlog: 10, dropped: 15, lastSeq: 25 });
    expect(events).toEqual([true]);
  });

  it('drop-oldest keeps bytes within maxBytes', async () => {
    const probe = await fx.open();
    await probe.append(reading(1));
    const size = probe.stats().bytes;
    await probe.ack([1]);
    await probe.stop();

    const buffer = await fx.open({ maxBytes: size * 5 });
    await appendMany(buffer, 20, 1);
    await waitFor(() => buffer.stats().bytes <= size * 5);
    expect(buffer.stats()).toMatchObject({ backlog: 5, dropped: 15 });
    expect(buffer.stats().bytes).toBeLessThanOrEqual(size * 5);
    expect(await readAll(buffer)).toEqual([17, 18, 19, 20, 21]);
  });

  it('drop-newest refuses new readings without using a seq', async () => {
    const buffer = await fx.open({ maxReadings: 3, overflow: 'drop-newest' });
    await appendMany(buffer, 3);
    expect(await buffer.append(reading(9))).toBeNull();
    expect(buffer.stats()).toMatchObject({ backlog: 3, dropped: 1, lastSeq: 3 });
    await buffer.ack([1]);
    expect((await buffer.append(reading(10)))?.seq).toBe(4);
  });

  it('persists the drop count across a restart', async () => {
    const first = await fx.open({ maxReadings: 2, overflow: 'drop-newest' });
    await appendMany(first, 2);
    await first.append(reading(3));
    await first.append(reading(4));
    await first.stop();
    const second = await fx.open({ maxReadings: 2, overflow: 'drop-newest' });
    expect(second.stats()).toMatchObject({ dropped: 2, backlog: 2, lastSeq: 2 });
  });

  it('never drops readings in flight: the broker is about to have them', async () => {
    const buffer = await fx.open({ maxReadings: 5 });
    await appendMany(buffer, 5);
    const reader = buffer.openReader();
    const inFlight = await reader.read(0, 2);
    await appendMany(buffer, 3, 5); // over by 3: drops 3, 4, 5, keeps 1 and 2 in flight
    await waitFor(() => buffer.stats().backlog === 5);
    expect(await readAll(buffer)).toEqual([1, 2, 6, 7, 8]);
    expect(buffer.stats().dropped).toBe(3);
    await reader.ack(inFlight.map((r) => r.seq));
    expect(buffer.stats()).toMatchObject({ backlog: 3, dropped: 3 });
  });

  it('ignores acks of readings that were handed out, released by a link drop, and then dropped', async () => {
    const buffer = await fx.open({ maxReadings: 5 });
    await appendMany(buffer, 5);
    const reader = buffer.openReader();
    const inFlight = await reader.read(0, 5);
    reader.close(); // the link went down: nothing is in flight any more
    await appendMany(buffer, 5, 5); // pushes 1..5 out
    await waitFor(() => buffer.stats().backlog === 5);
    await reader.ack(inFlight.map((r) => r.seq));
    expect(buffer.stats()).toMatchObject({ backlog: 5, dropped: 5 });
    expect(await readAll(buffer)).toEqual([6, 7, 8, 9, 10]);
    const bytes = buffer.stats().bytes;
    await buffer.ack([6, 7, 8, 9, 10]);
    expect(buffer.stats()).toMatchObject({ backlog: 0, bytes: 0 });
    expect(bytes).toBeGreaterThan(0);
  });

  it('announces the end of overflow once acks free space', async () => {
    const buffer = await fx.open({ maxReadings: 4, overflow: 'drop-newest' });
    const events: boolean[] = [];
    buffer.on('overflow', (active) => events.push(active));
    await appendMany(buffer, 4);
    await buffer.append(reading(5));
    await buffer.append(reading(6));
    await buffer.ack([1, 2]);
    expect(events).toEqual([true, false]);
  });
});
