// mqtt.batch: readings of one sensor collected into one message until the batch is full or its
// first reading has waited maxDelay. A batch is acked, and deleted from the buffer, as a unit.
// A batch never mixes epochs (its payload has one `epoch`), nor time qualities (one `clock`): a
// reading of another epoch or quality closes it. Nor summaries and readings (store.overflow:
// downsample): they have different forms (summary-payloads.ts).
import type { RawReading } from '../buffer/index.js';

export interface BatchOptions {
  maxReadings: number;
  maxDelayMs: number;
}

interface OpenBatch {
  sensor: string;
  readings: RawReading[];
  timer: NodeJS.Timeout | null;
}

/** The batches being filled for one stream of readings (per sensor), handing closed ones to `ready`. */
export class OpenBatches {
  private readonly open = new Map<string, OpenBatch>();

  constructor(
    private readonly options: BatchOptions,
    private readonly ready: (readings: RawReading[]) => void,
  ) {}

  get isEmpty(): boolean {
    return this.open.size === 0;
  }

  add(reading: RawReading): void {
    let batch = this.open.get(reading.sensor);
    const first = batch?.readings[0];
    if (batch !== undefined && ((first!.epoch ?? 0) !== (reading.epoch ?? 0) || first!.time !== reading.time || (first!.summary === undefined) !== (reading.summary === undefined))) {
      this.close(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { sensor: reading.sensor, readings: [], timer: null };
      this.open.set(reading.sensor, batch);
      const opened = batch;
      batch.timer = setTimeout(() => this.close(opened), this.options.maxDelayMs);
    }
    batch.readings.push(reading);
    if (batch.readings.length >= this.options.maxReadings) this.close(batch);
  }

  /** Closes every batch now (the backlog is read to its end, or the publisher stops). */
  closeAll(): void {
    for (const batch of [...this.open.values()]) this.close(batch);
  }

  /** Forgets every batch (the connection is gone: the readings are still in the buffer). */
  discard(): void {
    for (const batch of this.open.values()) if (batch.timer !== null) clearTimeout(batch.timer);
    this.open.clear();
  }

  private close(batch: OpenBatch): void {
    if (this.open.get(batch.sensor) !== batch) return;
    if (batch.timer !== null) clearTimeout(batch.timer);
    this.open.delete(batch.sensor);
    this.ready(batch.readings);
  }
}
