// How readings and the buffer's counters are laid out in LevelDB: keys, values and the meta record.
import type { RawReading, Reading, StoredReading } from './types.js';
import { decodeClockMark, encodeClockMark, type ClockMark } from './clock-mark.js';
import { decodeSummary, isSummaryValue, splitSummary } from './summary-codec.js';

/**
 * Reading keys are `r` + 16 hex digits: fixed width, so lexical order is seq order and a seek
 * lands on the first live key without touching anything below it. High-priority readings
 * (issue 21) are a lane of their own, `h` + 16 hex digits, in the same seq sequence: each seq is
 * in exactly one lane, so each lane is read in seq order from its own cursor, the high one first.
 */
const KEY_PREFIX = 'r';
const HIGH_PREFIX = 'h';
const HEX_WIDTH = 16;
/** Length in bytes of every reading key (ASCII). */
export const KEY_BYTES = KEY_PREFIX.length + HEX_WIDTH;
/** Exclusive upper bound of the reading key range. */
export const READINGS_END = 's';
/** Exclusive upper bound of the high lane's key range. */
export const HIGH_END = 'i';
/** The one meta record; `m` sorts below every reading key. */
export const META_KEY = 'm';
/** The lifecycle record (epochs.ts): written at open and at a clean stop only, never with readings. */
export const LIFECYCLE_KEY = 'e';
/**
 * The high lane's drop counter, `[droppedHigh]`: its own record, written only in a batch that
 * changes it, so the meta record keeps the five fields an older version parses (it moves a store
 * with any other meta aside as corrupt).
 */
export const PRIORITY_KEY = 'p';

/** The key of a reading in its lane (`high`: the high-priority lane). */
export function readingKey(seq: number, high = false): string {
  return (high ? HIGH_PREFIX : KEY_PREFIX) + seq.toString(16).padStart(HEX_WIDTH, '0');
}

export function seqOfKey(key: string): number {
  return parseInt(key.slice(KEY_PREFIX.length), 16);
}

/** The key range of a lane (from readingKey(0) up to, not including, its end). */
export function laneRange(high: boolean): { gte: string; lt: string } {
  return { gte: readingKey(0, high), lt: high ? HIGH_END : READINGS_END };
}

export function encodePriorityRecord(droppedHigh: number): string {
  return `[${droppedHigh}]`;
}

/** droppedHigh from the record; throws when it is damaged (the store is then treated as corrupt). */
export function decodePriorityRecord(value: string): number {
  const json = JSON.parse(value) as unknown;
  const n = Array.isArray(json) && json.length === 1 ? (json[0] as unknown) : undefined;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`priority record is ${value}`);
  return n;
}

/**
 * A stored reading is `<ts>\0<sensor>\0<values JSON>`, e.g. `1764000000123\0greenhouse\0{"temperature":21.53}`:
 * 16 bytes shorter than JSON with keys, and every reading is written to the LevelDB log twice
 * (put, then the delete's key) on an SD card (BENCHMARKS.md, steady state written per reading).
 * A sensor id with a NUL in it, or a ts that is not a non-negative integer, is stored in the
 * older JSON form `{"s":"greenhouse","t":1764000000123,"v":{...}}`, which is still read (stores
 * written by earlier versions). A reading taken while the clock was not synchronized has its
 * clock mark after the values, `...\0{"temperature":21.53}\0<boot> <mono>` (clock-mark.ts; JSON
 * never holds a raw NUL), or `"c"` in the JSON form.
 */
export function encodeReading(reading: Reading): string {
  const { sensor, ts } = reading;
  if (Number.isSafeInteger(ts) && ts >= 0 && !sensor.includes('\0')) {
    const compact = `${ts}\0${sensor}\0${JSON.stringify(reading.values)}`;
    return reading.clock ? `${compact}\0${encodeClockMark(reading.clock)}` : compact;
  }
  return encodeJsonReading(reading);
}

/** The older JSON form (still written for the odd reading encodeReading cannot store compactly). */
export function encodeJsonReading(reading: Reading): string {
  // "c" before "v": splitStored takes v as the last member, so a marked one is fully decoded.
  if (reading.clock) return JSON.stringify({ s: reading.sensor, t: reading.ts, c: encodeClockMark(reading.clock), v: reading.values });
  return JSON.stringify({ s: reading.sensor, t: reading.ts, v: reading.values });
}

interface EncodedReading {
  s: string;
  t: number;
  c?: string;
  v: Record<string, number>;
}

function withClock<T extends { clock?: ClockMark }>(target: T, text: string | undefined, seq: number): T {
  if (text === undefined) return target;
  const mark = decodeClockMark(text);
  if (mark === null) throw new Error(`reading ${seq} has a damaged clock mark`);
  target.clock = mark;
  return target;
}

/** Parses a stored value (a reading, or a summary: summary-codec.ts); throws on anything that is not one we wrote. */
export function decodeReading(seq: number, value: string): StoredReading {
  if (isSummaryValue(value)) return decodeSummary(seq, value);
  const raw = splitCompact(seq, value);
  if (raw !== null) {
    const values = JSON.parse(raw.valuesJson) as unknown;
    if (values === null || typeof values !== 'object') throw new Error(`reading ${seq} is not a stored reading`);
    const reading: StoredReading = { sensor: raw.sensor, ts: Number(raw.tsJson), values: values as Record<string, number>, seq };
    if (raw.clock) reading.clock = raw.clock;
    return reading;
  }
  const parsed = JSON.parse(value) as Partial<EncodedReading> | null;
  if (parsed === null || typeof parsed.s !== 'string' || typeof parsed.t !== 'number' || typeof parsed.v !== 'object' || (parsed.c !== undefined && typeof parsed.c !== 'string')) {
    throw new Error(`reading ${seq} is not a stored reading`);
  }
  return withClock<StoredReading>({ sensor: parsed.s, ts: parsed.t, values: parsed.v, seq }, parsed.c, seq);
}

