// The audit of a store at open (store.ts): every reading LevelDB can still read, per lane (normal
// and high, codec.ts), counted with its bytes, and the seqs between the lowest one and lastSeq
// that neither lane holds (acked out of order, lost to damage, or replaced by a summary): those are
// never waiting. A summary (store.overflow: downsample, summary-codec.ts) is one entry in the normal
// lane and one in the meta record's count: the seqs it replaced left no key, as they left the
// count, so a store with summaries audits exactly (no readings "lost to damage", nothing counted
// again in dropped); which of those seqs a summary stands for is in the summary itself.
import { decodeReading, readingKey, seqOfKey, storedSize } from './codec.js';
import type { ReadingDb, SeqGap } from './store.js';

export interface Audit {
  /** Readings found (well-formed keys only) and the bytes they take. */
  count: number;
  bytes: number;
  /** The first reading found, or null. */
  first: { seq: number; ts: number | null } | null;
  /** Seqs within the range not found after the first one (capped: see GAPS_MAX). */
  gaps: SeqGap[];
  /** The error a damaged table raised, or null. */
  damage: unknown;
}

/** More gaps than this are not tracked (the buffer then counts them out as it reaches them). */
const GAPS_MAX = 100_000;
const PAGE = 4096;

/**
 * Visits every reading LevelDB can still read in [fromSeq, toSeq], in order. A damaged table does
 * not stop an iterator: LevelDB skips it and fails only once the iterator is exhausted, taking the
 * last page read with it. That page is read again one entry at a time, so the count is exact.
 */
export async function auditReadings(db: ReadingDb, fromSeq: number, toSeq: number, visit?: (entries: Array<[string, string]>) => Promise<void>, high = false): Promise<Audit> {
  const audit: Audit = { count: 0, bytes: 0, first: null, gaps: [], damage: null };
  let next = fromSeq;
  let pageSize = PAGE;
  for (;;) {
    const iterator = db.iterator({ gte: readingKey(next, high), lte: readingKey(toSeq, high) });
    try {
      for (;;) {
        let entries: Array<[string, string]>;
        try {
          entries = await iterator.nextv(pageSize);
        } catch (error) {
          // Corruption, or an I/O error on a bad sector: either way a part of the store is unreadable.
          audit.damage ??= error;
          break;
        }
        if (entries.length === 0) return finish(audit, next, toSeq);
        const good = entries.filter(([key]) => isReadingKey(key, next, toSeq, high));
        for (const [key, value] of good) {
          const seq = seqOfKey(key);
          if (audit.first === null) audit.first = { seq, ts: tsOf(seq, value) };
          else if (seq > next) addGap(audit, next, seq - 1);
          next = seq + 1;
          audit.count++;
          audit.bytes += storedSize(value);
        }
        if (visit !== undefined && good.length > 0) await visit(good);
      }
    } finally {
      await iterator.close();
    }
    // Stepped reading yields every readable entry before failing: nothing more to find after that.
    if (pageSize === 1) return finish(audit, next, toSeq);
    pageSize = 1;
  }
}

function finish(audit: Audit, next: number, toSeq: number): Audit {
  if (audit.first !== null && next <= toSeq) addGap(audit, next, toSeq);
  return audit;
}

function addGap(audit: Audit, from: number, to: number): void {
  if (audit.first === null || from > to || audit.gaps.length >= GAPS_MAX) return;
  audit.gaps.push([from, to]);
}

function isReadingKey(key: string, fromSeq: number, toSeq: number, high: boolean): boolean {
  const seq = seqOfKey(key);
  return Number.isSafeInteger(seq) && seq >= fromSeq && seq <= toSeq && readingKey(seq, high) === key;
}

function tsOf(seq: number, value: string): number | null {
  try {
    return decodeReading(seq, value).ts;
  } catch {
    return null; // a damaged reading: dropped when the publisher reads it
  }
}


/** Both lanes' audits as one: counts summed, the lower first reading, the seqs neither lane holds. */
export interface LanesAudit extends Audit {
  highCount: number;
  highBytes: number;
}

export async function auditLanes(db: ReadingDb, fromSeq: number, toSeq: number, visit?: (entries: Array<[string, string]>) => Promise<void>): Promise<LanesAudit> {
  const normal = await auditReadings(db, fromSeq, toSeq, visit, false);
  // The high lane from its start: readings an older version left unread (it knows no high lane) are found again.
  const high = await auditReadings(db, 0, toSeq, visit, true);
  const first = normal.first === null ? high.first : high.first === null || normal.first.seq < high.first.seq ? normal.first : high.first;
  const gaps = first === null ? [] : intersect(complement(normal, first.seq, toSeq), complement(high, first.seq, toSeq));
  return {
    count: normal.count + high.count,
    bytes: normal.bytes + high.bytes,
    first,
    gaps,
    damage: normal.damage ?? high.damage,
    highCount: high.count,
    highBytes: high.bytes,
  };
}

/** The seqs from..toSeq the lane does not hold (its gaps run from its first reading to toSeq). */
function complement(audit: Audit, from: number, toSeq: number): SeqGap[] {
  if (audit.first === null) return [[from, toSeq]];
  return audit.first.seq > from ? [[from, audit.first.seq - 1], ...audit.gaps] : audit.gaps;
}

/** Seqs in a range of both lists (each ascending and disjoint), ascending. */
function intersect(a: readonly SeqGap[], b: readonly SeqGap[]): SeqGap[] {
  const out: SeqGap[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length && out.length < GAPS_MAX) {
    const from = Math.max(a[i]![0], b[j]![0]);
    const to = Math.min(a[i]![1], b[j]![1]);
    if (from <= to) out.push([from, to]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}
