// store.overflow: downsample (issue 21) against a real LevelDB: at the cap the oldest readings of
// each sensor become summaries whose windows grow, the bytes stay under the cap, every seq of a
// sensor is in a reading or in exactly one of its summaries, and counts and means are exact.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import type { StoredReading } from '../../src/buffer/types.js';
import { MIN_WINDOW } from '../../src/buffer/downsample.js';
import { bufferFixture, readAll, type BufferFixture } from './buffer-fixture.js';
import { until } from '../helpers/poll.js';
import { ClassicLevel } from 'classic-level';
import { decodeMeta, META_KEY } from '../../src/buffer/codec.js';

const SENSORS = ['greenhouse', 'shed', 'cellar', 'attic'];

/** A reading's true value: distinct per seq, so a wrong window or a lost reading shows in the sums. */
const truth = (i: number, sensor: number): number => Math.round((20 + 5 * Math.sin(i / 50) + sensor + (i % 7) / 10) * 100) / 100;

interface Fed {
  /** seq → sensor and value, as accepted. */
  accepted: Map<number, { sensor: string; value: number; ts: number }>;
}

async function feed(buffer: ReadingBuffer, rounds: number, fed: Fed, from = 0): Promise<void> {
  for (let i = from; i < from + rounds; i++) {
    const stored = await Promise.all(
      SENSORS.map((sensor, s) => buffer.append({ sensor, ts: 1_764_000_000_000 + i * 1000, values: { temperature: truth(i, s) } })),
    );
    for (const r of stored) {
      if (r === null) throw new Error('a reading was refused');
      fed.accepted.set(r.seq, { sensor: r.sensor, value: r.values.temperature!, ts: r.ts });
    }
    if (i % 64 === 63) await buffer.downsampled();
  }
  await buffer.commit();
  await buffer.downsampled();
}

async function entries(buffer: ReadingBuffer): Promise<StoredReading[]> {
  const out: StoredReading[] = [];
  for (let cursor = 0; ; ) {
    const page = await buffer.readFrom(cursor, 1000);
    if (page.length === 0) return out;
    out.push(...page);
    cursor = page[page.length - 1]!.seq;
  }
}

