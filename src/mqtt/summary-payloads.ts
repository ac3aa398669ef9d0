// The summary form of a payload (store.overflow: downsample, README "MQTT topics and payloads"):
// what the buffer kept of readings it had to replace, on the sensor's topic like a reading.
//   single: {"seq":[18234,18262],"ts":[1764000000123,1764000028123],"n":8,"summary":{"temperature":{"min":21.5,"max":21.9,"mean":21.7125,"n":8}}}
//   batch:  {"seq0":18234,"dseq":[32],"ts0":1764000000123,"dts":[32000],"span":[[28,28000],[28,28000]],"n":[8,8],"summary":[{...},{...}]}
// A summary stands for the `n` readings of its sensor with seqs from seq[0] to seq[1] (the seqs
// between them of other sensors are theirs), sampled from ts[0] to ts[1]; per value the min, max,
// mean and count of the readings that had it. In a batch, entry i starts at seq0 + dseq[0..i-1]
// and ts0 + dts[0..i-1] as readings do, and ends span[i][0] seqs and span[i][1] ms later. A
// payload has `summary` instead of `v`: that is how a consumer tells the forms apart. A batch
// never mixes summaries and readings (open-batches.ts). Never sent unless downsampling is on.
import type { RawReading } from '../buffer/index.js';

export function encodeSummaryPayload(opening: string, entry: RawReading): string {
  const span = entry.summary!;
  return opening + '"seq":[' + entry.seq + ',' + span.lastSeq + '],"ts":[' + entry.tsJson + ',' + span.lastTs + '],"n":' + span.n + ',"summary":' + entry.valuesJson + '}';
}

export function encodeSummaryBatchPayload(opening: string, entries: readonly RawReading[]): string {
  const first = entries[0]!;
  let seqs = '';
  let times = '';
  let spans = '';
  let counts = '';
  let summaries = '';
  let seq = first.seq;
  let ts = Number(first.tsJson);
  entries.forEach((entry, i) => {
    const span = entry.summary!;
    const entryTs = Number(entry.tsJson);
    const comma = i === 0 ? '' : ',';
    if (i > 0) {
      seqs += (i === 1 ? '' : ',') + (entry.seq - seq);
      times += (i === 1 ? '' : ',') + (entryTs - ts);
    }
    spans += comma + '[' + (span.lastSeq - entry.seq) + ',' + (span.lastTs - entryTs) + ']';
    counts += comma + span.n;
    summaries += comma + entry.valuesJson;
    seq = entry.seq;
    ts = entryTs;
  });
  return opening + '"seq0":' + first.seq + ',"dseq":[' + seqs + '],"ts0":' + first.tsJson + ',"dts":[' + times + '],"span":[' + spans + '],"n":[' + counts + '],"summary":[' + summaries + ']}';
}

export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  n: number;
}

/** One summary as a consumer reads it; epoch 0 when absent. */
export interface DecodedSummary {
  epoch: number;
  seq: [first: number, last: number];
  ts: [first: number, last: number];
  n: number;
  summary: Record<string, ValueStats>;
}

/** A summary payload as it arrives, single or batch. */
export type SummaryPayload =
  | { epoch?: number; seq: [number, number]; ts: [number, number]; n: number; summary: Record<string, ValueStats> }
  | { epoch?: number; seq0: number; dseq: number[]; ts0: number; dts: number[]; span: Array<[number, number]>; n: number[]; summary: Array<Record<string, ValueStats>> };

/** True for a payload in the summary form (it has `summary`, a reading has `v`). */
export function isSummaryPayload(body: object): body is SummaryPayload {
  return 'summary' in body;
}

/** A summary payload, single or batch, expanded by the documented rules (for consumers in TypeScript, and the tests). */
export function decodeSummaryPayload(body: SummaryPayload): DecodedSummary[] {
  const epoch = body.epoch ?? 0;
  if ('seq' in body) return [{ epoch, seq: body.seq, ts: body.ts, n: body.n, summary: body.summary }];
  let seq = body.seq0;
  let ts = body.ts0;
  return body.summary.map((summary, i) => {
    if (i > 0) {
      seq += body.dseq[i - 1]!;
      ts += body.dts[i - 1]!;
    }
    const [seqSpan, tsSpan] = body.span[i]!;
    return { epoch, seq: [seq, seq + seqSpan], ts: [ts, ts + tsSpan], n: body.n[i]!, summary };
  });
}
