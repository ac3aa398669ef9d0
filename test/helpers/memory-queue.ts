// A small in-memory queue with the buffer's publish-side contract (PublishSource: a reader per
// link with read/ack/close per lane (normal, high), `appended`, stats), for publisher tests that need no LevelDB. Not
// durable and unbounded: the durable promises are the LevelDB buffer's own (test/buffer/). The
// contract both keep is test/buffer/queue-contract.ts.
import { EventEmitter } from 'node:events';
import type { RawReading, Reading } from '../../src/buffer/index.js';
import type { PublishReader, PublishSource } from '../../src/mqtt/publisher.js';

export class MemoryQueue extends EventEmitter<{ appended: [reading: { seq: number }] }> implements PublishSource {
  /** Waiting readings in seq order (appends only ever add at the end). */
  private waiting: RawReading[] = [];
  private lastSeq = 0;
  /** Readers' in-flight seqs; the queue never drops, so this only says what each holds. */
  private readonly open = new Set<Set<number>>();

  async append(reading: Reading): Promise<{ seq: number }> {
    const seq = ++this.lastSeq;
    const raw: RawReading = { seq, sensor: reading.sensor, tsJson: String(reading.ts), valuesJson: JSON.stringify(reading.values) };
    if (reading.high === true) raw.high = true;
    this.waiting.push(raw);
    await Promise.resolve();
    this.emit('appended', { seq });
    return { seq };
  }

  openReader(): PublishReader {
    const inFlight = new Set<number>();
    this.open.add(inFlight);
    return {
      readRaw: async (afterSeq, limit, upToSeq = Number.POSITIVE_INFINITY, high = false) => {
        const out = this.waiting.filter((r) => r.seq > afterSeq && r.seq <= upToSeq && (r.high === true) === high).slice(0, Math.max(0, limit));
        if (this.open.has(inFlight)) for (const r of out) inFlight.add(r.seq);
        return out;
      },
      ack: async (seqs) => {
        for (const seq of seqs) inFlight.delete(seq);
        await this.ack(seqs);
      },
      close: () => {
        inFlight.clear();
        this.open.delete(inFlight);
      },
    };
  }

  async ack(seqs: readonly number[]): Promise<void> {
    const acked = new Set(seqs);
    this.waiting = this.waiting.filter((r) => !acked.has(r.seq));
  }

  /** Seqs handed out by open readers and not yet acked. */
  inFlight(): number[] {
    return [...this.open].flatMap((set) => [...set]).sort((a, b) => a - b);
  }

  stats(): { dropped: number; lastSeq: number; backlog: number } {
    return { dropped: 0, lastSeq: this.lastSeq, backlog: this.waiting.length };
  }
}
