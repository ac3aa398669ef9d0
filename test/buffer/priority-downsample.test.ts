// Issue 21, both parts at once against a real LevelDB: store.overflow downsample over a buffer that
// holds high-priority readings beside normal ones. Only the normal lane is summarized; high readings
// are kept whole, read first, and dropped only once no normal entry is left to merge or drop (then
// the oldest, counted in droppedHigh). Every seq is a reading of its lane or inside exactly one
// summary, and a restart (the open's audit of both lanes) keeps every counter as it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import type { StoredReading } from '../../src/buffer/types.js';
import { bufferFixture, type BufferFixture } from './buffer-fixture.js';
import { capturingLog } from '../helpers/publisher-rig.js';
import { until } from '../helpers/poll.js';

const NORMAL = ['greenhouse', 'shed', 'cellar'];
const MAX_BYTES = 24_000;
/** One high reading (the door alarm) after every this many rounds of the normal sensors. */
const HIGH_EVERY = 25;

interface Accepted {
  sensor: string;
  value: number;
  high: boolean;
}

async function feed(buffer: ReadingBuffer, from: number, rounds: number, accepted: Map<number, Accepted>): Promise<void> {
  for (let i = from; i < from + rounds; i++) {
    const readings = NORMAL.map((sensor, s) => ({ sensor, ts: 1_764_000_000_000 + i * 1000, values: { temperature: Math.round((20 + Math.sin(i / 40) + s + (i % 5) / 10) * 100) / 100 } }));
    const high = i % HIGH_EVERY === 0 ? [{ sensor: 'door', ts: 1_764_000_000_000 + i * 1000 + 1, values: { open: i % 2 }, high: true }] : [];
    const stored = await Promise.all([...readings, ...high].map((reading) => buffer.append(reading)));
    for (const r of stored) {
      if (r === null) throw new Error('a reading was refused');
      accepted.set(r.seq, { sensor: r.sensor, value: (r.values.temperature ?? r.values.open)!, high: r.high === true });
    }
    if (i % 64 === 63) await buffer.downsampled();
  }
  await buffer.commit();
  await buffer.downsampled();
}

async function lane(buffer: ReadingBuffer, high: boolean): Promise<StoredReading[]> {
  const out: StoredReading[] = [];
  for (let cursor = 0; ; ) {
    const page = await buffer.readFrom(cursor, 1000, Number.POSITIVE_INFINITY, high);
    if (page.length === 0) return out;
    out.push(...page);
    cursor = page[page.length - 1]!.seq;
  }
}

/** Every accepted seq in exactly one entry: a high reading, a normal reading, or a summary of its (normal) sensor. */
async function checkAccounted(buffer: ReadingBuffer, accepted: Map<number, Accepted>): Promise<{ highs: StoredReading[]; normal: StoredReading[]; replaced: number }> {
  const highs = await lane(buffer, true);
  const normal = await lane(buffer, false);
  const covered = new Map<number, number>();
  const cover = (seq: number): void => void covered.set(seq, (covered.get(seq) ?? 0) + 1);
  for (const entry of highs) {
    expect(entry.summary, `high seq ${entry.seq}`).toBeUndefined();
    expect(accepted.get(entry.seq)).toMatchObject({ sensor: 'door', high: true, value: entry.values.open });
    cover(entry.seq);
  }
  let replaced = 0;
  for (const entry of normal) {
    expect(entry.sensor).not.toBe('door');
    if (entry.summary === undefined) {
      expect(accepted.get(entry.seq)).toMatchObject({ sensor: entry.sensor, high: false, value: entry.values.temperature });
      cover(entry.seq);
      continue;
    }
    const mine = [...accepted].filter(([seq, r]) => seq >= entry.seq && seq <= entry.summary!.lastSeq && r.sensor === entry.sensor);
    expect(mine.every(([, r]) => !r.high)).toBe(true);
    expect(entry.summary.n).toBe(mine.length);
    expect(entry.summary.values.temperature!.mean).toBeCloseTo(mine.reduce((sum, [, r]) => sum + r.value, 0) / mine.length, 9);
    for (const [seq] of mine) cover(seq);
    replaced += mine.length;
  }
  for (const seq of accepted.keys()) expect(covered.get(seq), `seq ${seq}`).toBe(1);
  return { highs, normal, replaced };
}

