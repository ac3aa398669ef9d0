// What a reading looks like on the wire: payload `{"seq":N,"ts":MS,"v":{...}}`; with mqtt.batch,
// `{"seq0":N,"dseq":[...],"ts0":MS,"dts":[...],"v":[{...},...]}` (one sensor, seq order; seq and
// ts as the first one and the differences to the previous one). A reading accepted after a power
// cut that may have lost published seqs carries `"epoch":N` first (epochs.ts); epoch 0 is left out,
// so the common case costs no byte. A batch never mixes epochs (open-batches.ts).
// A reading taken while the system clock was not synchronized ends with `"clock":"unsynced"`, or
// `"clock":"corrected"` once its ts was recomputed after the clock was (README, "Time quality");
// a synchronized one carries nothing. A batch never mixes these either.
// A summary (store.overflow: downsample) has its own form, summary-payloads.ts.
// Payloads are spliced from the stored JSON texts: nothing is decoded and encoded again.
import type { RawReading, StoredReading, TimeQuality } from '../buffer/index.js';
import { encodeSummaryBatchPayload, encodeSummaryPayload } from './summary-payloads.js';

/** `{"epoch":N,` from epoch 1 on, `{` for epoch 0 (absent). */
function opening(epoch: number | undefined): string {
  return epoch === undefined || epoch === 0 ? '{' : '{"epoch":' + epoch + ',';
}

/** `}`, or `,"clock":"unsynced"}` / `,"clock":"corrected"}` for a reading of an unsynchronized clock. */
function closing(time: TimeQuality | undefined): string {
  return time === undefined ? '}' : ',"clock":"' + time + '"}';
}

export function encodePayload(reading: StoredReading): string {
  return `${opening(reading.epoch)}"seq":${reading.seq},"ts":${reading.ts},"v":${JSON.stringify(reading.values)}${closing(reading.time)}`;
}

/** The default payload, spliced from the stored texts: `{"seq":N,"ts":MS,"v":{...}}` (after a power cut `{"epoch":N,"seq":...}`). */
export function encodeRawPayload(reading: RawReading): string {
  if (reading.summary) return encodeSummaryPayload(opening(reading.epoch), reading);
  return opening(reading.epoch) + '"seq":' + reading.seq + ',"ts":' + reading.tsJson + ',"v":' + reading.valuesJson + closing(reading.time);
}

/**
 * A batch payload, `{"seq0":18234,"dseq":[1,1],"ts0":1764000000123,"dts":[1000,1000],"v":[{...},{...},{...}]}`:
 * reading i has v[i], seq = seq0 + dseq[0] + ... + dseq[i-1], and ts likewise from ts0 and dts
 * (README, "MQTT topics and payloads"). The same as the arrays `{"seq":[...],"ts":[...],"v":[...]}`
 * with each seq and ts after the first written as the difference to the one before: a 13-digit
 * timestamp becomes "1000" at 1 Hz, and the seqs of one sensor are usually a few apart.
 */
export function encodeBatchPayload(readings: readonly RawReading[]): string {
  const first = readings[0]!;
  if (first.summary) return encodeSummaryBatchPayload(opening(first.epoch), readings);
  let seqs = '';
  let times = '';
  let values = first.valuesJson;
  let seq = first.seq;
  let ts = Number(first.tsJson);
  for (let i = 1; i < readings.length; i++) {
    const reading = readings[i]!;
    const comma = i === 1 ? '' : ',';
    const readingTs = Number(reading.tsJson);
    seqs += comma + (reading.seq - seq);
    times += comma + (readingTs - ts);
    values += ',' + reading.valuesJson;
    seq = reading.seq;
    ts = readingTs;
  }
  return opening(first.epoch) + '"seq0":' + first.seq + ',"dseq":[' + seqs + '],"ts0":' + first.tsJson + ',"dts":[' + times + '],"v":[' + values + ']' + closing(first.time);
}

/** A batch payload as it arrives; `epoch` is absent for epoch 0. */
export interface BatchPayload {
  epoch?: number;
  clock?: TimeQuality;
  seq0: number;
  dseq: number[];
  ts0: number;
  dts: number[];
  v: Array<Record<string, number>>;
}

/** A batch payload expanded into readings (for subscribers written in TypeScript, and the tests); epoch 0 when absent. */
export function decodeBatchPayload(body: BatchPayload): Array<{ epoch: number; seq: number; ts: number; v: Record<string, number>; clock?: TimeQuality }> {
  const epoch = body.epoch ?? 0;
  const clock = body.clock;
  let seq = body.seq0;
  let ts = body.ts0;
  return body.v.map((v, i) => {
    if (i > 0) {
      seq += body.dseq[i - 1]!;
      ts += body.dts[i - 1]!;
    }
    return clock === undefined ? { epoch, seq, ts, v } : { epoch, seq, ts, v, clock };
  });
}
