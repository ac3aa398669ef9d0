// Issue 21: high-priority readings in their own lane of the buffer, one seq sequence for both
// lanes, overflow that drops normal readings before any high one (and counts high drops apart).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeMeta, laneRange, META_KEY, PRIORITY_KEY, seqOfKey } from '../../src/buffer/codec.js';
import type { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import type { Reading, StoredReading } from '../../src/buffer/types.js';
import { until } from '../helpers/poll.js';
import { bufferFixture, reading, type BufferFixture } from './buffer-fixture.js';

const child = fileURLToPath(new URL('../programs/append-until-killed.ts', import.meta.url));

const high = (i: number): Reading => ({ ...reading(i, 'door'), high: true });

/** Appends in one turn; returns what the buffer answered (null: dropped). */
async function appendAll(buffer: ReadingBuffer, readings: Reading[]): Promise<Array<StoredReading | null>> {
  return Promise.all(readings.map((r) => buffer.append(r)));
}

/** Every waiting reading of one lane, following its cursor. */
async function readLane(buffer: ReadingBuffer, isHigh: boolean): Promise<StoredReading[]> {
  const out: StoredReading[] = [];
  for (let cursor = 0; ; ) {
    const page = await buffer.readFrom(cursor, 500, Number.POSITIVE_INFINITY, isHigh);
    if (page.length === 0) return out;
    out.push(...page);
    cursor = page.at(-1)!.seq;
  }
}

/** Normal and high readings interleaved: every `every`-th is high. */
function mixed(count: number, every: number): Reading[] {
  return Array.from({ length: count }, (_, i) => (i % every === every - 1 ? high(i) : reading(i)));
}

describe('ReadingBuffer: priority lanes', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('hands out one seq sequence across both lanes and reads each lane apart, in seq order', async () => {
    const buffer = await fx.open();
    const stored = await appendAll(buffer, mixed(30, 3));
    expect(stored.map((r) => r!.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const highs = await readLane(buffer, true);
    const normals = await readLane(buffer, false);
    expect(highs.map((r) => r.seq)).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    expect(highs.every((r) => r.high === true && r.sensor === 'door')).toBe(true);
    expect(normals.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1).filter((seq) => seq % 3 !== 0));
    expect(normals.some((r) => r.high === true)).toBe(false);
    expect(buffer.stats()).toMatchObject({ backlog: 30, highBacklog: 10, lastSeq: 30, dropped: 0, droppedHigh: 0 });
    const raw = await buffer.readRawFrom(0, 100, Number.POSITIVE_INFINITY, true);
    expect(raw.map((r) => [r.seq, r.high])).toEqual(highs.map((r) => [r.seq, true]));
  });

  it('acks high readings out of seq order, through a reader and without one, and ignores a second ack', async () => {
    const buffer = await fx.open();
    await appendAll(buffer, mixed(40, 4));
    const reader = buffer.openReader();
    const highs = await reader.read(0, 100, Number.POSITIVE_INFINITY, true);
    await reader.ack(highs.slice(0, 5).map((r) => r.seq));
    await buffer.ack(highs.slice(5).map((r) => r.seq)); // sizes and lanes unknown: looked up
    await buffer.ack(highs.map((r) => r.seq));
    expect(buffer.stats()).toMatchObject({ backlog: 30, highBacklog: 0 });
    expect(await readLane(buffer, true)).toEqual([]);
    const normals = await readLane(buffer, false);
    expect(normals).toHaveLength(30);
    await buffer.ack(normals.map((r) => r.seq));
    expect(buffer.stats()).toMatchObject({ backlog: 0, highBacklog: 0, bytes: 0 });
  });

  it('recovers lastSeq, both backlogs and the gaps between them after a restart', async () => {
    let buffer = await fx.open();
    await appendAll(buffer, mixed(60, 5));
    // Acked out of order: every high one and the first ten normal ones.
    await buffer.ack((await readLane(buffer, true)).map((r) => r.seq));
    await buffer.ack((await readLane(buffer, false)).slice(0, 10).map((r) => r.seq));
    const before = buffer.stats();
    await buffer.stop();
    buffer = await fx.open();
    expect(buffer.stats()).toMatchObject({ backlog: before.backlog, highBacklog: 0, lastSeq: 60, bytes: before.bytes });
    await appendAll(buffer, [high(100), reading(101)]);
    expect((await readLane(buffer, true)).map((r) => r.seq)).toEqual([61]);
    const normals = await readLane(buffer, false);
    expect(normals.map((r) => r.seq).at(-1)).toBe(62);
    expect(normals).toHaveLength(before.backlog + 1);
    await buffer.ack([...normals.map((r) => r.seq), 61]);
    expect(buffer.stats()).toMatchObject({ backlog: 0, highBacklog: 0 });
  });

  it('keeps every seq of both lanes that it returned when killed with SIGKILL, and hands out no seq twice', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, fx.storePath, 'mixed'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.length > 40_000) resolve();
      });
    });
    proc.removeAllListeners('exit');
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
    const lines = out.split('\n');
    lines.pop();
    const printed = lines.map((line) => ({ seq: Number(line.split(' ')[0]), high: line.endsWith(' h') }));
    const lastPrinted = Math.max(...printed.map((p) => p.seq));

    const buffer = await fx.open();
    const highs = new Set((await readLane(buffer, true)).map((r) => r.seq));
    const normals = new Set((await readLane(buffer, false)).map((r) => r.seq));
    expect(printed.filter((p) => p.high && !highs.has(p.seq))).toEqual([]);
    expect(printed.filter((p) => !p.high && !normals.has(p.seq))).toEqual([]);
    expect([...highs].filter((seq) => normals.has(seq))).toEqual([]);
    const stats = buffer.stats();
    expect(stats.lastSeq).toBeGreaterThanOrEqual(lastPrinted);
    expect(stats.highBacklog).toBe(highs.size);
    expect(stats.backlog).toBe(highs.size + normals.size);
    expect((await buffer.append(high(0)))!.seq).toBe(stats.lastSeq + 1);
  });

  it('keeps the meta record an older version parses; normal readings stay where it reads them', async () => {
    const buffer = await fx.open();
    await appendAll(buffer, mixed(20, 2));
    await buffer.stop();
    const db = new ClassicLevel<string, string>(fx.storePath);
    try {
      const meta = decodeMeta((await db.get(META_KEY))!);
      expect(JSON.parse((await db.get(META_KEY))!)).toHaveLength(5);
      expect(meta).toMatchObject({ lastSeq: 20, count: 20 });
      const normalKeys = await db.keys(laneRange(false)).all();
      expect(normalKeys.map(seqOfKey)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
      expect((await db.keys(laneRange(true)).all()).map(seqOfKey)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    } finally {
      await db.close();
    }
  });

  it('finds high readings again that a version without priorities left unread, and sends them', async () => {
    let buffer = await fx.open();
    await appendAll(buffer, mixed(20, 2));
    await buffer.stop();
    // What a version without the high lane leaves: it counted the high readings as lost (dropped),
    // drained the normal ones, and its counters say the store is empty from seq 21 on.
    const db = new ClassicLevel<string, string>(fx.storePath);
    await db.batch([...(await db.keys(laneRange(false)).all()).map((key) => ({ type: 'del' as const, key })), { type: 'put', key: META_KEY, value: '[20,21,0,0,10]' }]);
    await db.close();
    buffer = await fx.open();
    expect(buffer.stats()).toMatchObject({ backlog: 10, highBacklog: 10, lastSeq: 20, dropped: 10 });
    expect((await readLane(buffer, true)).map((r) => r.seq)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect((await buffer.append(reading(0)))!.seq).toBe(21);
  });
});

describe('ReadingBuffer: overflow with priorities', () => {
  let fx: BufferFixture;
  afterEach(async () => {
    await fx.cleanup();
  });

  it('drop-oldest drops normal readings, the oldest first, and never a high one while a normal one is left', async () => {
    fx = await bufferFixture({ maxReadings: 100 });
    const buffer = await fx.open();
    for (let turn = 0; turn < 10; turn++) await appendAll(buffer, mixed(30, 10).map((r) => ({ ...r, ts: r.ts + turn * 100 })));
    await until(() => buffer.stats().backlog <= 100, 10_000, 'the trim');
    expect(buffer.stats()).toMatchObject({ backlog: 100, highBacklog: 30, dropped: 200, droppedHigh: 0 });
    expect(await readLane(buffer, true)).toHaveLength(30);
    const normals = (await readLane(buffer, false)).map((r) => r.seq);
    expect(normals).toHaveLength(70);
    // The newest normal ones are kept.
    expect(normals.at(-1)).toBe(299);
    expect(normals[0]).toBeGreaterThan(200);
  });

  it('drop-oldest applies the policy among high readings once nothing else is left, counted apart and persisted', async () => {
    fx = await bufferFixture({ maxReadings: 50 });
    let buffer = await fx.open();
    for (let i = 0; i < 8; i++) await appendAll(buffer, Array.from({ length: 10 }, (_, j) => high(i * 10 + j)));
    await until(() => buffer.stats().backlog <= 50, 10_000, 'the trim');
    expect(buffer.stats()).toMatchObject({ backlog: 50, highBacklog: 50, dropped: 30, droppedHigh: 30 });
    expect((await readLane(buffer, true)).map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 31 + i));
    await buffer.stop();
    buffer = await fx.open();
    expect(buffer.stats()).toMatchObject({ backlog: 50, highBacklog: 50, dropped: 30, droppedHigh: 30 });
    await buffer.stop();
    const db = new ClassicLevel<string, string>(fx.storePath);
    try {
      expect(await db.get(PRIORITY_KEY)).toBe('[30]');
    } finally {
      await db.close();
    }
  });

  it('drop-newest takes a high reading into a full buffer and drops the newest normal one instead', async () => {
    fx = await bufferFixture({ maxReadings: 50, overflow: 'drop-newest' });
    const buffer = await fx.open();
    await appendAll(buffer, Array.from({ length: 50 }, (_, i) => reading(i)));
    expect(await buffer.append(reading(50))).toBeNull(); // a normal one: the policy as ever
    const highs = await appendAll(buffer, Array.from({ length: 10 }, (_, i) => high(100 + i)));
    expect(highs.every((r) => r !== null)).toBe(true);
    await until(() => buffer.stats().backlog <= 50, 10_000, 'the newest normal readings dropped');
    expect(buffer.stats()).toMatchObject({ backlog: 50, highBacklog: 10, dropped: 11, droppedHigh: 0 });
    expect((await readLane(buffer, false)).map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('drop-newest drops a new high reading when the buffer holds only high ones, counted apart', async () => {
    fx = await bufferFixture({ maxReadings: 20, overflow: 'drop-newest' });
    const buffer = await fx.open();
    await appendAll(buffer, Array.from({ length: 20 }, (_, i) => high(i)));
    const late = await appendAll(buffer, Array.from({ length: 5 }, (_, i) => high(20 + i)));
    expect(late).toEqual([null, null, null, null, null]);
    expect(buffer.stats()).toMatchObject({ backlog: 20, highBacklog: 20, dropped: 5, droppedHigh: 5, lastSeq: 20 });
  });
});
