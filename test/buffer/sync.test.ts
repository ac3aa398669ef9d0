// Promise 3: a synced write at most every commitIntervalMs, and only while accepted readings wait.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendMany, bufferFixture, type BufferFixture } from './buffer-fixture.js';
import type { ReadingBuffer } from '../../src/buffer/reading-buffer.js';

const INTERVAL_MS = 5000;

describe('ReadingBuffer: synced writes', () => {
  let fx: BufferFixture;
  let buffer: ReadingBuffer;
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    fx = await bufferFixture({ commitIntervalMs: INTERVAL_MS });
    buffer = await fx.open();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await fx.cleanup();
  });

  /** Lets the interval pass and waits for the write it may trigger. */
  async function intervalPasses(): Promise<void> {
    vi.advanceTimersByTime(INTERVAL_MS);
    await new Promise((resolve) => setImmediate(resolve));
    await buffer.readFrom(0, 1); // an I/O round trip after the batch the timer may have queued
    await new Promise((resolve) => setImmediate(resolve));
  }

  it('never syncs while everything is acked', async () => {
    for (let i = 0; i < 5; i++) {
      const seqs = await appendMany(buffer, 10, i * 10);
      await buffer.ack(seqs);
      await intervalPasses();
    }
    expect(buffer.stats().syncs).toBe(0);
  });

  it('syncs once an interval after a write while readings wait', async () => {
    await appendMany(buffer, 10);
    expect(buffer.stats().syncs).toBe(0);
    vi.advanceTimersByTime(INTERVAL_MS - 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(buffer.stats().syncs).toBe(0);
    await intervalPasses();
    await vi.waitFor(() => expect(buffer.stats().syncs).toBe(1));
  });

  it('syncs at most once per interval under a steady stream, and not again when nothing new was written', async () => {
    for (let i = 0; i < 50; i++) await appendMany(buffer, 5, i * 5); // many writes within one interval
    await intervalPasses();
    await vi.waitFor(() => expect(buffer.stats().syncs).toBe(1));
    await intervalPasses();
    await intervalPasses();
    expect(buffer.stats().syncs).toBe(1);
    await appendMany(buffer, 1);
    await intervalPasses();
    await vi.waitFor(() => expect(buffer.stats().syncs).toBe(2));
  });

  it('commit() forces a sync when readings wait, and does nothing when all are acked', async () => {
    const seqs = await appendMany(buffer, 3);
    await buffer.commit();
    expect(buffer.stats().syncs).toBe(1);
    await buffer.ack(seqs);
    await appendMany(buffer, 2).then((more) => buffer.ack(more));
    await buffer.commit();
    expect(buffer.stats().syncs).toBe(1);
  });
});
