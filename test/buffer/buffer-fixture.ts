// Shared set-up for the buffer's specifications: a ReadingBuffer over a real LevelDB in a temp dir.
import { pino } from 'pino';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import type { BufferOptions, Reading } from '../../src/buffer/types.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export const silentLog = pino({ level: 'silent' });

export interface BufferFixture {
  dir: string;
  storePath: string;
  options: BufferOptions;
  /** Opens (and starts) a buffer on the fixture's store; closed by cleanup() if still open. */
  open(overrides?: Partial<BufferOptions>): Promise<ReadingBuffer>;
  cleanup(): Promise<void>;
}

export async function bufferFixture(overrides: Partial<BufferOptions> = {}): Promise<BufferFixture> {
  const temp = await makeTempDir('buffer-test-');
  const storePath = `${temp.path}/store`;
  const options: BufferOptions = { path: storePath, maxBytes: 64 * 1024 * 1024, overflow: 'drop-oldest', commitIntervalMs: 5000, ...overrides };
  const opened: ReadingBuffer[] = [];
  return {
    dir: temp.path,
    storePath,
    options,
    async open(more = {}) {
      const buffer = new ReadingBuffer({ ...options, ...more }, silentLog);
      await buffer.start();
      opened.push(buffer);
      return buffer;
    },
    async cleanup() {
      for (const buffer of opened) await buffer.stop();
      await temp.cleanup();
    },
  };
}

/** The error classic-level gives for a write on a full disk. */
export function diskFull(): Error {
  return Object.assign(new Error('IO error: No space left on device'), { code: 'LEVEL_IO_ERROR' });
}

export function reading(i: number, sensor = 'greenhouse'): Reading {
  return { sensor, ts: 1_764_000_000_000 + i, values: { temperature: 20 + (i % 10) / 10 } };
}

/** Appends n readings in one turn (one batch); returns their seqs. */
export async function appendMany(buffer: ReadingBuffer, n: number, from = 0): Promise<number[]> {
  const stored = await Promise.all(Array.from({ length: n }, (_, i) => buffer.append(reading(from + i))));
  return stored.map((r) => {
    if (r === null) throw new Error('reading unexpectedly dropped');
    return r.seq;
  });
}

/** Reads everything waiting, following the cursor. */
export async function readAll(buffer: ReadingBuffer, pageSize = 1000): Promise<number[]> {
  const seqs: number[] = [];
  for (let cursor = 0; ; ) {
    const page = await buffer.readFrom(cursor, pageSize);
    if (page.length === 0) return seqs;
    for (const r of page) seqs.push(r.seq);
    cursor = page[page.length - 1]!.seq;
  }
}
