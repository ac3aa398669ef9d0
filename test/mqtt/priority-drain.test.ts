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

  it('a high reading appended mid-drain goes out before every normal reading not yet sent, but for one window', async () => {
    // The drain refills freed slots from the normal lane's queued readings without a read (issue 23);
    // a high reading written meanwhile must still go next. Counted on the publishing client's own
    // packet order: at most the one read (one window) under way when it was written goes before it.
    const BACKLOG = 30_000;
    proxy.cut();
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1, sensors: SENSORS, maxInflight: 16 });
    await rig.appendBurst(BACKLOG, 'probe');
    let window = 0;
    rig.publisher.on('limits', (limits) => (window = limits.window));
    /** Publishes in send order: true for a high (alarm) reading. */
    const sent: boolean[] = [];
    let normalsSent = 0;
    const marks: Array<{ seq: number; at: number }> = [];
    rig.buffer.on('appended', (reading) => {
      if (reading.high === true) marks.push({ seq: reading.seq, at: sent.length });
    });
    const appending: Array<Promise<number>> = [];
    const highsAt = [2000, 6000, 10_000, 14_000, 18_000];
    rig.connection.on('up', (client) => {
      client.on('packetsend', (packet) => {
        if (packet.cmd !== 'publish' || (packet.topic !== 'sensors/test/alarm' && packet.topic !== 'sensors/test/probe')) return;
        const high = packet.topic === 'sensors/test/alarm';
        sent.push(high);
        if (high) return;
        normalsSent++;
        if (highsAt.includes(normalsSent)) appending.push(rig!.appendBurst(1, 'alarm', true));
      });
    });
    proxy.restore();
    await until(() => appending.length === highsAt.length && rig!.buffer.stats().backlog === 0, 60_000, 'the whole drain');
    expect(window).toBeGreaterThan(0);
    expect(marks).toHaveLength(highsAt.length);
    let checked = 0;
    for (const mark of marks) {
      const highAt = sent.indexOf(true, mark.at);
      expect(highAt).toBeGreaterThanOrEqual(0);
      const normalsBefore = sent.slice(mark.at, highAt).filter((high) => !high).length;
      expect(normalsBefore).toBeLessThanOrEqual(window);
      // Normal readings still went out after it: the drain was under way, this one was tested.
      if (sent.slice(highAt).some((high) => !high)) checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
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
