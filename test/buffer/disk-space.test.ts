// store.keepFree and the effective cap (src/buffer/disk-space.ts): the buffer grows only into the
// space beyond keepFree, never below what it holds, and a failed write is told apart by its cause.
import { describe, expect, it } from 'vitest';
import { classifyWriteError, effectiveCap, keepFreeBytes } from '../../src/buffer/disk-space.js';
import { parseKeepFree } from '../../src/schema/keep-free.js';
import { parseSize } from '../../src/schema/units.js';

const MB = 1_000_000;
const space = (availBytes: number, totalBytes = 1000 * MB) => ({ availBytes, totalBytes });

describe('store.keepFree', () => {
  it('is a percentage of the file system or a size', () => {
    expect(parseKeepFree('5%', parseSize)).toEqual({ percent: 5 });
    expect(parseKeepFree(' 12.5 % ', parseSize)).toEqual({ percent: 12.5 });
    expect(parseKeepFree('200MB', parseSize)).toEqual({ bytes: 200 * MB });
    expect(parseKeepFree(0, parseSize)).toEqual({ bytes: 0 });
    expect(parseKeepFree('95%', parseSize)).toBeUndefined();
    expect(parseKeepFree('lots', parseSize)).toBeUndefined();
  });

  it('turns a percentage into bytes of the file system size', () => {
    expect(keepFreeBytes({ percent: 5 }, 32_000 * MB)).toBe(1600 * MB);
    expect(keepFreeBytes({ bytes: 123 }, 32_000 * MB)).toBe(123);
  });
});

describe('the effective cap', () => {
  it('is maxBytes while the disk has room beyond keepFree for all of it', () => {
    expect(effectiveCap({ maxBytes: 256 * MB, storedBytes: 10 * MB, space: space(900 * MB), keepFree: { percent: 5 }, reserveMissingBytes: 0 })).toEqual({ bytes: 256 * MB, setBy: 'maxBytes', keepFreeBytes: 50 * MB });
  });

  it('is half of what the store could take beyond keepFree on a small card: the other half is room for LevelDB to compact', () => {
    // 256 MB allowed, but only 120 MB free and 50 MB (5% of 1 GB) must stay free: (40 + 120 - 50) / 2.
    expect(effectiveCap({ maxBytes: 256 * MB, storedBytes: 40 * MB, space: space(120 * MB), keepFree: { percent: 5 }, reserveMissingBytes: 0 })).toEqual({ bytes: 55 * MB, setBy: 'keepFree', keepFreeBytes: 50 * MB });
  });

  it('with keepFree 0, is all of the disk (the full disk is then handled, not avoided)', () => {
    expect(effectiveCap({ maxBytes: 256 * MB, storedBytes: 40 * MB, space: space(10 * MB), keepFree: { bytes: 0 }, reserveMissingBytes: 0 }).bytes).toBe(50 * MB);
  });

  it('keeps room to write the reserve file back', () => {
    expect(effectiveCap({ maxBytes: 256 * MB, storedBytes: 0, space: space(10 * MB), keepFree: { bytes: 0 }, reserveMissingBytes: 2 * MB }).bytes).toBe(8 * MB);
  });

  it('is a disk budget in the buffer’s own bytes: readings LevelDB compresses 2:1 take half as much disk', () => {
    const input = { maxBytes: 256 * MB, storedBytes: 40 * MB, footprintBytes: 20 * MB, space: space(60 * MB), keepFree: { bytes: 20 * MB }, reserveMissingBytes: 0 };
    // (20 + 60 - 20) / 2 = 30 MB of disk, 60 MB of readings.
    expect(effectiveCap(input).bytes).toBe(60 * MB);
    // 10 MB of readings dropped, not yet compacted: still on disk, so the cap does not move (no drop spiral).
    expect(effectiveCap({ ...input, storedBytes: 30 * MB, reclaimableBytes: 10 * MB }).bytes).toBe(60 * MB);
  });

  it('does not shrink to nothing when the files hold more than the buffer knows of (tombstones of an earlier run)', () => {
    // An empty buffer over 50 MB of files: the cap is the disk budget itself, not 0.
    expect(effectiveCap({ maxBytes: 256 * MB, storedBytes: 0, footprintBytes: 50 * MB, space: space(60 * MB), keepFree: { bytes: 10 * MB }, reserveMissingBytes: 0 }).bytes).toBe(50 * MB);
  });

  it('never falls below what the buffer holds when other writers took the space (it stops growing, it does not drop to make room)', () => {
    expect(effectiveCap({ maxBytes: 256 * MB, storedBytes: 40 * MB, space: space(10 * MB), keepFree: { percent: 5 }, reserveMissingBytes: 0 })).toEqual({ bytes: 40 * MB, setBy: 'keepFree', keepFreeBytes: 50 * MB });
  });
});

describe('a failed write', () => {
  it('is a full disk, a read-only file system, or something else', () => {
    expect(classifyWriteError(Object.assign(new Error('IO error: /x/000025.ldb: No space left on device'), { code: 'LEVEL_IO_ERROR' }))).toBe('no-space');
    expect(classifyWriteError(Object.assign(new Error('IO error: /x/000007.log: Read-only file system'), { code: 'LEVEL_IO_ERROR' }))).toBe('read-only');
    expect(classifyWriteError(new Error('wrapped', { cause: Object.assign(new Error('write'), { code: 'ENOSPC' }) }))).toBe('no-space');
    expect(classifyWriteError(Object.assign(new Error('IO error: Input/output error'), { code: 'LEVEL_IO_ERROR' }))).toBe('other');
  });
});