const STORED_HEAD = '{"s":"';
const TS_MARK = '","t":';
const VALUES_MARK = ',"v":';

function isDigits(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** The compact form cut apart, or null when `value` is not in it. */
function splitCompact(seq: number, value: string): RawReading | null {
  const tsEnd = value.indexOf('\0');
  if (tsEnd <= 0) return null;
  const sensorEnd = value.indexOf('\0', tsEnd + 1);
  if (sensorEnd < 0 || !isDigits(value, 0, tsEnd)) return null;
  const markAt = value.indexOf('\0', sensorEnd + 1);
  const valuesEnd = markAt < 0 ? value.length : markAt;
  if (value.charCodeAt(sensorEnd + 1) !== 0x7b || value.charCodeAt(valuesEnd - 1) !== 0x7d) return null;
  const raw: RawReading = { seq, sensor: value.slice(tsEnd + 1, sensorEnd), tsJson: value.slice(0, tsEnd), valuesJson: value.slice(sensorEnd + 1, valuesEnd) };
  if (markAt < 0) return raw;
  const mark = decodeClockMark(value.slice(markAt + 1));
  if (mark === null) return null;
  raw.clock = mark;
  return raw;
}

/**
 * Cuts a stored value apart without parsing it: the publish path splices these JSON texts into the
 * MQTT payload instead of decoding and re-encoding. Null when the text is in neither layout
 * encodeReading writes exactly (an escaped sensor id in the JSON form, a foreign record): the
 * caller then decodes it fully.
 */
export function splitStored(seq: number, value: string): RawReading | null {
  if (isSummaryValue(value)) return splitSummary(seq, value);
  if (!value.startsWith(STORED_HEAD)) return splitCompact(seq, value);
  const sensorEnd = value.indexOf(TS_MARK, STORED_HEAD.length);
  if (sensorEnd < 0) return null;
  const sensor = value.slice(STORED_HEAD.length, sensorEnd);
  if (sensor.includes('\\') || sensor.includes('"')) return null;
  const tsStart = sensorEnd + TS_MARK.length;
  const valuesMark = value.indexOf(VALUES_MARK, tsStart);
  if (valuesMark <= tsStart || value.charCodeAt(value.length - 1) !== 0x7d) return null;
  if (!isDigits(value, tsStart, valuesMark)) return null;
  if (value.charCodeAt(valuesMark + VALUES_MARK.length) !== 0x7b) return null;
  return { seq, sensor, tsJson: value.slice(tsStart, valuesMark), valuesJson: value.slice(valuesMark + VALUES_MARK.length, -1) };
}

/** The JSON texts of a decoded reading (the slow path of splitStored). */
export function rawOf(reading: StoredReading): RawReading {
  if (reading.summary) {
    const { values, ...span } = reading.summary;
    return { seq: reading.seq, sensor: reading.sensor, tsJson: String(reading.ts), valuesJson: JSON.stringify(values), summary: span };
  }
  const raw: RawReading = { seq: reading.seq, sensor: reading.sensor, tsJson: String(reading.ts), valuesJson: JSON.stringify(reading.values) };
  if (reading.clock) raw.clock = reading.clock;
  return raw;
}

/** Bytes a reading takes in the store, as counted against `maxBytes`. */
export function storedSize(value: string): number {
  return KEY_BYTES + Buffer.byteLength(value);
}

/** The counters persisted in the same batch as the readings they describe. */
export interface Meta {
  /** Highest seq ever accepted. */
  lastSeq: number;
  /** Lowest seq that may still be stored (a seek hint: everything below is deleted). */
  firstSeq: number;
  count: number;
  bytes: number;
  dropped: number;
}

export const EMPTY_META: Meta = { lastSeq: 0, firstSeq: 1, count: 0, bytes: 0, dropped: 0 };

const META_FIELDS = ['lastSeq', 'firstSeq', 'count', 'bytes', 'dropped'] as const;

/**
 * `[lastSeq,firstSeq,count,bytes,dropped]`: the meta record goes into every batch the buffer
 * writes, so it is kept short (the object form, 40 bytes longer, is still read).
 */
export function encodeMeta(meta: Meta): string {
  return `[${meta.lastSeq},${meta.firstSeq},${meta.count},${meta.bytes},${meta.dropped}]`;
}

/** Parses the meta record; throws when it is damaged (the store is then treated as corrupt). */
export function decodeMeta(value: string): Meta {
  const json = JSON.parse(value) as unknown;
  const parsed: Record<string, unknown> = Array.isArray(json)
    ? Object.fromEntries(META_FIELDS.map((field, i) => [field, json.length === META_FIELDS.length ? json[i] : undefined]))
    : (json as Record<string, unknown>);
  if (parsed === null || typeof parsed !== 'object') throw new Error('meta is not an object');
  for (const field of META_FIELDS) {
    const n = parsed[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(`meta field ${field} is ${JSON.stringify(n)}`);
    }
  }
  return { lastSeq: parsed.lastSeq, firstSeq: parsed.firstSeq, count: parsed.count, bytes: parsed.bytes, dropped: parsed.dropped } as Meta;
}
