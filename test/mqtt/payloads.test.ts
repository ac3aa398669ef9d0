// Payload forms on the wire (README, "MQTT topics and payloads"): one reading, and a batch with seq
// and ts written as the first one and differences; from epoch 1 on (after a power cut) both carry "epoch".
import { describe, expect, it } from 'vitest';
import { decodeBatchPayload, encodeBatchPayload, encodeRawPayload } from '../../src/mqtt/payloads.js';

const raw = (seq: number, ts: number, valuesJson: string, epoch?: number) => ({ seq, sensor: 'greenhouse', tsJson: String(ts), valuesJson, ...(epoch === undefined ? {} : { epoch }) });

describe('payloads', () => {
  it('writes one reading as {"seq":N,"ts":MS,"v":{...}}', () => {
    expect(encodeRawPayload(raw(18234, 1764000000123, '{"temperature":21.53}'))).toBe('{"seq":18234,"ts":1764000000123,"v":{"temperature":21.53}}');
  });

  it('writes a batch as seq0/ts0 and the differences to the previous reading', () => {
    const readings = [raw(18234, 1764000000123, '{"t":1}'), raw(18254, 1764000001123, '{"t":2}'), raw(18255, 1764000001120, '{"t":3}')];
    const text = encodeBatchPayload(readings);
    expect(text).toBe('{"seq0":18234,"dseq":[20,1],"ts0":1764000000123,"dts":[1000,-3],"v":[{"t":1},{"t":2},{"t":3}]}');
    expect(decodeBatchPayload(JSON.parse(text))).toEqual([
      { epoch: 0, seq: 18234, ts: 1764000000123, v: { t: 1 } },
      { epoch: 0, seq: 18254, ts: 1764000001123, v: { t: 2 } },
      { epoch: 0, seq: 18255, ts: 1764000001120, v: { t: 3 } },
    ]);
  });

  it('writes a batch of one reading with empty difference lists', () => {
    const text = encodeBatchPayload([raw(7, 5, '{"value":1}')]);
    expect(text).toBe('{"seq0":7,"dseq":[],"ts0":5,"dts":[],"v":[{"value":1}]}');
    expect(decodeBatchPayload(JSON.parse(text))).toEqual([{ epoch: 0, seq: 7, ts: 5, v: { value: 1 } }]);
  });

  it('leaves epoch 0 out of both forms, so a store that never lost power publishes what it always did', () => {
    expect(encodeRawPayload(raw(5, 9, '{"value":1}', 0))).toBe('{"seq":5,"ts":9,"v":{"value":1}}');
    expect(encodeBatchPayload([raw(5, 9, '{"value":1}', 0)])).toBe('{"seq0":5,"dseq":[],"ts0":9,"dts":[],"v":[{"value":1}]}');
  });

  it('writes "epoch":N first from epoch 1 on, in one reading and in a batch, and reads it back', () => {
    expect(encodeRawPayload(raw(31, 1764000000123, '{"value":1}', 1))).toBe('{"epoch":1,"seq":31,"ts":1764000000123,"v":{"value":1}}');
    const text = encodeBatchPayload([raw(31, 1000, '{"value":1}', 2), raw(32, 1100, '{"value":2}', 2)]);
    expect(text).toBe('{"epoch":2,"seq0":31,"dseq":[1],"ts0":1000,"dts":[100],"v":[{"value":1},{"value":2}]}');
    expect(decodeBatchPayload(JSON.parse(text))).toEqual([
      { epoch: 2, seq: 31, ts: 1000, v: { value: 1 } },
      { epoch: 2, seq: 32, ts: 1100, v: { value: 2 } },
    ]);
  });
});
