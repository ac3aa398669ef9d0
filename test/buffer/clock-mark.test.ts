// Readings taken while the clock was not synchronized: stored with their clock mark (after the
// values, nothing for the others), read back `unsynced`, or `corrected` with the true ts once the
// buffer's timeCorrection can resolve the mark; published with "clock" and never batched with
// readings of another time quality.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeReading, encodeReading, splitStored } from '../../src/buffer/codec.js';
import { encodeBatchPayload, encodeRawPayload, decodeBatchPayload } from '../../src/mqtt/payloads.js';
import { OpenBatches } from '../../src/mqtt/open-batches.js';
import type { RawReading } from '../../src/buffer/types.js';
import type { ClockMark } from '../../src/buffer/clock-mark.js';
import { bufferFixture, type BufferFixture } from './buffer-fixture.js';

const mark: ClockMark = { boot: '3f2a9c01d4e5', mono: 12_345 };
const reading = { sensor: 'greenhouse', ts: 1_763_913_600_123, values: { temperature: 21.53 }, clock: mark };

let fixture: BufferFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

describe('clock marks in the store', () => {
  it('stores the mark after the values, and nothing for a reading of a synchronized clock', () => {
    const value = encodeReading(reading);
    expect(value).toBe('1763913600123\0greenhouse\0{"temperature":21.53}\x003f2a9c01d4e5 12345');
    expect(decodeReading(4, value)).toEqual({ ...reading, seq: 4 });
    expect(splitStored(4, value)).toEqual({ seq: 4, sensor: 'greenhouse', tsJson: '1763913600123', valuesJson: '{"temperature":21.53}', clock: mark });
    const { clock: _, ...plain } = reading;
    expect(encodeReading(plain)).toBe('1763913600123\0greenhouse\0{"temperature":21.53}');
  });

  it('keeps the mark in the JSON form too', () => {
    const value = encodeReading({ ...reading, sensor: 'a\0b' });
    expect(JSON.parse(value)).toMatchObject({ c: '3f2a9c01d4e5 12345' });
    expect(decodeReading(1, value)).toMatchObject({ sensor: 'a\0b', clock: mark });
  });

  it('treats a damaged mark as a damaged reading', () => {
    expect(splitStored(1, '1763913600123\0greenhouse\0{"temperature":21.53}\0garbage')).toBeNull();
    expect(() => decodeReading(1, '{"s":"x","t":1,"c":"garbage","v":{}}')).toThrow('damaged clock mark');
  });

  it('hands a marked reading out unsynced until the mark resolves, then corrected with the true ts', async () => {
    let offset: number | null = null;
    fixture = await bufferFixture({ timeCorrection: (m) => (offset === null || m.boot !== mark.boot ? null : m.mono + offset) });
    const buffer = await fixture.open();
    await buffer.append(reading);
    await buffer.append({ ...reading, clock: { boot: 'an-old-boot0', mono: 99 } });
    await buffer.append({ sensor: 'greenhouse', ts: 1_764_000_000_000, values: { temperature: 21.6 } });
    expect((await buffer.readRawFrom(0, 10)).map((raw) => [raw.seq, raw.tsJson, raw.time])).toEqual([
      [1, '1763913600123', 'unsynced'],
      [2, '1763913600123', 'unsynced'],
      [3, '1764000000000', undefined],
    ]);
    offset = 1_764_000_000_000 - 20_000;
    expect((await buffer.readRawFrom(0, 10)).map((raw) => [raw.seq, raw.tsJson, raw.time])).toEqual([
      [1, String(12_345 + offset), 'corrected'],
      [2, '1763913600123', 'unsynced'],
      [3, '1764000000000', undefined],
    ]);
    expect((await buffer.readFrom(0, 10)).map((r) => [r.ts, r.time])).toEqual([[12_345 + offset, 'corrected'], [1_763_913_600_123, 'unsynced'], [1_764_000_000_000, undefined]]);
  });
});

describe('clock marks on the wire', () => {
  const raw = (seq: number, time?: 'unsynced' | 'corrected'): RawReading => ({ seq, sensor: 'greenhouse', tsJson: String(1_764_000_000_000 + seq * 1000), valuesJson: '{"temperature":21.53}', ...(time ? { time } : {}) });

  it('ends the payload with "clock" for a marked reading, and adds nothing otherwise', () => {
    expect(encodeRawPayload(raw(1))).toBe('{"seq":1,"ts":1764000001000,"v":{"temperature":21.53}}');
    expect(encodeRawPayload(raw(1, 'unsynced'))).toBe('{"seq":1,"ts":1764000001000,"v":{"temperature":21.53},"clock":"unsynced"}');
    expect(encodeRawPayload({ ...raw(1, 'corrected'), epoch: 2 })).toBe('{"epoch":2,"seq":1,"ts":1764000001000,"v":{"temperature":21.53},"clock":"corrected"}');
  });

  it('gives a batch one clock, and never batches readings of different time quality', () => {
    const batches: RawReading[][] = [];
    const open = new OpenBatches({ maxReadings: 10, maxDelayMs: 60_000 }, (readings) => batches.push(readings));
    for (const reading of [raw(1, 'corrected'), raw(2, 'corrected'), raw(3), raw(4)]) open.add(reading);
    open.closeAll();
    expect(batches.map((batch) => batch.map((reading) => reading.seq))).toEqual([[1, 2], [3, 4]]);
    const payload = encodeBatchPayload(batches[0]!);
    expect(payload).toBe('{"seq0":1,"dseq":[1],"ts0":1764000001000,"dts":[1000],"v":[{"temperature":21.53},{"temperature":21.53}],"clock":"corrected"}');
    expect(decodeBatchPayload(JSON.parse(payload))).toEqual([
      { epoch: 0, seq: 1, ts: 1_764_000_001_000, v: { temperature: 21.53 }, clock: 'corrected' },
      { epoch: 0, seq: 2, ts: 1_764_000_002_000, v: { temperature: 21.53 }, clock: 'corrected' },
    ]);
    expect(encodeBatchPayload(batches[1]!)).not.toContain('clock');
  });
});
