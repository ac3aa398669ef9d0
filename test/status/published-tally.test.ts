// Per-sensor published counts, told by the seqs the publisher acks back to the buffer.
import { describe, expect, it } from 'vitest';
import type { StoredReading } from '../../src/buffer/types.js';
import type { ReadingSource } from '../../src/mqtt/publisher.js';
import { maxRememberedSeqs, tallyPublished } from '../../src/status/published-tally.js';

function fakeSource(readings: StoredReading[]): ReadingSource & { acked: number[] } {
  const acked: number[] = [];
  return {
    acked,
    readFrom: async (afterSeq, limit) => readings.filter((reading) => reading.seq > afterSeq).slice(0, limit),
    ack: async (seqs) => void acked.push(...seqs),
    on: () => undefined,
    off: () => undefined,
    stats: () => ({ dropped: 0 }),
  };
}

const reading = (seq: number, sensor: string): StoredReading => ({ seq, sensor, ts: seq, values: { value: seq } });

describe('tallyPublished', () => {
  it('reports acked readings per sensor, passing everything through to the buffer', async () => {
    const source = fakeSource([reading(1, 'a'), reading(2, 'b'), reading(3, 'a')]);
    const counts: Array<[string, number]> = [];
    const tallied = tallyPublished(source, (sensor, count) => counts.push([sensor, count]));
    expect(await tallied.readFrom(0, 10)).toHaveLength(3);
    await tallied.ack([1, 3]);
    await tallied.ack([2]);
    await tallied.ack([2]); // acked twice (a duplicate after a reconnect) is counted once
    expect(source.acked).toEqual([1, 3, 2, 2]);
    expect(counts).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(tallied.stats()).toEqual({ dropped: 0 });
  });

  it('forgets the oldest seqs beyond its bound', async () => {
    const many = Array.from({ length: maxRememberedSeqs + 10 }, (_, index) => reading(index + 1, 's'));
    let published = 0;
    const tallied = tallyPublished(fakeSource(many), (_sensor, count) => (published += count));
    await tallied.readFrom(0, many.length);
    await tallied.ack([1, maxRememberedSeqs + 10]);
    expect(published).toBe(1);
  });
});