describe('ReadingBuffer: priority high under store.overflow downsample', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture({ overflow: 'downsample', maxBytes: MAX_BYTES });
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('summarizes only normal readings, keeps every high one, reads them first, and a restart keeps every count', async () => {
    const first = await fx.open();
    const accepted = new Map<number, Accepted>();
    await feed(first, 0, 3000, accepted);
    const highSeqs = [...accepted].filter(([, r]) => r.high).map(([seq]) => seq);
    const stats = first.stats();
    expect(stats.bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(stats).toMatchObject({ highBacklog: highSeqs.length, droppedHigh: 0, lastSeq: accepted.size });
    const { highs, normal, replaced } = await checkAccounted(first, accepted);
    expect(highs.map((r) => r.seq)).toEqual(highSeqs);
    expect(normal.some((entry) => entry.summary !== undefined)).toBe(true);
    expect(stats.backlog).toBe(highs.length + normal.length);
    // Nothing dropped outright: every normal reading counted once, when first replaced.
    expect(stats.dropped).toBe(replaced);
    expect(stats.summarized).toBe(replaced);

    // A reader takes the high lane first (the publisher's order): all of it, before any normal entry.
    const reader = first.openReader();
    const highFirst = await reader.read(0, 10_000, Number.POSITIVE_INFINITY, true);
    expect(highFirst.map((r) => r.seq)).toEqual(highSeqs);
    reader.close();
    await first.stop();

    // Reopened: the audit of both lanes finds the summaries' seqs in them, not lost to damage.
    const { log, lines } = capturingLog();
    const second = new ReadingBuffer({ ...fx.options }, log);
    await second.start();
    try {
      expect(lines.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual([]);
      const reopened = second.stats();
      expect(reopened).toMatchObject({
        backlog: stats.backlog,
        bytes: stats.bytes,
        dropped: stats.dropped,
        droppedHigh: 0,
        highBacklog: highSeqs.length,
        summaries: stats.summaries,
        summarized: stats.summarized,
        lastSeq: stats.lastSeq,
      });
      await checkAccounted(second, accepted);
      // Merging goes on after the restart, still only in the normal lane.
      await feed(second, 3000, 1000, accepted);
      const more = await checkAccounted(second, accepted);
      expect(more.highs.map((r) => r.seq)).toEqual([...accepted].filter(([, r]) => r.high).map(([seq]) => seq));
      expect(second.stats()).toMatchObject({ dropped: more.replaced, droppedHigh: 0 });
      expect(second.stats().bytes).toBeLessThanOrEqual(MAX_BYTES);

      // Drained as the publisher does, high lane first: every entry once, the buffer empty.
      const drain = second.openReader();
      const order: StoredReading[] = [];
      for (const high of [true, false]) {
        for (;;) {
          const page = await drain.read(0, 500, Number.POSITIVE_INFINITY, high);
          if (page.length === 0) break;
          order.push(...page);
          await drain.ack(page.map((r) => r.seq));
        }
      }
      const firstNormal = order.findIndex((r) => r.high !== true);
      expect(order.slice(0, firstNormal).every((r) => r.high === true)).toBe(true);
      expect(order.slice(firstNormal).some((r) => r.high === true)).toBe(false);
      expect(second.stats()).toMatchObject({ backlog: 0, highBacklog: 0, summaries: 0, summarized: 0 });
      drain.close();
    } finally {
      await second.stop();
    }
  });

  it('drops no high reading while a normal one is left: normal ones are summarized, then dropped; then the oldest high ones, counted apart', async () => {
    const buffer = await fx.open({ maxBytes: 64_000_000, maxReadings: 100 });
    const normal = await Promise.all(Array.from({ length: 40 }, (_, i) => buffer.append({ sensor: 'greenhouse', ts: 1_764_000_000_000 + i, values: { temperature: 20 + i / 10 } })));
    await buffer.commit();
    const highSeqs: number[] = [];
    for (let i = 0; i < 150; i++) {
      const r = await buffer.append({ sensor: 'door', ts: 1_764_000_100_000 + i, values: { open: i % 2 }, high: true });
      highSeqs.push(r!.seq);
      await buffer.downsampled();
    }
    await buffer.commit();
    await buffer.downsampled();
    await until(() => buffer.stats().backlog <= 100, 10_000, 'the buffer back under store.maxReadings');
    const stats = buffer.stats();
    const highs = await lane(buffer, true);
    expect(await lane(buffer, false)).toEqual([]);
    // Every normal reading went (as part of summaries or alone) before the first high one: counted once each.
    expect(stats.dropped - stats.droppedHigh).toBe(normal.length);
    expect(stats.droppedHigh).toBe(highSeqs.length - highs.length);
    expect(stats.droppedHigh).toBeGreaterThan(0);
    // The oldest high ones were dropped, the newest kept, none summarized.
    expect(highs.map((r) => r.seq)).toEqual(highSeqs.slice(highSeqs.length - highs.length));
    expect(highs.every((r) => r.summary === undefined)).toBe(true);
    expect(stats).toMatchObject({ highBacklog: highs.length, summaries: 0 });
  });
});