/** Every accepted seq is a reading or inside exactly one summary of its sensor, with exact statistics. */
function checkCoverage(all: StoredReading[], fed: Fed): { summaries: StoredReading[]; replaced: number } {
  const covered = new Map<number, number>();
  const summaries = all.filter((e) => e.summary !== undefined);
  let replaced = 0;
  for (const entry of all) {
    if (entry.summary === undefined) {
      expect(fed.accepted.get(entry.seq)).toMatchObject({ sensor: entry.sensor, value: entry.values.temperature });
      covered.set(entry.seq, (covered.get(entry.seq) ?? 0) + 1);
      continue;
    }
    const mine = [...fed.accepted].filter(([seq, r]) => seq >= entry.seq && seq <= entry.summary!.lastSeq && r.sensor === entry.sensor);
    for (const [seq] of mine) covered.set(seq, (covered.get(seq) ?? 0) + 1);
    const values = mine.map(([, r]) => r.value);
    const stat = entry.summary.values.temperature!;
    expect(entry.summary.n).toBe(mine.length);
    expect(stat.n).toBe(mine.length);
    expect(stat.min).toBe(Math.min(...values));
    expect(stat.max).toBe(Math.max(...values));
    expect(stat.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
    expect(entry.ts).toBe(Math.min(...mine.map(([, r]) => r.ts)));
    expect(entry.summary.lastTs).toBe(Math.max(...mine.map(([, r]) => r.ts)));
    expect(mine[0]![0]).toBe(entry.seq);
    expect(mine.at(-1)![0]).toBe(entry.summary.lastSeq);
    replaced += mine.length;
  }
  for (const seq of fed.accepted.keys()) expect(covered.get(seq), `seq ${seq}`).toBe(1);
  return { summaries, replaced };
}

describe('ReadingBuffer: store.overflow downsample', () => {
  let fx: BufferFixture;
  const MAX_BYTES = 24_000;
  beforeEach(async () => {
    fx = await bufferFixture({ overflow: 'downsample', maxBytes: MAX_BYTES });
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('replaces the oldest readings by summaries whose windows grow, within the cap, covering every seq once', async () => {
    const buffer = await fx.open();
    const fed: Fed = { accepted: new Map() };
    await feed(buffer, 3000, fed);
    const stats = buffer.stats();
    expect(stats.bytes).toBeLessThanOrEqual(MAX_BYTES);
    const all = await entries(buffer);
    expect(all.length).toBe(stats.backlog);
    const { summaries, replaced } = checkCoverage(all, fed);
    const windows = summaries.map((s) => s.summary!.n);
    // 12,000 readings of ~62 bytes into 24 kB: far coarser than the first window.
    expect(Math.max(...windows)).toBeGreaterThanOrEqual(4 * MIN_WINDOW);
    // Each reading is counted once, when first replaced; nothing was dropped outright.
    expect(stats.dropped).toBe(replaced);
    expect(stats).toMatchObject({ summaries: summaries.length, summarized: replaced, lastSeq: 12_000, summaryWindow: { min: Math.min(...windows), max: Math.max(...windows) } });
    expect(stats.summarizedRange).toEqual({ seq: [summaries[0]!.seq, Math.max(...summaries.map((s) => s.summary!.lastSeq))], ts: [summaries[0]!.ts, Math.max(...summaries.map((s) => s.summary!.lastTs))] });
    // The oldest history is still there, at a coarser resolution.
    expect(all[0]!.seq).toBe(1);
  });

  it('keeps summaries and counters exactly across a restart, and merges on from the window reached', async () => {
    const fed: Fed = { accepted: new Map() };
    const first = await fx.open();
    await feed(first, 1500, fed);
    const before = first.stats();
    await first.stop();
    const second = await fx.open();
    expect(second.stats()).toMatchObject({ backlog: before.backlog, bytes: before.bytes, dropped: before.dropped, summaries: before.summaries, summarized: before.summarized });
    await feed(second, 1500, fed, 1500);
    expect(second.stats().bytes).toBeLessThanOrEqual(MAX_BYTES);
    const { replaced } = checkCoverage(await entries(second), fed);
    expect(second.stats().dropped).toBe(replaced);
  });

  it('never merges what a reader has in flight, and delivers it as a reading', async () => {
    const buffer = await fx.open();
    const fed: Fed = { accepted: new Map() };
    await feed(buffer, 50, fed);
    const reader = buffer.openReader();
    const inFlight = (await reader.read(0, 40)).map((r) => r.seq);
    expect(inFlight).toHaveLength(40);
    await feed(buffer, 2000, fed, 50);
    const all = await entries(buffer);
    for (const seq of inFlight) expect(all.find((e) => e.seq === seq)?.summary, `seq ${seq}`).toBeUndefined();
    checkCoverage(all, fed);
    await reader.ack(inFlight);
    expect((await entries(buffer)).some((e) => inFlight.includes(e.seq))).toBe(false);
  });

  it('keeps a summary that a closed reader acks late: the seq may have been a reading when it was handed out', async () => {
    const buffer = await fx.open();
    const fed: Fed = { accepted: new Map() };
    await feed(buffer, 50, fed);
    const reader = buffer.openReader();
    const [first] = await reader.read(0, 1);
    expect(first!.summary).toBeUndefined();
    reader.close(); // the link went down with reading 1 in flight
    await feed(buffer, 1500, fed, 50);
    const [now] = await buffer.readFrom(0, 1);
    expect(now).toMatchObject({ seq: first!.seq });
    expect(now!.summary).toBeDefined();
    await reader.ack([first!.seq]); // its PUBACK, processed after the close
    const [after] = await buffer.readFrom(0, 1);
    expect(after).toMatchObject({ seq: first!.seq, summary: now!.summary });
    checkCoverage(await entries(buffer), fed);
  });

  it('starts again from the smallest window after the summaries of an outage were delivered', async () => {
    const buffer = await fx.open();
    const fed: Fed = { accepted: new Map() };
    await feed(buffer, 3000, fed);
    expect(buffer.stats().summaryWindow!.max).toBeGreaterThan(MIN_WINDOW);
    const reader = buffer.openReader();
    for (;;) {
      const page = await reader.read(0, 1000);
      if (page.length === 0) break;
      await reader.ack(page.map((e) => e.seq));
    }
    expect(buffer.stats()).toMatchObject({ backlog: 0, summaries: 0 });
    reader.close();
    const next: Fed = { accepted: new Map() };
    await feed(buffer, 200, next, 3000); // 800 readings: twice the cap, so summaries of 8 are enough
    expect(buffer.stats().summaryWindow).toEqual({ min: expect.any(Number), max: MIN_WINDOW });
    checkCoverage(await entries(buffer), next);
  });

  it('holds store.maxReadings too: summaries count as one entry each', async () => {
    const buffer = await fx.open({ maxBytes: 64_000_000, maxReadings: 200 });
    const fed: Fed = { accepted: new Map() };
    await feed(buffer, 1500, fed);
    expect(buffer.stats().backlog).toBeLessThanOrEqual(200);
    const { replaced } = checkCoverage(await entries(buffer), fed);
    expect(buffer.stats().dropped).toBe(replaced);
  });

  it('drops the oldest, counted, when nothing can be merged (no two entries of one sensor)', async () => {
    const buffer = await fx.open({ maxBytes: 64_000_000, maxReadings: 50 });
    for (let i = 0; i < 200; i++) await buffer.append({ sensor: `s${i}`, ts: 1_764_000_000_000 + i, values: { value: i } });
    await buffer.commit();
    await buffer.downsampled();
    await until(() => buffer.stats().backlog <= 50, 5000, 'the oldest dropped');
    const left = await readAll(buffer);
    expect(buffer.stats()).toMatchObject({ summaries: 0, summarized: 0, dropped: 200 - left.length });
    expect(left.at(-1)).toBe(200);
    expect(left[0]).toBe(200 - left.length + 1);
  });

  it('acking a summary removes it and the readings it stands for from the status', async () => {
    const buffer = await fx.open();
    const fed: Fed = { accepted: new Map() };
    await feed(buffer, 1500, fed);
    const reader = buffer.openReader();
    const page = await reader.read(0, 10);
    const summaries = page.filter((e) => e.summary !== undefined);
    expect(summaries.length).toBeGreaterThan(0);
    const before = buffer.stats();
    await reader.ack(page.map((e) => e.seq));
    const after = buffer.stats();
    expect(after.backlog).toBe(before.backlog - page.length);
    expect(after.summaries).toBe(before.summaries! - summaries.length);
    expect(after.summarized).toBe(before.summarized! - summaries.reduce((sum, s) => sum + s.summary!.n, 0));
    expect(after.dropped).toBe(before.dropped);
    expect((await readAll(buffer))[0]).toBeGreaterThan(page.at(-1)!.seq);
    // The oldest waiting entry is found past the seqs the summaries replaced (they have no key).
    const [oldest] = await buffer.readFrom(0, 1);
    await until(() => buffer.stats().oldestTs === oldest!.ts, 5000, 'oldestTs of the oldest waiting entry');
    // ...and the seek hint moved up to it (persisted with the next batch), so acks do not pile up
    // below a replaced seq.
    await buffer.append({ sensor: 'greenhouse', ts: 1_764_100_000_000, values: { temperature: 1 } });
    await buffer.stop();
    const db = new ClassicLevel<string, string>(fx.storePath, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.open();
    const meta = decodeMeta((await db.get(META_KEY))!);
    await db.close();
    expect(meta.firstSeq).toBe(oldest!.seq);
  });
});
