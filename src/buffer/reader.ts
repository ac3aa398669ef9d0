// A reader of the buffer: what one link (the publisher's connection) has read and not yet had
// acknowledged. While it is open, its readings are in flight and drop-oldest passes them over (the
// broker is about to have them: dropping one would count a delivered reading as lost). Closing it
// (the link went down) releases them; it can still ack afterwards, for acks that arrived in time.
// The buffer knows readers, not links: it never hears of connections.
import type { RawReading, StoredReading } from './types.js';

/**
 * What a reader knows of a reading it handed out, packed in one number (no object per reading on
 * the publish path): its stored size and whether it is in the high lane.
 */
export type HandedOut = number;
export const handedOut = (size: number, high: boolean): HandedOut => size * 2 + (high ? 1 : 0);
export const sizeOfHandedOut = (packed: HandedOut): number => Math.floor(packed / 2);
export const isHighHandedOut = (packed: HandedOut): boolean => packed % 2 === 1;

/** Sizes kept per reader so an ack needs no read; past this many, forgotten (an ack then reads them). */
const IN_FLIGHT_LIMIT = 100_000;

/** What a reader needs of the buffer (reading-buffer.ts). */
export interface ReaderHost {
  readRawFrom(afterSeq: number, limit: number, upToSeq: number, high: boolean, handedOut: (seq: number, size: number, high: boolean) => void): Promise<RawReading[]>;
  readFrom(afterSeq: number, limit: number, upToSeq: number, high: boolean, handedOut: (seq: number, size: number, high: boolean) => void): Promise<StoredReading[]>;
  ack(seqs: readonly number[], known: (seq: number) => HandedOut | undefined): Promise<void>;
  closed(reader: BufferReader): void;
}

export class BufferReader {
  private readonly inFlight = new Map<number, number>();
  private open = true;
  private readonly handOut = (seq: number, size: number, high: boolean): void => {
    if (this.open) this.inFlight.set(seq, handedOut(size, high));
  };

  constructor(private readonly host: ReaderHost) {}

  /** Waiting readings of a lane with afterSeq < seq <= upToSeq, as stored JSON texts (the publish path). */
  readRaw(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY, high = false): Promise<RawReading[]> {
    this.bound();
    return this.host.readRawFrom(afterSeq, limit, upToSeq, high, this.handOut);
  }

  /** The same, decoded. */
  read(afterSeq: number, limit: number, upToSeq = Number.POSITIVE_INFINITY, high = false): Promise<StoredReading[]> {
    this.bound();
    return this.host.readFrom(afterSeq, limit, upToSeq, high, this.handOut);
  }

  /** Deletes acknowledged readings (also after close); unknown, dropped or already acked seqs are ignored. */
  ack(seqs: readonly number[]): Promise<void> {
    return this.host.ack(seqs, (seq) => {
      const known = this.inFlight.get(seq);
      if (known !== undefined) this.inFlight.delete(seq);
      return known;
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
