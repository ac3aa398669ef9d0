// A summary in the store (store.overflow: downsample, downsample.ts): the readings of one sensor
// over seqs first..last replaced by, per value, min, max, mean and count. It is kept under the
// key of its first seq, in the readings' key range, so it leaves in seq order like a reading.
// Stored as `~<firstTs>,<lastTs>,<lastSeq>,<n>\0<sensor>\0<summary JSON>`, e.g.
// `~1764000000000,1764000007000,18241,8\0greenhouse\0{"temperature":{"min":21.5,"max":21.9,"mean":21.7125,"n":8}}`:
// `~` starts neither stored reading form (digits, `{`), and the summary JSON is the payload's
// `summary` member exactly (payloads.ts splices it), so nothing is encoded twice.
import type { RawReading, StoredReading, ValueSummary } from './types.js';

/** A summary as the downsampler builds it; its seq (the key) is `firstSeq`. */
export interface Summary {
  sensor: string;
  firstSeq: number;
  lastSeq: number;
  firstTs: number;
  lastTs: number;
  /** Readings it replaces. */
  n: number;
  values: Record<string, ValueSummary>;
}

const MARK = 0x7e; // '~'

export function isSummaryValue(value: string): boolean {
  return value.charCodeAt(0) === MARK;
}

export function encodeSummary(summary: Summary): string {
  return `~${summary.firstTs},${summary.lastTs},${summary.lastSeq},${summary.n}\0${summary.sensor}\0${JSON.stringify(summary.values)}`;
}

interface SplitSummary {
  sensor: string;
  firstTs: number;
  lastTs: number;
  lastSeq: number;
  n: number;
  valuesJson: string;
}

function split(seq: number, value: string): SplitSummary {
  const headEnd = value.indexOf('\0');
  const sensorEnd = headEnd < 0 ? -1 : value.indexOf('\0', headEnd + 1);
  const head = value.slice(1, headEnd).split(',').map(Number);
  if (sensorEnd < 0 || head.length !== 4 || !head.every((n) => Number.isSafeInteger(n) && n >= 0)) throw new Error(`summary ${seq} is not a stored summary`);
  const [firstTs, lastTs, lastSeq, n] = head as [number, number, number, number];
  if (lastSeq < seq || lastTs < firstTs || n < 1) throw new Error(`summary ${seq} is not a stored summary`);
  return { sensor: value.slice(headEnd + 1, sensorEnd), firstTs, lastTs, lastSeq, n, valuesJson: value.slice(sensorEnd + 1) };
}

/** The stored texts of a summary for the publish path (`valuesJson` is the summary JSON, `summary` its span); null when damaged. */
export function splitSummary(seq: number, value: string): RawReading | null {
  let parts: SplitSummary;
  try {
    parts = split(seq, value);
  } catch {
    return null; // the caller decodes it fully, which drops it as damaged
  }
  return { seq, sensor: parts.sensor, tsJson: String(parts.firstTs), valuesJson: parts.valuesJson, summary: { lastSeq: parts.lastSeq, lastTs: parts.lastTs, n: parts.n } };
}

/** A summary decoded: `values` holds the means, `summary` the span and every value's statistics. */
export function decodeSummary(seq: number, value: string): StoredReading {
  const parts = split(seq, value);
  const parsed = JSON.parse(parts.valuesJson) as unknown;
  if (parsed === null || typeof parsed !== 'object') throw new Error(`summary ${seq} is not a stored summary`);
  const stats = parsed as Record<string, ValueSummary>;
  const values: Record<string, number> = {};
  for (const [name, stat] of Object.entries(stats)) {
    if (typeof stat?.mean !== 'number' || typeof stat.min !== 'number' || typeof stat.max !== 'number' || !Number.isSafeInteger(stat.n)) throw new Error(`summary ${seq} has a damaged value ${name}`);
    values[name] = stat.mean;
  }
  return { seq, sensor: parts.sensor, ts: parts.firstTs, values, summary: { lastSeq: parts.lastSeq, lastTs: parts.lastTs, n: parts.n, values: stats } };
}

/** A reading or a summary, as the downsampler merges them. */
export interface Mergeable {
  seq: number;
  lastSeq: number;
  firstTs: number;
  lastTs: number;
  n: number;
  values: Record<string, ValueSummary>;
}

/** A stored entry as a mergeable: a reading is a summary of one. */
export function mergeableOf(entry: StoredReading): Mergeable {
  if (entry.summary) return { seq: entry.seq, lastSeq: entry.summary.lastSeq, firstTs: entry.ts, lastTs: entry.summary.lastTs, n: entry.summary.n, values: entry.summary.values };
  const values: Record<string, ValueSummary> = {};
  for (const [name, v] of Object.entries(entry.values)) values[name] = { min: v, max: v, mean: v, n: 1 };
  return { seq: entry.seq, lastSeq: entry.seq, firstTs: entry.ts, lastTs: entry.ts, n: 1, values };
}

/**
 * Merges adjacent entries of one sensor (ascending seq) into one summary. A value's mean is the
 * count-weighted mean of the parts' means, so merging summaries gives the mean of the readings.
 */
export function mergeSummaries(sensor: string, parts: readonly Mergeable[]): Summary {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const sums = new Map<string, { min: number; max: number; sum: number; n: number }>();
  let n = 0;
  let firstTs = first.firstTs;
  let lastTs = first.lastTs;
  for (const part of parts) {
    n += part.n;
    // The earliest and the latest sampling time: a clock step can make ts run backwards.
    if (part.firstTs < firstTs) firstTs = part.firstTs;
    if (part.lastTs > lastTs) lastTs = part.lastTs;
    for (const [name, stat] of Object.entries(part.values)) {
      const acc = sums.get(name);
      if (acc === undefined) sums.set(name, { min: stat.min, max: stat.max, sum: stat.mean * stat.n, n: stat.n });
      else {
        if (stat.min < acc.min) acc.min = stat.min;
        if (stat.max > acc.max) acc.max = stat.max;
        acc.sum += stat.mean * stat.n;
        acc.n += stat.n;
      }
    }
  }
  const values: Record<string, ValueSummary> = {};
  for (const [name, acc] of sums) values[name] = { min: acc.min, max: acc.max, mean: acc.sum / acc.n, n: acc.n };
  return { sensor, firstSeq: first.seq, lastSeq: last.lastSeq, firstTs, lastTs, n, values };
}
