// Issue 21: after a reconnect the high-priority backlog drains before any normal one; with
// mqtt.drainRate, live readings of both priorities go before any backlog, high before normal.
// Against Aedes, through the TCP proxy, from a real buffer.
import { afterEach, describe, expect } from 'vitest';
import { mqttTest } from '../helpers/mqtt-fixtures.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { startPublisherRig, until, type PublisherRig } from '../helpers/publisher-rig.js';
import type { RawSubscriber } from '../helpers/raw-subscriber.js';
import { missingSeqs } from '../helpers/subscriber.js';

const SENSORS = [{ id: 'probe' }, { id: 'alarm' }];

/** Appends a backlog of `normal` readings with a high one after every `every`; returns the high seqs and the last seq. */
async function mixedBacklog(rig: PublisherRig, normal: number, every: number): Promise<{ highs: number[]; last: number }> {
  const highs: number[] = [];
  let last = 0;
  for (let done = 0; done < normal; done += every) {
    await rig.appendBurst(every, 'probe');
    last = await rig.appendBurst(1, 'alarm', true);
    highs.push(last);
  }
  return { highs, last };
}

/** Positions in arrival order. */
function positions(order: number[], seqs: Iterable<number>): number[] {
  return [...seqs].map((seq) => order.indexOf(seq));
}

describe('priority draining with aedes', () => {
  const it = mqttTest;
  let proxy: TcpProxy;
  let subscriber: RawSubscriber;
  let rig: PublisherRig | null = null;

  it.beforeEach(({ proxy: linked, rawSubscriber }) => {
    proxy = linked;
    subscriber = rawSubscriber;
  });

  afterEach(async () => {
    await rig?.stop();
    rig = null;
  });

  it('drains every high reading of the outage before any normal one, each lane in seq order', async () => {
    proxy.cut();
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1, sensors: SENSORS });
    const { highs, last } = await mixedBacklog(rig, 600, 20);
    expect(rig.buffer.stats().highBacklog).toBe(highs.length);
    proxy.restore();
    await until(() => missingSeqs(subscriber.seqs(), last).length === 0, 30_000, 'every seq');
    const order = subscriber.seqs();
    const highSet = new Set(highs);
    const arrivedHigh = order.filter((seq) => highSet.has(seq));
    const arrivedNormal = order.filter((seq) => !highSet.has(seq));
    expect(arrivedHigh).toEqual(highs);
    expect(arrivedNormal).toEqual([...arrivedNormal].sort((a, b) => a - b));
    expect(Math.max(...positions(order, highs))).toBeLessThan(order.indexOf(arrivedNormal[0]!));
    // Out of seq order on the wire, one seq sequence all the same: each seq once, none missing.
    expect(new Set(order).size).toBe(last);
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty buffer');
    expect(rig.buffer.stats().highBacklog).toBe(0);
  });

  it('with drainRate: new readings of both priorities before any backlog, high before normal in each', async () => {
    proxy.cut();
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1, sensors: SENSORS, drainRatePerSecond: 300 });
    const { highs, last: backlogLast } = await mixedBacklog(rig, 1200, 30);
    proxy.restore();
    await rig.waitConnected();
    await until(() => subscriber.messages.length > 0, 10_000, 'the drain to start');
    const [liveNormalLast, liveHighLast] = await Promise.all([rig.appendBurst(3, 'probe'), rig.appendBurst(3, 'alarm', true)]);
    const liveLast = Math.max(liveNormalLast, liveHighLast);
    await until(() => missingSeqs(subscriber.seqs(), liveLast).length === 0, 60_000, 'every seq');
    const order = subscriber.seqs();
    const highSet = new Set(highs);
    const backlogNormal = order.filter((seq) => seq <= backlogLast && !highSet.has(seq));
    const liveHigh = [liveHighLast - 2, liveHighLast - 1, liveHighLast];
    const liveNormal = [liveNormalLast - 2, liveNormalLast - 1, liveNormalLast];
    // The high backlog before any normal backlog.
    expect(Math.max(...positions(order, highs))).toBeLessThan(order.indexOf(backlogNormal[0]!));
    // Live readings went while most of the normal backlog still waited, the high ones first.
    expect(Math.max(...positions(order, [...liveHigh, ...liveNormal]))).toBeLessThan(order.indexOf(backlogLast - 1));
    expect(Math.max(...positions(order, liveHigh))).toBeLessThan(Math.min(...positions(order, liveNormal)));
    expect(backlogNormal).toEqual([...backlogNormal].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(liveLast);
  });

  it('batches each lane apart: valid batch payloads, the high ones first', async () => {
    proxy.cut();
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1, sensors: SENSORS, batch: { maxReadings: 25, maxDelayMs: 200 } });
    const { highs, last } = await mixedBacklog(rig, 500, 10);
    proxy.restore();
    await until(() => missingSeqs(subscriber.seqs(), last).length === 0, 30_000, 'every seq');
    const highSet = new Set(highs);
    // The raw subscriber decodes each batch by the documented rules; a batch holds one lane only.
    for (const message of subscriber.messages) {
      const kinds = new Set(message.seqs.map((seq) => highSet.has(seq)));
      expect(kinds.size).toBe(1);
      expect(message.topic).toBe(highSet.has(message.seqs[0]!) ? 'sensors/test/alarm' : 'sensors/test/probe');
    }
    expect(subscriber.messages.some((message) => message.seqs.length > 1)).toBe(true);
    const order = subscriber.seqs();
    expect(Math.max(...positions(order, highs))).toBeLessThan(Math.min(...positions(order, order.filter((seq) => !highSet.has(seq)))));
  });
});
