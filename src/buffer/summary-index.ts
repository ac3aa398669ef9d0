// What the waiting summaries cover (store.overflow: downsample), for the status page: kept in
// memory as summaries are written and leave, rebuilt from the store at open (downsample.ts).
import type { SummarySpan } from './types.js';

export interface SummaryStatus {
  /** Summaries waiting in the buffer. */
  summaries: number;
  /** Readings those summaries stand for. */
  summarized: number;
  /** From the oldest summary's first seq and ts to the newest one's last; null when none waits. */
  summarizedRange: { seq: [number, number]; ts: [number, number] } | null;
  /** Fewest and most readings in one waiting summary; null when none waits. */
  summaryWindow: { min: number; max: number } | null;
}

interface Span extends SummarySpan {
  firstTs: number;
}

export class SummaryIndex {
  private readonly spans = new Map<number, Span>();
  private readings = 0;

  set(seq: number, span: Span): void {
    this.removed(seq);
    this.spans.set(seq, span);
    this.readings += span.n;
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
  }

  clear(): void {
    this.spans.clear();
    this.readings = 0;
  }

  status(): SummaryStatus {
    if (this.spans.size === 0) return { summaries: 0, summarized: 0, summarizedRange: null, summaryWindow: null };
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
    return { summaries: this.spans.size, summarized: this.readings, summarizedRange: { seq: [firstSeq, lastSeq], ts: [firstTs, lastTs] }, summaryWindow: { min, max } };
  }
}
