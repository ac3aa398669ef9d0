// The publish side of the buffer's contract (design.md, "The buffer's promises" 2 and 3), as one
// suite that runs against every queue the publisher can drain: the LevelDB buffer and the
// in-memory queue of test/helpers/memory-queue.ts (queue-contract.test.ts runs both).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/buffer/index.js';
import type { PublishSource } from '../../src/mqtt/publisher.js';

export interface ContractQueue {
  source: PublishSource;
  append(reading: Reading): Promise<{ seq: number } | null>;
  backlog(): number;
  close(): Promise<void>;
}

const reading = (i: number, sensor = 'probe'): Reading => ({ sensor, ts: 1_764_000_000_000 + i * 1000, values: { value: i } });

async function appendMany(queue: ContractQueue, count: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) seqs.push((await queue.append(reading(i)))!.seq);
  return seqs;
}

export function describeQueueContract(name: string, make: () => Promise<ContractQueue>): void {
  describe(`the publish-side queue contract: ${name}`, () => {
    let queue: ContractQueue;
    beforeEach(async () => void (queue = await make()));
    afterEach(async () => queue.close());

    it('hands out strictly increasing seqs and says the last one in stats', async () => {
      const seqs = await appendMany(queue, 5);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(5);
      expect(queue.source.stats().lastSeq).toBe(seqs[4]);
    });

    it('reads in seq order after a cursor, within a limit and up to a seq', async () => {
      const seqs = await appendMany(queue, 10);
      const reader = queue.source.openReader();
      expect((await reader.readRaw(0, 3)).map((r) => r.seq)).toEqual(seqs.slice(0, 3));
      expect((await reader.readRaw(seqs[2]!, 100, seqs[6])).map((r) => r.seq)).toEqual(seqs.slice(3, 7));
      expect(await reader.readRaw(seqs[9]!, 100)).toEqual([]);
      const first = (await reader.readRaw(0, 1))[0]!;
      expect({ sensor: first.sensor, ts: JSON.parse(first.tsJson) as number, v: JSON.parse(first.valuesJson) as unknown }).toEqual({ sensor: 'probe', ts: reading(0).ts, v: { value: 0 } });
      reader.close();
    });

    it('announces each appended reading', async () => {
      let appended = 0;
      const listener = (): void => void appended++;
      queue.source.on('appended', listener);
      await appendMany(queue, 3);
      queue.source.off('appended', listener);
      await appendMany(queue, 1);
      expect(appended).toBe(3);
    });

    it('deletes what is acked, and only that: the rest is read again by the next reader', async () => {
      const seqs = await appendMany(queue, 6);
      const reader = queue.source.openReader();
      const read = await reader.readRaw(0, 6);
      await reader.ack([read[0]!.seq, read[2]!.seq]);
      reader.close();
      const next = queue.source.openReader();
      expect((await next.readRaw(0, 100)).map((r) => r.seq)).toEqual([seqs[1], seqs[3], seqs[4], seqs[5]]);
      expect(queue.backlog()).toBe(4);
      next.close();
    });

    it('ignores acks of unknown and already acked seqs', async () => {
      const seqs = await appendMany(queue, 3);
      const reader = queue.source.openReader();
      await reader.readRaw(0, 3);
      await reader.ack([seqs[0]!, seqs[0]!, 99_999]);
      await reader.ack([seqs[0]!]);
      expect(queue.backlog()).toBe(2);
      reader.close();
    });

    it('still deletes through a reader closed after its link went down (acks that arrived in time)', async () => {
      const seqs = await appendMany(queue, 4);
      const reader = queue.source.openReader();
      await reader.readRaw(0, 4);
      reader.close();
      await reader.ack(seqs.slice(0, 2));
      expect(queue.backlog()).toBe(2);
      await queue.source.ack(seqs.slice(2));
      expect(queue.backlog()).toBe(0);
    });
  });
}
