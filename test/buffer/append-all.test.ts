// appendAll: a sensor's burst appended with one promise for all of it (the sampler's path). Each
// reading gets what append would have given it: its seq in order, null where it was dropped or
// refused, null for every reading of a write that failed.
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendMany, bufferFixture, diskFull, readAll, reading, type BufferFixture } from './buffer-fixture.js';

describe('ReadingBuffer.appendAll', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fx.cleanup();
  });

  it('stores a burst in order, one seq each, as append does, in one write', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 2);
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch');
    const burst = Array.from({ length: 50 }, (_, i) => reading(10 + i));
    const stored = await buffer.appendAll(burst);
    expect(stored.map((r) => r?.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 3 + i));
    expect(stored[7]).toEqual({ ...burst[7], seq: 10 });
    expect(batch).toHaveBeenCalledTimes(1);
    expect(buffer.stats()).toMatchObject({ backlog: 52, lastSeq: 52 });
    expect((await buffer.readFrom(2, 3)).map((r) => [r.seq, r.ts])).toEqual([
      [3, burst[0]!.ts],
      [4, burst[1]!.ts],
      [5, burst[2]!.ts],
    ]);
  });

  it('resolves only once the burst is written: it is there after a restart', async () => {
    const first = await fx.open();
    await first.appendAll([reading(1), reading(2), reading(3)]);
    await first.stop();
    const second = await fx.open();
    expect(await readAll(second)).toEqual([1, 2, 3]);
  });

  it('gives null to the readings drop-newest refused, and takes no seq for them', async () => {
    const buffer = await fx.open({ maxReadings: 3, overflow: 'drop-newest' });
    const stored = await buffer.appendAll([reading(1), reading(2), reading(3), reading(4), reading(5)]);
    expect(stored.map((r) => r?.seq ?? null)).toEqual([1, 2, 3, null, null]);
    expect(buffer.stats()).toMatchObject({ backlog: 3, dropped: 2, lastSeq: 3 });
  });

  it('gives null to every reading of a failed write and counts them as dropped', async () => {
    const buffer = await fx.open();
    await appendMany(buffer, 2);
    vi.spyOn(ClassicLevel.prototype, 'batch').mockRejectedValueOnce(diskFull());
    expect(await buffer.appendAll([reading(3), reading(4), reading(5)])).toEqual([null, null, null]);
    expect(buffer.stats()).toMatchObject({ writeFailing: true, dropped: 3, backlog: 2 });
  });

  it('an empty burst resolves at once with nothing', async () => {
    const buffer = await fx.open();
    expect(await buffer.appendAll([])).toEqual([]);
    expect(buffer.stats().lastSeq).toBe(0);
  });
});
