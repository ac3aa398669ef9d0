// readRawFrom: the publish path's read, handing out the stored JSON texts instead of decoded objects.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitStored, encodeJsonReading, encodeReading } from '../../src/buffer/codec.js';
import { bufferFixture, type BufferFixture } from './buffer-fixture.js';

describe('ReadingBuffer: raw reads', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('hands out the same readings as readFrom, as the JSON texts they are stored as', async () => {
    const buffer = await fx.open();
    await Promise.all([1, 2, 3].map((i) => buffer.append({ sensor: 'greenhouse', ts: 1764000000000 + i, values: { temperature: 21.5 + i, humidity: 40 } })));
    const decoded = await buffer.readFrom(0, 10);
    const raw = await buffer.readRawFrom(0, 10);
    expect(raw.map((r) => ({ seq: r.seq, sensor: r.sensor, ts: JSON.parse(r.tsJson) as number, values: JSON.parse(r.valuesJson) as unknown })))
      .toEqual(decoded.map((r) => ({ seq: r.seq, sensor: r.sensor, ts: r.ts, values: r.values })));
    expect(raw[0]).toEqual({ seq: 1, sensor: 'greenhouse', tsJson: '1764000000001', valuesJson: '{"temperature":22.5,"humidity":40}' });
  });

  it('stops at upToSeq, so a reader can keep a backlog cursor below the live one', async () => {
    const buffer = await fx.open();
    await Promise.all(Array.from({ length: 10 }, (_, i) => buffer.append({ sensor: 's', ts: i, values: { value: i } })));
    expect((await buffer.readRawFrom(0, 100, 4)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect((await buffer.readRawFrom(4, 100)).map((r) => r.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect((await buffer.readFrom(2, 100, 5)).map((r) => r.seq)).toEqual([3, 4, 5]);
  });

  it('acks readings it handed out', async () => {
    const buffer = await fx.open();
    await Promise.all(Array.from({ length: 5 }, (_, i) => buffer.append({ sensor: 's', ts: i, values: { value: i } })));
    const raw = await buffer.readRawFrom(0, 5);
    await buffer.ack(raw.map((r) => r.seq));
    expect(buffer.stats()).toMatchObject({ backlog: 0, bytes: 0 });
  });

  it('falls back to decoding a value it cannot cut apart (an escaped sensor id)', async () => {
    // A NUL in a sensor id is stored in the JSON form, where it is escaped.
    expect(splitStored(1, encodeReading({ sensor: 'a\u0000b', ts: 5, values: { v: 1 } }))).toBeNull();
    expect(splitStored(1, encodeJsonReading({ sensor: 'a"b', ts: 5, values: { v: 1 } }))).toBeNull();
    expect(splitStored(1, '{"t":5,"s":"x","v":{}}')).toBeNull();
    const buffer = await fx.open();
    await buffer.append({ sensor: 'a\u0000b', ts: 5, values: { v: 1 } });
    await buffer.append({ sensor: 'a"b', ts: 6, values: { v: 2 } });
    expect(await buffer.readRawFrom(0, 2)).toEqual([
      { seq: 1, sensor: 'a\u0000b', tsJson: '5', valuesJson: '{"v":1}' },
      { seq: 2, sensor: 'a"b', tsJson: '6', valuesJson: '{"v":2}' },
    ]);
  });
});
