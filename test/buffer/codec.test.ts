// The stored layout: compact readings and meta, and the older JSON forms still read (stores written
// by earlier versions).
import { describe, expect, it } from 'vitest';
import { decodeMeta, decodeReading, encodeJsonReading, encodeMeta, encodeReading, splitStored } from '../../src/buffer/codec.js';

const reading = { sensor: 'greenhouse', ts: 1764000000123, values: { temperature: 21.53, humidity: 40.2 } };

describe('buffer codec', () => {
  it('stores a reading as ts, sensor and values JSON, 16 bytes shorter than JSON with keys', () => {
    const value = encodeReading(reading);
    expect(value).toBe('1764000000123\0greenhouse\0{"temperature":21.53,"humidity":40.2}');
    expect(encodeJsonReading(reading).length - value.length).toBe(16);
    expect(decodeReading(7, value)).toEqual({ ...reading, seq: 7 });
    expect(splitStored(7, value)).toEqual({ seq: 7, sensor: 'greenhouse', tsJson: '1764000000123', valuesJson: '{"temperature":21.53,"humidity":40.2}' });
  });

  it('reads readings stored as JSON by earlier versions', () => {
    const value = '{"s":"greenhouse","t":1764000000123,"v":{"temperature":21.53,"humidity":40.2}}';
    expect(decodeReading(3, value)).toEqual({ ...reading, seq: 3 });
    expect(splitStored(3, value)).toEqual({ seq: 3, sensor: 'greenhouse', tsJson: '1764000000123', valuesJson: '{"temperature":21.53,"humidity":40.2}' });
  });

  it('keeps sensor ids as they are, and stores what the compact form cannot hold as JSON', () => {
    for (const sensor of ['a"b', 'a\\b', 'a{b}', 'ü']) expect(decodeReading(1, encodeReading({ ...reading, sensor })).sensor).toBe(sensor);
    expect(encodeReading({ ...reading, sensor: 'a\0b' }).startsWith('{')).toBe(true);
    expect(encodeReading({ ...reading, ts: 1.5 }).startsWith('{')).toBe(true);
    expect(decodeReading(1, encodeReading({ ...reading, ts: 1.5 })).ts).toBe(1.5);
  });

  it('throws on a value that is not a reading', () => {
    expect(() => decodeReading(1, '12\0x\0null')).toThrow();
    expect(() => decodeReading(1, '{"t":5}')).toThrow();
  });

  it('writes the meta record as an array and reads both forms', () => {
    const meta = { lastSeq: 18234, firstSeq: 18001, count: 230, bytes: 12650, dropped: 3 };
    expect(encodeMeta(meta)).toBe('[18234,18001,230,12650,3]');
    expect(decodeMeta(encodeMeta(meta))).toEqual(meta);
    expect(decodeMeta(JSON.stringify(meta))).toEqual(meta);
    expect(() => decodeMeta('[1,2,3]')).toThrow();
    expect(() => decodeMeta('[1,2,3,4,-1]')).toThrow();
    expect(() => decodeMeta('null')).toThrow();
  });
});
