// What the waiting summaries cover (store.overflow: downsample), for the status page: kept in
// memory as summaries are written and leave, rebuilt from the store at open (downsample.ts).
import type { SummarySpan } from './types.js';

export interface SummaryStatus {
  /** Summaries waiting in the buffer. */
  summaries: number;
  /** Readings those summaries stand for. */
  summarized: number;
  /** From the oldest summary's first seq and ts to the newest one's last; null when none waits (past 10,000 summaries up to 1 s old). */
  summarizedRange: { seq: [number, number]; ts: [number, number] } | null;
  /** Fewest and most readings in one waiting summary; null when none waits (past 10,000 summaries up to 1 s old). */
  summaryWindow: { min: number; max: number } | null;
}

/** Past this many summaries, the range and windows are walked again at most every EXTENTS_EVERY_MS (the counts are always exact). */
const WALK_ALWAYS_UP_TO = 10_000;
const EXTENTS_EVERY_MS = 1000;

interface Span extends SummarySpan {
  firstTs: number;
}

export class SummaryIndex {
  private readonly spans = new Map<number, Span>();
  private readings = 0;
  private extents: Pick<SummaryStatus, 'summarizedRange' | 'summaryWindow'> | null = null;
  private extentsAt = 0;
  private changed = false;

  set(seq: number, span: Span): void {
    this.removed(seq);
    this.spans.set(seq, span);
    this.readings += span.n;
    this.changed = true;
  }

  /** Summaries waiting. */
  get size(): number {
    return this.spans.size;
  }

  has(seq: number): boolean {
    return this.spans.has(seq);
  }

  /** A seq left the buffer (acked, dropped, or merged into a larger summary). */
  removed(seq: number): void {
    const span = this.spans.get(seq);
    if (span === undefined) return;
    this.readings -= span.n;
    this.spans.delete(seq);
    this.changed = true;
  }

  status(): SummaryStatus {
    if (this.spans.size === 0) return { summaries: 0, summarized: 0, summarizedRange: null, summaryWindow: null };
    // The extents take a walk over every summary (a large store holds millions): at most once a second.
    if (this.extents === null || (this.changed && (this.spans.size <= WALK_ALWAYS_UP_TO || Date.now() - this.extentsAt >= EXTENTS_EVERY_MS))) {
      this.extents = this.walk();
      this.extentsAt = Date.now();
      this.changed = false;
    }
    return { summaries: this.spans.size, summarized: this.readings, ...this.extents };
  }

  private walk(): Pick<SummaryStatus, 'summarizedRange' | 'summaryWindow'> {
    let firstSeq = Number.POSITIVE_INFINITY;
    let lastSeq = 0;
    let firstTs = Number.POSITIVE_INFINITY;
    let lastTs = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const [seq, span] of this.spans) {
      if (seq < firstSeq) firstSeq = seq;
      if (span.lastSeq > lastSeq) lastSeq = span.lastSeq;
      if (span.firstTs < firstTs) firstTs = span.firstTs;
      if (span.lastTs > lastTs) lastTs = span.lastTs;
      if (span.n < min) min = span.n;
      if (span.n > max) max = span.n;
    }
    return { summarizedRange: { seq: [firstSeq, lastSeq], ts: [firstTs, lastTs] }, summaryWindow: { min, max } };
  }
}
