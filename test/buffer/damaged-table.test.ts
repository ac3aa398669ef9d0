// Promise 5 (design) for a store LevelDB still opens but cannot fully read: a .ldb table truncated,
// zero-filled or garbled. LevelDB skips such a table silently and fails only at the end of every
// iterator that passes it, and a compaction over it would stop every later write. So the buffer
// moves the store aside at open, keeps every reading it can still read (same seqs) in a fresh
// store, counts the unreadable ones as dropped (accepted = delivered + dropped), and drains.
import { open, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { appendMany, bufferFixture, reading, type BufferFixture } from './buffer-fixture.js';

const FIRST_RUN = 3_000;
const SECOND_RUN = 500;

async function table(store: string): Promise<string> {
  const name = (await readdir(store)).filter((entry) => entry.endsWith('.ldb')).sort().at(-1);
  if (name === undefined) throw new Error(`no table in ${store}`);
  return join(store, name);
}

const DAMAGE: Record<string, (file: string) => Promise<void>> = {
  truncated: async (file) => truncate(file, Math.floor((await stat(file)).size / 2)),
  'zero-filled': async (file) => writeFile(file, Buffer.alloc((await stat(file)).size)),
  'garbage in a data block': async (file) => {
    const handle = await open(file, 'r+');
    await handle.write(randomBytes(1024), 0, 1024, 100);
    await handle.close();
  },
};

describe('ReadingBuffer: a damaged table at open', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture({ maxBytes: 256_000_000, commitIntervalMs: 1000 });
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  /** Two runs: the second open turns the first run's log into a table, the second run's stays a log. */
  async function twoRuns(): Promise<void> {
    for (const [count, from] of [[FIRST_RUN, 0], [SECOND_RUN, FIRST_RUN]] as const) {
      const buffer = new ReadingBuffer(fx.options);
      await buffer.start();
      for (let i = 0; i < count; i += 50) await appendMany(buffer, 50, from + i);
      await buffer.stop();
    }
  }

  /** Reads and acks everything, as the publisher does; returns the seqs read. */
  async function drain(buffer: ReadingBuffer): Promise<number[]> {
    const seqs: number[] = [];
    for (let after = 0, batch; (batch = await buffer.readFrom(after, 500)).length > 0; after = batch.at(-1)!.seq) {
      seqs.push(...batch.map((r) => r.seq));
      await buffer.ack(batch.map((r) => r.seq));
    }
    return seqs;
  }

  for (const [name, damage] of Object.entries(DAMAGE)) {
    it(`moves a store with a ${name} table aside, keeps what is readable, counts the rest as dropped, and drains`, async () => {
      await twoRuns();
      await damage(await table(fx.storePath));

      const buffer = await fx.open();
      const opened = buffer.stats();
      // Garbage may land where LevelDB does not look (it verifies no checksums on reads): then the
      // store is kept, and a reading whose value does not parse is dropped when it is read.
      if (name !== 'garbage in a data block' || opened.recoveredFrom !== null) {
        expect(opened.recoveredFrom).toMatch(/\/store\.corrupt-\d{4}-/);
        expect((await stat(opened.recoveredFrom!)).isDirectory()).toBe(true);
        expect(opened.dropped).toBeGreaterThan(0);
      }
      expect(opened.lastSeq).toBe(FIRST_RUN + SECOND_RUN);
      expect(opened.backlog + opened.dropped).toBe(FIRST_RUN + SECOND_RUN);

      const read = await drain(buffer);
      expect(new Set(read).size).toBe(read.length);
      expect(read).toContain(FIRST_RUN + SECOND_RUN); // the second run's log is intact
      const stats = buffer.stats();
      expect({ backlog: stats.backlog, accountedFor: read.length + stats.dropped }).toEqual({ backlog: 0, accountedFor: FIRST_RUN + SECOND_RUN });
      // Seqs go on from the old lastSeq; the fresh store has no damage left to trip over.
      expect((await buffer.append(reading(1)))?.seq).toBe(FIRST_RUN + SECOND_RUN + 1);
      expect(await drain(buffer)).toEqual([FIRST_RUN + SECOND_RUN + 1]);
      await buffer.stop();

      const reopened = await fx.open();
      expect(reopened.stats()).toMatchObject({ recoveredFrom: null, backlog: 0, dropped: stats.dropped, lastSeq: FIRST_RUN + SECOND_RUN + 1 });
    });
  }

  it('skips the gaps a store had at open (readings acked out of order before a restart)', async () => {
    const first = await fx.open();
    await appendMany(first, 10); // seqs 1..10, ts ...000 + 0..9
    await first.ack([5]);
    await first.stop();

    const buffer = await fx.open();
    await buffer.ack([1, 2, 3, 4, 6]);
    await appendMany(buffer, 1, 100);
    // The oldest waiting reading is seq 7: firstSeq moved past the gap at 5 instead of stopping there.
    await expect.poll(() => buffer.stats().oldestTs, { timeout: 2_000 }).toBe(reading(6).ts);
    expect(buffer.stats().backlog).toBe(5);
  });
});
