// A reader of the buffer: what one link (the publisher's connection) has read and not yet had
// acknowledged. While it is open, its readings are in flight and drop-oldest passes them over (the
// broker is about to have them: dropping one would count a delivered reading as lost). Closing it
// (the link went down) releases them; it can still ack afterwards, for acks that arrived in time.
// The buffer knows readers, not links: it never hears of connections.
import type { RawReading, StoredReading } from './types.js';

/** Sizes kept per reader so an ack needs no read; past this many, forgotten (an ack then reads them). */
const IN_FLIGHT_LIMIT = 100_000;

/** What a reader needs of the buffer (reading-buffer.ts). */
export interface ReaderHost {
  readRawFrom(afterSeq: number, limit: number, upToSeq: number, handedOut: (seq: number, size: number) => void): Promise<RawReading[]>;
  readFrom(afterSeq: number, limit: number, upToSeq: number, handedOut: (seq: number, size: number) => void): Promise<StoredReading[]>;
  ack(seqs: readonly number[], sizeOf: (seq: number) => number | undefined): Promise<void>;
  closed(reader: BufferReader): void;
}

export class BufferReader {
  private readonly inFlight = new Map<number, number>();
  private open = true;
  private readonly handOut = (seq: number, size: number): void => {
    if (this.open) this.inFlight.set(seq, size);
  };

  constructor(private readonly host: ReaderHost) {}

  /** Waiting readings with afterSeq < seq <= upToSeq, as stored JSON texts (the publish path). */
  readRaw(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY): Promise<RawReading[]> {
    this.bound();
    return this.host.readRawFrom(afterSeq, limit, upToSeq, this.handOut);
  }

  /** The same, decoded. */
  read(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY): Promise<StoredReading[]> {
    this.bound();
    return this.host.readFrom(afterSeq, limit, upToSeq, this.handOut);
  }

  /** Deletes acknowledged readings (also after close); unknown, dropped or already acked seqs are ignored. */
  ack(seqs: readonly number[]): Promise<void> {
    return this.host.ack(seqs, (seq) => {
      const size = this.inFlight.get(seq);
      if (size !== undefined) this.inFlight.delete(seq);
      return size;
    });
  }

  /** The link is gone: nothing this reader handed out is in flight any more. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.inFlight.clear();
    this.host.closed(this);
  }

  /** Handed out by this reader and not yet acked (drop-oldest leaves it). */
  holds(seq: number): boolean {
    return this.inFlight.has(seq);
  }

  private bound(): void {
    if (this.inFlight.size > IN_FLIGHT_LIMIT) this.inFlight.clear();
  }
}
