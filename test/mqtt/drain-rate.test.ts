// mqtt.drainRate: the backlog drains within a budget of readings per second while live readings
// go first; nothing is lost and order holds within each of the two.
import { afterEach, describe, expect, it } from 'vitest';
import { DrainBudget } from '../../src/mqtt/drain-budget.js';
import { mqttTest } from '../helpers/mqtt-fixtures.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { startPublisherRig, until, type PublisherRig } from '../helpers/publisher-rig.js';
import type { RawSubscriber } from '../helpers/raw-subscriber.js';
import { missingSeqs } from '../helpers/subscriber.js';

describe('DrainBudget', () => {
  function budget(rate: number, capacity = rate) {
    let nowMs = 0;
    const drain = new DrainBudget(rate, capacity, () => nowMs);
    return { drain, advance: (ms: number) => (nowMs += ms) };
  }

  it('lets the backlog have at most the rate per second after the first burst', () => {
    const { drain, advance } = budget(200);
    let sent = drain.take(1000);
    expect(sent).toBe(200);
    for (let ms = 0; ms < 10_000; ms += 50) {
      advance(50);
      sent += drain.take(1000);
    }
    expect(sent).toBe(200 + 200 * 10);
  });

  it('gives live readings the budget first; the backlog gets what is left', () => {
    const { drain, advance } = budget(100);
    drain.take(1000); // empty
    advance(1000); // 100 saved up
    drain.spend(70); // live readings of that second
    expect(drain.take(1000)).toBe(30);
    advance(1000);
    drain.spend(150); // more live than the budget: they still went, the backlog waits for the debt
    expect(drain.take(1000)).toBe(0);
    expect(drain.msUntil(1)).toBe(510);
  });

  it('waits for a whole chunk and returns what the backlog did not use', () => {
    const { drain, advance } = budget(200, 200);
    expect(drain.take(200)).toBe(200);
    advance(100); // 20 back
    expect(drain.take(50, 50)).toBe(0);
    expect(drain.msUntil(50)).toBe(150);
    advance(150);
    expect(drain.take(50, 50)).toBe(50);
    drain.refund(30);
    expect(drain.take(1000)).toBe(30);
  });
});

describe('live-first draining with aedes', () => {
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

  it('delivers a new reading before the older backlog, and the whole backlog after it, each in seq order', async () => {
    proxy.cut();
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 1, drainRatePerSecond: 400 });
    const backlogLast = await rig.appendBurst(1200);
    proxy.restore();
    await rig.waitConnected();
    await until(() => subscriber.messages.length > 0, 10_000, 'the drain to start');
    const liveLast = await rig.appendBurst(5, 'probe');
    await until(() => missingSeqs(subscriber.seqs(), liveLast).length === 0, 30_000, 'every seq');
    const order = subscriber.seqs();
    const live = order.filter((seq) => seq > backlogLast);
    const backlog = order.filter((seq) => seq <= backlogLast);
    expect(live).toEqual([backlogLast + 1, backlogLast + 2, backlogLast + 3, backlogLast + 4, backlogLast + 5]);
    expect(backlog).toEqual([...backlog].sort((a, b) => a - b));
    // The live readings arrived while most of the backlog was still waiting.
    expect(order.indexOf(backlogLast + 5)).toBeLessThan(order.indexOf(backlogLast));
    await until(() => rig!.buffer.stats().backlog === 0, 10_000, 'an empty backlog');
  });

  it('keeps the backlog drain roughly within the rate (counted per second, generous bounds)', async () => {
    proxy.cut();
    const rate = 300;
    rig = await startPublisherRig({ brokerUrl: proxy.url, qos: 0, drainRatePerSecond: rate });
    const lastSeq = await rig.appendBurst(1500);
    proxy.restore();
    const counts: number[] = [];
    await rig.waitConnected();
    await until(() => subscriber.messages.length > 0, 10_000, 'the drain to start');
    while (missingSeqs(subscriber.seqs(), lastSeq).length > 0) {
      const before = subscriber.messages.length;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      counts.push(subscriber.messages.length - before);
      if (counts.length > 30) break;
    }
    console.log(JSON.stringify({ drainRate: rate, deliveredPerSecond: counts }));
    expect(missingSeqs(subscriber.seqs(), lastSeq)).toEqual([]);
    // A token bucket: one burst of `rate` at the start, then `rate` per second. An unlimited
    // drain of 1500 readings on loopback takes well under a second.
    expect(counts.length).toBeGreaterThanOrEqual(3);
    for (const count of counts) expect(count).toBeLessThanOrEqual(rate * 2 + 50);
  });
});
