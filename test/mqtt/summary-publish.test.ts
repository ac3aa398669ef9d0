// store.overflow: downsample through the publisher and a real broker: after an outage that
// overflowed the buffer into summaries, every seq arrives as a reading or inside a summary's
// range, singly and in batches (mqtt.batch), and the buffer empties.
import { afterEach, describe, expect } from 'vitest';
import { mqttTest } from '../helpers/mqtt-fixtures.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { startPublisherRig, until, type PublisherRig } from '../helpers/publisher-rig.js';
import { untilValue } from '../helpers/poll.js';
import type { RawSubscriber } from '../helpers/raw-subscriber.js';

describe('summaries on the wire', () => {
  const it = mqttTest;
  let proxy: TcpProxy;
  let subscriber: RawSubscriber;
  let rig: PublisherRig | null = null;

  it.beforeEach(({ proxy: linked, rawSubscriber }) => {
    proxy = linked;
    subscriber = rawSubscriber;
  });

  /** Seqs 1..lastSeq that arrived neither as a reading nor inside a summary's range. */
  const uncoveredSeqs = (lastSeq: number): number[] => {
    const readings = new Set(subscriber.seqs());
    const ranges = subscriber.messages.flatMap((message) => message.summaries);
    return Array.from({ length: lastSeq }, (_, i) => i + 1).filter((seq) => !readings.has(seq) && !ranges.some(([first, last]) => seq >= first && seq <= last));
  };

  /** An empty backlog means acknowledged (or written, QoS 0): the broker may still be delivering the last ones. */
  const allArrived = (lastSeq: number): Promise<unknown> =>
    untilValue(() => uncoveredSeqs(lastSeq), (uncovered) => uncovered.length === 0, 5_000, 'every seq at the subscriber').catch(() => undefined);

  afterEach(async () => {
    await rig?.stop();
    rig = null;
  });

  it.each([
    ['one per message', undefined],
    ['in batches', { maxReadings: 20, maxDelayMs: 100 }],
  ] as const)('delivers every seq as a reading or inside a summary after an overflowing outage (%s)', async (_, batch) => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, overflow: 'downsample', maxBytes: 16_000, sensors: [{ id: 'a' }, { id: 'b' }], ...(batch ? { batch } : {}) });
    await rig.waitConnected();
    proxy.cut();
    await until(() => !rig!.connection.isConnected, 10_000, 'the publisher to notice the cut');
    let lastSeq = 0;
    for (let round = 0; round < 40; round++) {
      lastSeq = Math.max(lastSeq, await rig.appendBurst(40, 'a'), await rig.appendBurst(10, 'b'));
      await rig.buffer.downsampled();
    }
    const offline = rig.buffer.stats();
    expect(offline.summaries).toBeGreaterThan(0);
    expect(offline.bytes).toBeLessThanOrEqual(16_000);
    proxy.restore();
    await until(() => rig!.buffer.stats().backlog === 0, 20_000, 'an empty backlog');
    await allArrived(lastSeq);
    expect(uncoveredSeqs(lastSeq)).toEqual([]);
    const summaryMessages = subscriber.messages.filter((message) => message.summaries.length > 0);
    expect(summaryMessages.length).toBeGreaterThan(0);
    if (batch) expect(summaryMessages.some((message) => message.summaries.length > 1 && 'seq0' in message.body)).toBe(true);
    else expect(summaryMessages.every((message) => Array.isArray(message.body.seq))).toBe(true);
    // Each message holds one sensor's summaries, and never a reading beside them.
    for (const message of summaryMessages) expect(message.seqs).toEqual([]);
    expect(rig.buffer.stats()).toMatchObject({ summaries: 0, summarized: 0, summarizedRange: null });
  });
  it('drains every high reading before any normal reading or summary after an overflowing outage (priority high with downsample)', async () => {
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1, overflow: 'downsample', maxBytes: 16_000, sensors: [{ id: 'a' }, { id: 'alarm' }] });
    await rig.waitConnected();
    proxy.cut();
    await until(() => !rig!.connection.isConnected, 10_000, 'the publisher to notice the cut');
    let lastSeq = 0;
    const highs: number[] = [];
    for (let round = 0; round < 40; round++) {
      lastSeq = Math.max(lastSeq, await rig.appendBurst(40, 'a'));
      const high = await rig.appendBurst(1, 'alarm', true);
      highs.push(high);
      lastSeq = Math.max(lastSeq, high);
      await rig.buffer.downsampled();
    }
    const offline = rig.buffer.stats();
    expect(offline).toMatchObject({ highBacklog: highs.length, droppedHigh: 0 });
    expect(offline.summaries).toBeGreaterThan(0);
    expect(offline.bytes).toBeLessThanOrEqual(16_000);
    proxy.restore();
    await until(() => rig!.buffer.stats().backlog === 0, 20_000, 'an empty backlog');
    await allArrived(lastSeq);
    const messages = subscriber.messages;
    const highSet = new Set(highs);
    const isHigh = (message: (typeof messages)[number]): boolean => message.seqs.length > 0 && message.seqs.every((seq) => highSet.has(seq));
    // Every high reading arrived whole, as a reading, before the first normal reading or summary.
    expect(messages.filter(isHigh).flatMap((message) => message.seqs)).toEqual(highs);
    expect(messages.findIndex((message) => !isHigh(message))).toBe(highs.length);
    // High readings are never summarized.
    expect(messages.filter((message) => message.summaries.length > 0).every((message) => message.topic === 'sensors/test/a')).toBe(true);
    expect(uncoveredSeqs(lastSeq)).toEqual([]);
    expect(rig.buffer.stats()).toMatchObject({ highBacklog: 0, droppedHigh: 0, summaries: 0 });
  });
});
