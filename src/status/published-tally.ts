// Counts published readings per sensor for /metrics and the page, without the publisher knowing:
// a pass-through in front of the buffer that remembers which sensor each read seq belongs to and
// reports them when the publisher acks those seqs back (after the broker acknowledged them).
import type { StoredReading } from '../buffer/types.js';
import type { ReadingSource } from '../mqtt/publisher.js';

/**
 * Seqs remembered at most: the in-flight window is far smaller; readings read but never acked
 * (evicted by overflow while in flight) would otherwise stay forever.
 */
export const maxRememberedSeqs = 65_536;

export function tallyPublished(source: ReadingSource, onPublished: (sensor: string, count: number) => void): ReadingSource {
  const sensorOf = new Map<number, string>();
  return {
    async readFrom(afterSeq: number, limit: number): Promise<StoredReading[]> {
      const readings = await source.readFrom(afterSeq, limit);
      for (const reading of readings) {
        sensorOf.delete(reading.seq); // re-read after a reconnect: move it to the newest end
        sensorOf.set(reading.seq, reading.sensor);
      }
      for (const seq of sensorOf.keys()) {
        if (sensorOf.size <= maxRememberedSeqs) break;
        sensorOf.delete(seq);
      }
      return readings;
    },
    async ack(seqs: readonly number[]): Promise<void> {
      await source.ack(seqs);
      const counts = new Map<string, number>();
      for (const seq of seqs) {
        const sensor = sensorOf.get(seq);
        if (sensor === undefined) continue;
        sensorOf.delete(seq);
        counts.set(sensor, (counts.get(sensor) ?? 0) + 1);
      }
      for (const [sensor, count] of counts) onPublished(sensor, count);
    },
    on: (event, listener) => source.on(event, listener),
    off: (event, listener) => source.off(event, listener),
    stats: () => source.stats(),
  };
}
