// Deletes acknowledged readings from the buffer in few, large writes (each LevelDB batch has a
// fixed cost): one per ACK_FLUSH_MS, or per event-loop turn once ACK_FLUSH_NOW wait. A crash
// before the delete only means a duplicate (at-least-once), never a loss. Readings taken out as
// unsendable (larger than the broker's Maximum Packet Size) leave the same way, counted apart.
import type { Logger } from 'pino';
import type { RawReading } from '../buffer/index.js';

const ACK_FLUSH_MS = 10;
const ACK_FLUSH_NOW = 512;

export interface AckSink {
  ack(seqs: readonly number[]): Promise<void>;
}

/** After each delete: readings published (per sensor too) and readings taken out as unsendable. */
export type AckedListener = (published: number, bySensor: Array<[string, number]>) => void;

export class AckBatcher {
  private queue: number[] = [];
  private unsendableQueued = 0;
  private readonly bySensor = new Map<string, number>();
  /** Acked by the broker, not yet deleted from the buffer: never resend these. */
  private readonly pending = new Set<number>();
  private flushing: Promise<void> | null = null;
  private flushingNow = false;

  constructor(
    private readonly sink: AckSink,
    private readonly log: Logger,
    private readonly flushed: AckedListener,
  ) {}

  isPending(seq: number): boolean {
    return this.pending.has(seq);
  }

  /** The broker acknowledged these (or, QoS 0, they were written). */
  published(readings: readonly RawReading[]): void {
    for (const reading of readings) this.add(reading.seq);
    const sensor = readings[0]!.sensor;
    this.bySensor.set(sensor, (this.bySensor.get(sensor) ?? 0) + readings.length);
    this.schedule();
  }

  /** Taken out of the queue without publishing: they can never fit a packet the broker takes. */
  unsendable(readings: readonly RawReading[]): void {
    for (const reading of readings) this.add(reading.seq);
    this.unsendableQueued += readings.length;
    this.schedule();
  }

  private add(seq: number): void {
    this.pending.add(seq);
    this.queue.push(seq);
  }

  private schedule(): void {
    if (this.flushing && this.queue.length < ACK_FLUSH_NOW) return;
    if (this.flushing && this.flushingNow) return;
    const soon = this.queue.length >= ACK_FLUSH_NOW;
    this.flushingNow = soon;
    this.flushing = new Promise<void>((resolve) => (soon ? setImmediate(resolve) : setTimeout(resolve, ACK_FLUSH_MS)))
      .then(() => this.flush())
      // Nobody awaits this promise: a rejection would reach the fatal handler and kill the agent.
      // The readings stay in the buffer and go out again after the next reconnect (at-least-once).
      .catch((error: unknown) => this.log.error({ err: error }, 'deleting acknowledged readings from the buffer failed'));
  }

  /** Deletes what is acknowledged so far, in one buffer write. */
  async flush(): Promise<void> {
    this.flushing = null;
    if (this.queue.length === 0) return;
    const seqs = this.queue;
    const unsendable = this.unsendableQueued;
    this.queue = [];
    this.unsendableQueued = 0;
    const bySensor = [...this.bySensor];
    this.bySensor.clear();
    try {
      await this.sink.ack(seqs);
    } finally {
      for (const seq of seqs) this.pending.delete(seq);
    }
    this.flushed(seqs.length - unsendable, bySensor);
  }
}
