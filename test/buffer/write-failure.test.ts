// Promise 7: a failing store (disk full, I/O error) drops and counts readings; the agent keeps running.
// A full disk refuses (and counts) new readings until the file system has room again (space-guard.ts).
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendMany, bufferFixture, diskFull, readAll, reading, type BufferFixture } from './buffer-fixture.js';

describe('ReadingBuffer: write failures', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fx.cleanup();
  });

  it('counts readings of a failed write as dropped, reports once, and writes again once there is room', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 2);
    const errors: Error[] = [];
    buffer.on('writeError', (error) => errors.push(error));
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch');
    batch.mockRejectedValueOnce(diskFull()).mockRejectedValueOnce(diskFull());

    expect(await Promise.all([buffer.append(reading(3)), buffer.append(reading(4))])).toEqual([null, null]);
    expect(buffer.stats()).toMatchObject({ writeFailing: true, dropped: 2, backlog: 2 });
    expect(await buffer.append(reading(5))).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/No space left/);
    // The disk here has room: the guard sees it at its next look and takes readings again.
    await vi.waitFor(() => expect(buffer.stats().capSetBy).not.toBe('disk full'), { timeout: 5000 });

    const stored = await buffer.append(reading(6));
    expect(stored?.seq).toBeGreaterThan(2);
    expect(buffer.stats()).toMatchObject({ writeFailing: false, dropped: 3, backlog: 3 });
    expect(await readAll(buffer)).toEqual([1, 2, stored!.seq]);
  });

  it('retries the deletes of a failed ack with the next write', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 3);
    vi.spyOn(ClassicLevel.prototype, 'batch').mockRejectedValueOnce(diskFull());
    await buffer.ack([1, 2]);
    expect(buffer.stats().backlog).toBe(1);
    await vi.waitFor(() => expect(buffer.stats().capSetBy).not.toBe('disk full'), { timeout: 5000 });
    await buffer.append(reading(4));
    await buffer.stop();
    const reopened = await fx.open();
    expect(await readAll(reopened)).toEqual([3, 4]);
    expect(reopened.stats()).toMatchObject({ backlog: 2, dropped: 0 });
  });
});
