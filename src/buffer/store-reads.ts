// Reads of the waiting readings, in seq order from a cursor (design.md: never from the start, where
// the tombstones of deleted readings lie), decoded or as the stored JSON texts. Each read also sets
// what the store does not hold per reading: its epoch (from the lifecycle's ranges, epochs.ts) and,
// for a reading of an unsynchronized clock, its time quality (and corrected ts, clock-mark.ts).
import { rawOf, readingKey, seqOfKey, splitStored, storedSize } from './codec.js';
import { epochOf, type EpochRange } from './epochs.js';
import type { ClockMark, TimeCorrection, TimeQuality } from './clock-mark.js';
import type { QueueState } from './queue-state.js';
import type { ReadingDb } from './store.js';
import type { RawReading, StoredReading } from './types.js';

/** A reader's note of each reading handed out, with its stored size and lane (reader.ts). */
export type HandOut = (seq: number, size: number, high: boolean) => void;

export interface ReadContext {
  db: ReadingDb;
  state: QueueState;
  ranges: readonly EpochRange[];
  timeCorrection?: TimeCorrection | undefined;
  handedOut: HandOut | null;
  /** A reading that cannot be decoded is counted as dropped and deleted (null). */
  decodeOrDrop(seq: number, value: string, high: boolean): StoredReading | null;
  /** The iterator failed past a damaged table: what was read is kept. */
  damaged(error: unknown): void;
}

/** Waiting readings of a lane with afterSeq < seq <= upToSeq, decoded. */
export async function readDecoded(context: ReadContext, afterSeq: number, limit: number, upToSeq: number, high = false): Promise<StoredReading[]> {
  const out: StoredReading[] = [];
  await scan(context, afterSeq, limit, upToSeq, high, (seq, value) => {
    const reading = context.decodeOrDrop(seq, value, high);
    if (reading !== null) {
      if (high) reading.high = true;
      out.push(reading);
    }
    return reading !== null;
  });
  setEpochs(context.ranges, out);
  for (const reading of out) if (reading.clock) setTime(context, reading, (ts) => (reading.ts = ts));
  return out;
}

/** The same, as the stored JSON texts (the publish path: nothing decoded and encoded again). */
export async function readRaw(context: ReadContext, afterSeq: number, limit: number, upToSeq: number, high = false): Promise<RawReading[]> {
  const out: RawReading[] = [];
  await scan(context, afterSeq, limit, upToSeq, high, (seq, value) => {
    let raw = splitStored(seq, value);
    if (raw === null) {
      const reading = context.decodeOrDrop(seq, value, high);
      if (reading !== null) raw = rawOf(reading);
    }
    if (raw !== null) {
      if (high) raw.high = true;
      out.push(raw);
    }
    return raw !== null;
  });
  setEpochs(context.ranges, out);
  for (const raw of out) if (raw.clock) setTime(context, raw, (ts) => (raw.tsJson = String(ts)));
  return out;
}

/** A marked reading leaves `corrected` (with the true ts) once its clock mark can be resolved, else `unsynced`. */
function setTime(context: ReadContext, reading: { clock?: ClockMark; time?: TimeQuality }, setTs: (ts: number) => void): void {
  const corrected = reading.clock && context.timeCorrection ? context.timeCorrection(reading.clock) : null;
  if (corrected === null) reading.time = 'unsynced';
  else {
    setTs(corrected);
    reading.time = 'corrected';
  }
}

/** Epoch 0 stays absent: readings of a store that never lost power look as they always did. */
function setEpochs(ranges: readonly EpochRange[], readings: Array<{ seq: number; epoch?: number }>): void {
  if (ranges.length === 0) return;
  for (const reading of readings) {
    const epoch = epochOf(ranges, reading.seq);
    if (epoch !== 0) reading.epoch = epoch;
  }
}

/** Visits up to `limit` waiting entries of a lane in (afterSeq, upToSeq]; `take` says whether one counted. */
async function scan(context: ReadContext, afterSeq: number, limit: number, upToSeq: number, high: boolean, take: (seq: number, value: string) => boolean): Promise<void> {
  const { db, state, handedOut } = context;
  // The lane's floor, not the lowest waiting seq of both: below it this lane holds only tombstones.
  const start = Math.max(afterSeq + 1, state.floor(high));
  const end = Math.min(state.durableSeq, upToSeq);
  if (start > end || limit <= 0 || (high && state.highCount === 0)) return;
  const iterator = db.iterator({ gte: readingKey(start, high), lte: readingKey(end, high) });
  let taken = 0;
  let firstWaiting: number | null = null;
  let exhausted = false;
  try {
    while (taken < limit) {
      let entries: Array<[string, string]>;
      try {
        entries = await iterator.nextv(limit - taken);
      } catch (error) {
        // Damage since open (a failing medium): LevelDB hands out every readable entry, then fails.
        // Keep what was read; the next start moves the store aside and counts what is lost.
        context.damaged(error);
        break;
      }
      if (entries.length === 0) {
        exhausted = true;
        break;
      }
      for (const [key, value] of entries) {
        const seq = seqOfKey(key);
        if (!state.isWaiting(seq)) continue;
        firstWaiting ??= seq;
        if (!take(seq, value)) continue;
        taken++;
        handedOut?.(seq, storedSize(value), high);
      }
    }
  } finally {
    await iterator.close();
  }
  // Nothing waits in this lane between start and what was found (or the end, when read to it).
  if (firstWaiting !== null || exhausted) state.learnFloor(high, start, firstWaiting ?? end + 1);
}
