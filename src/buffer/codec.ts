// How readings and the buffer's counters are laid out in LevelDB: keys, values and the meta record.
import type { RawReading, Reading, StoredReading } from './types.js';

/**
 * Reading keys are `r` + 16 hex digits: fixed width, so lexical order is seq order and a seek
 * lands on the first live key without touching anything below it.
 */
const KEY_PREFIX = 'r';
const HEX_WIDTH = 16;
/** Length in bytes of every reading key (ASCII). */
export const KEY_BYTES = KEY_PREFIX.length + HEX_WIDTH;
/** Exclusive upper bound of the reading key range. */
export const READINGS_END = 's';
/** The one meta record; `m` sorts below every reading key. */
export const META_KEY = 'm';

export function readingKey(seq: number): string {
  return KEY_PREFIX + seq.toString(16).padStart(HEX_WIDTH, '0');
}

export function seqOfKey(key: string): number {
  return parseInt(key.slice(KEY_PREFIX.length), 16);
}

/** Compact JSON, `{"s":"greenhouse","t":1764000000123,"v":{"temperature":21.53}}`. */
export function encodeReading(reading: Reading): string {
  return JSON.stringify({ s: reading.sensor, t: reading.ts, v: reading.values });
}

interface EncodedReading {
  s: string;
  t: number;
  v: Record<string, number>;
}

/** Parses a stored value; throws on anything that is not a reading we wrote. */
export function decodeReading(seq: number, value: string): StoredReading {
  const parsed = JSON.parse(value) as Partial<EncodedReading> | null;
  if (parsed === null || typeof parsed.s !== 'string' || typeof parsed.t !== 'number' || typeof parsed.v !== 'object') {
    throw new Error(`reading ${seq} is not a stored reading`);
  }
  return { sensor: parsed.s, ts: parsed.t, values: parsed.v, seq };
}

const STORED_HEAD = '{"s":"';
const TS_MARK = '","t":';
const VALUES_MARK = ',"v":';

/**
 * Cuts a stored value apart without parsing it: the publish path splices these JSON texts into the
 * MQTT payload instead of decoding and re-encoding. Null when the text is not exactly the layout
 * encodeReading writes (an escaped sensor id, a foreign record): the caller then decodes it fully.
 */
export function splitStored(seq: number, value: string): RawReading | null {
  if (!value.startsWith(STORED_HEAD)) return null;
  const sensorEnd = value.indexOf(TS_MARK, STORED_HEAD.length);
  if (sensorEnd < 0) return null;
  const sensor = value.slice(STORED_HEAD.length, sensorEnd);
  if (sensor.includes('\\') || sensor.includes('"')) return null;
  const tsStart = sensorEnd + TS_MARK.length;
  const valuesMark = value.indexOf(VALUES_MARK, tsStart);
  if (valuesMark <= tsStart || value.charCodeAt(value.length - 1) !== 0x7d) return null;
  for (let i = tsStart; i < valuesMark; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  if (value.charCodeAt(valuesMark + VALUES_MARK.length) !== 0x7b) return null;
  return { seq, sensor, tsJson: value.slice(tsStart, valuesMark), valuesJson: value.slice(valuesMark + VALUES_MARK.length, -1) };
}

/** The JSON texts of a decoded reading (the slow path of splitStored). */
export function rawOf(reading: StoredReading): RawReading {
  return { seq: reading.seq, sensor: reading.sensor, tsJson: String(reading.ts), valuesJson: JSON.stringify(reading.values) };
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

export function encodeMeta(meta: Meta): string {
  return JSON.stringify(meta);
}

/** Parses the meta record; throws when it is damaged (the store is then treated as corrupt). */
export function decodeMeta(value: string): Meta {
  const parsed = JSON.parse(value) as Record<string, unknown>;
  const fields = ['lastSeq', 'firstSeq', 'count', 'bytes', 'dropped'] as const;
  for (const field of fields) {
    const n = parsed[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(`meta field ${field} is ${JSON.stringify(n)}`);
    }
  }
  return parsed as unknown as Meta;
}
