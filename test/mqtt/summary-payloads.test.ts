// The summary form on the wire (store.overflow: downsample; README "MQTT topics and payloads"),
// single and in a batch, decoded here by the README's rules and by decodeSummaryPayload, from
// summaries a real buffer wrote: each gives back exactly what the store holds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RawReading, StoredReading } from '../../src/buffer/types.js';
import { OpenBatches } from '../../src/mqtt/open-batches.js';
import { encodeBatchPayload, encodeRawPayload } from '../../src/mqtt/payloads.js';
import { decodeSummaryPayload, isSummaryPayload, type SummaryPayload } from '../../src/mqtt/summary-payloads.js';
import { bufferFixture, type BufferFixture } from '../buffer/buffer-fixture.js';

/** The README's rules, written out by hand (what a consumer in another language does). */
function byTheRules(text: string): Array<{ first: number; last: number; ts: [number, number]; n: number; summary: Record<string, { min: number; max: number; mean: number; n: number }> }> {
  const body = JSON.parse(text) as Record<string, unknown>;
  if (!('summary' in body)) throw new Error('not a summary');
  if (Array.isArray(body.seq)) {
    const [first, last] = body.seq as [number, number];
    return [{ first, last, ts: body.ts as [number, number], n: body.n as number, summary: body.summary as never }];
  }
  const out = [];
  let seq = body.seq0 as number;
  let ts = body.ts0 as number;
  const summaries = body.summary as Array<Record<string, { min: number; max: number; mean: number; n: number }>>;
  for (let i = 0; i < summaries.length; i++) {
    if (i > 0) {
      seq += (body.dseq as number[])[i - 1]!;
      ts += (body.dts as number[])[i - 1]!;
    }
    const [seqSpan, tsSpan] = (body.span as Array<[number, number]>)[i]!;
    out.push({ first: seq, last: seq + seqSpan, ts: [ts, ts + tsSpan] as [number, number], n: (body.n as number[])[i]!, summary: summaries[i]! });
  }
  return out;
}

const expected = (entry: StoredReading) => ({ first: entry.seq, last: entry.summary!.lastSeq, ts: [entry.ts, entry.summary!.lastTs], n: entry.summary!.n, summary: entry.summary!.values });

describe('summary payloads', () => {
  let fx: BufferFixture;
  let raws: RawReading[];
  let decoded: StoredReading[];
  beforeEach(async () => {
    fx = await bufferFixture({ overflow: 'downsample', maxBytes: 12_000 });
    const buffer = await fx.open();
    for (let i = 0; i < 1200; i++) {
      await Promise.all([
        buffer.append({ sensor: 'greenhouse', ts: 1_764_000_000_000 + i * 1000, values: { temperature: 20 + (i % 13) / 10, humidity: 40 + (i % 5) } }),
        buffer.append({ sensor: 'door', ts: 1_764_000_000_000 + i * 1000, values: { level: i % 2 } }),
      ]);
      if (i % 50 === 49) await buffer.downsampled();
    }
    await buffer.downsampled();
    raws = (await buffer.readRawFrom(0, 100_000)).filter((r) => r.summary !== undefined && r.sensor === 'greenhouse');
    decoded = (await buffer.readFrom(0, 100_000)).filter((r) => r.summary !== undefined && r.sensor === 'greenhouse');
    expect(raws.length).toBeGreaterThan(3);
  });
  afterEach(async () => {
    await fx.cleanup();
  });

  it('writes one summary as {"seq":[first,last],"ts":[first,last],"n":N,"summary":{...}}', () => {
    for (const [i, raw] of raws.entries()) {
      const text = encodeRawPayload(raw);
      expect(text).toMatch(/^\{"seq":\[\d+,\d+\],"ts":\[\d+,\d+\],"n":\d+,"summary":\{"temperature":\{"min":[\d.]+,"max":[\d.]+,"mean":[\d.]+,"n":\d+\},"humidity":\{/);
      expect(byTheRules(text)).toEqual([expected(decoded[i]!)]);
      expect(decodeSummaryPayload(JSON.parse(text) as SummaryPayload)).toEqual([{ epoch: 0, seq: [decoded[i]!.seq, decoded[i]!.summary!.lastSeq], ts: [decoded[i]!.ts, decoded[i]!.summary!.lastTs], n: decoded[i]!.summary!.n, summary: decoded[i]!.summary!.values }]);
    }
  });

  it('writes a batch of summaries with seq0/dseq, ts0/dts, span and n, decoded to the same summaries', () => {
    const text = encodeBatchPayload(raws);
    const body = JSON.parse(text) as object;
    expect(isSummaryPayload(body)).toBe(true);
    expect(byTheRules(text)).toEqual(decoded.map(expected));
    expect(decodeSummaryPayload(body as SummaryPayload).map((s) => s.seq)).toEqual(decoded.map((d) => [d.seq, d.summary!.lastSeq]));
  });

  it('carries the epoch first from epoch 1 on', () => {
    expect(encodeRawPayload({ ...raws[0]!, epoch: 2 })).toMatch(/^\{"epoch":2,"seq":\[/);
    expect(decodeSummaryPayload(JSON.parse(encodeBatchPayload(raws.map((r) => ({ ...r, epoch: 2 })))) as SummaryPayload)[0]!.epoch).toBe(2);
  });

  it('never batches a summary with readings', () => {
    const closed: RawReading[][] = [];
    const batches = new OpenBatches({ maxReadings: 100, maxDelayMs: 60_000 }, (readings) => closed.push(readings));
    const reading: RawReading = { seq: 100_000, sensor: 'greenhouse', tsJson: '1', valuesJson: '{"temperature":1}' };
    batches.add(raws[0]!);
    batches.add(raws[1]!);
    batches.add(reading);
    batches.add(raws[2]!);
    batches.closeAll();
    expect(closed.map((batch) => batch.map((r) => r.summary !== undefined))).toEqual([[true, true], [false], [true]]);
  });
});
