// Scenario 2, network faults between the daemon and Mosquitto, through a TCP fault proxy, under
// ~400 readings/s at QoS 1 on one store: clean cuts, a black hole (noticed within 1.5x keepalive),
// resets in the middle of a packet, a bandwidth-limited link, a flapping link. Every accepted seq
// arrives. Then the fleet restart: 100 agents' reconnect schedules from the real ReconnectBackoff.
//
// FAULTS_LINK_SECONDS sets how long the slow and the flapping link last (default 60 s each: the minute).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, startChildAgent, writeConfig, type ChildAgent } from '../helpers/child-agent.js';
import { deliveryFigures, faultConfig, percentile, sleep, startFaultBroker, TOPIC_PREFIX, type FaultBroker, SLOW_START } from './helpers-agent.js';
import { busiestWindowShare, firstReconnects, seededRandom } from './helpers-fleet.js';
import { recordResult } from '../helpers/results.js';

const LINK_MS = Number(process.env.FAULTS_LINK_SECONDS ?? 60) * 1000;
const KEEPALIVE_MS = 2000;

describe('fault scenario 2: network faults', () => {
  let broker: FaultBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;
  let agent: ChildAgent;

  beforeAll(async () => {
    broker = await startFaultBroker();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/load`);
    const dir = await agentFolder('faults-network-');
    agent = await startChildAgent(await writeConfig(dir, faultConfig({ brokerUrl: proxy.url, dir, keepalive: '2s' })), SLOW_START);
    await agent.waitForStatus((status) => status.mqtt.connected, 30_000, 'the first connection');
  });

  afterAll(async () => {
    await cleanupChildAgents();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
  });

  const connected = (timeoutMs = 15_000): Promise<unknown> => agent.waitForStatus((status) => status.mqtt.connected, timeoutMs, 'a connection');

  /** Restores the link, waits for the backlog to drain and every seq to arrive; the figures so far. */
  async function settle(): Promise<ReturnType<typeof deliveryFigures> & { reconnects: number }> {
    proxy.throttle(null);
    proxy.restore();
    const drained = await agent.waitForStatus((status) => status.mqtt.connected && status.buffer.backlog < 200, 60_000, 'the backlog drained');
    await subscriber.waitForAll(drained.buffer.lastSeq, 30_000).catch(() => undefined);
    return { ...deliveryFigures(subscriber, drained.buffer.lastSeq), reconnects: drained.mqtt.reconnects };
  }

  it('loses nothing across 10 clean cuts', async () => {
    const before = (await agent.status()).mqtt.reconnects;
    for (let cut = 0; cut < 10; cut += 1) {
      await sleep(500 + Math.random() * 500);
      proxy.cut();
      await sleep(300 + Math.random() * 500);
      proxy.restore();
      await connected();
    }
    const figures = await settle();
    recordResult({ scenario: 'network-cuts', promise: 'A cut link loses no accepted reading: everything unacknowledged is resent after the reconnect.', ok: figures.lost === 0, ...figures, cuts: 10, reconnects: figures.reconnects - before });
    expect(figures.missingSample).toEqual([]);
  });

  it('notices a black hole within 1.5x keepalive and loses nothing', async () => {
    const detectionMs: number[] = [];
    for (let hole = 0; hole < 5; hole += 1) {
      await connected();
      await sleep(500 + Math.random() * 1500);
      const start = Date.now();
      proxy.blackhole();
      await agent.waitForStatus((status) => !status.mqtt.connected, 10_000, 'the black hole noticed');
      detectionMs.push(Date.now() - start);
      proxy.restore();
    }
    const figures = await settle();
    const ok = figures.lost === 0 && Math.max(...detectionMs) <= 1.5 * KEEPALIVE_MS;
    recordResult({ scenario: 'network-blackhole', promise: 'A link that silently stops answering is noticed within 1.5x keepalive, and nothing accepted is lost.', ok, ...figures, keepaliveMs: KEEPALIVE_MS, blackholes: 5, detectionMs, detectionMsMax: Math.max(...detectionMs) });
    expect(figures.missingSample).toEqual([]);
    expect(Math.max(...detectionMs)).toBeLessThanOrEqual(1.5 * KEEPALIVE_MS);
  });

  it('loses nothing across 20 resets in the middle of a packet', async () => {
    let split = 0;
    for (let reset = 0; reset < 20; reset += 1) {
      await connected();
      await sleep(200 + Math.random() * 500);
      if (await proxy.reset()) split += 1;
    }
    const figures = await settle();
    recordResult({ scenario: 'network-resets', promise: 'A connection reset in the middle of a packet loses no accepted reading.', ok: figures.lost === 0, ...figures, resets: 20, resetsMidPacket: split });
    expect(figures.missingSample).toEqual([]);
    expect(split).toBeGreaterThan(10);
    // Resets are the network's: they never read as a cloned client id (some resets end the stream cleanly).
    expect((await agent.status()).mqtt.takeover).toBeNull();
  });

  it(`loses nothing over a bandwidth-limited link (${LINK_MS / 1000} s)`, async () => {
    const bytesPerSecond = 16_000;
    const before = await agent.status();
    const bytesBefore = proxy.bytesUp;
    proxy.throttle(bytesPerSecond);
    const start = Date.now();
    let maxBacklog = 0;
    while (Date.now() - start < LINK_MS) {
      maxBacklog = Math.max(maxBacklog, (await agent.status()).buffer.backlog);
      await sleep(500);
    }
    const during = await agent.status();
    const upBytesPerSecond = Math.round(((proxy.bytesUp - bytesBefore) * 1000) / (Date.now() - start));
    const publishedPerSecond = Math.round(((during.mqtt.published - before.mqtt.published) * 1000) / (Date.now() - start));
    const figures = await settle();
    recordResult({
      scenario: 'network-slow-link',
      promise: 'A link slower than the sampling rate loses nothing: the backlog waits in the buffer and drains when the link recovers.',
      ok: figures.lost === 0,
      ...figures,
      linkSeconds: LINK_MS / 1000,
      linkBytesPerSecond: bytesPerSecond,
      measuredUpBytesPerSecond: upBytesPerSecond,
      publishedPerSecondOnSlowLink: publishedPerSecond,
      maxBacklog,
      reconnectsDuring: during.mqtt.reconnects - before.mqtt.reconnects,
    });
    expect(figures.missingSample).toEqual([]);
  });

  it(`loses nothing over a link flapping every few seconds (${LINK_MS / 1000} s)`, async () => {
    const before = await agent.status();
    const start = Date.now();
    let flaps = 0;
    while (Date.now() - start < LINK_MS) {
      await sleep(1000 + Math.random() * 2000);
      proxy.cut();
      flaps += 1;
      await sleep(300 + Math.random() * 1200);
      proxy.restore();
    }
    const figures = await settle();
    recordResult({ scenario: 'network-flapping', promise: 'A link that flaps every few seconds loses no accepted reading.', ok: figures.lost === 0, ...figures, linkSeconds: LINK_MS / 1000, flaps, reconnects: figures.reconnects - before.mqtt.reconnects });
    expect(figures.missingSample).toEqual([]);
  });

  it('spreads 100 agents restarted together: no one-second window holds more than 20% of the first reconnects', () => {
    const options = { minMs: 1000, maxMs: 60_000 }; // the config defaults (mqtt.reconnect.min/max)
    const trials = 200;
    const byDowntime: Record<string, unknown> = {};
    const shares: Record<number, number[]> = {};
    for (const brokerDownMs of [0, 5000, 30_000]) {
      const trialShares: number[] = [];
      const latencies: number[] = [];
      for (let seed = 1; seed <= trials; seed += 1) {
        const times = firstReconnects(100, brokerDownMs, options, seededRandom(seed));
        trialShares.push(busiestWindowShare(times));
        latencies.push(...times.map((time) => time - brokerDownMs));
      }
      shares[brokerDownMs] = trialShares;
      byDowntime[`brokerDown${brokerDownMs / 1000}s`] = {
        busiestSecondShareTrial1: trialShares[0],
        busiestSecondShareMedian: percentile(trialShares, 50),
        busiestSecondShareWorst: Math.max(...trialShares),
        trialsWithin20Percent: trialShares.filter((share) => share <= 0.2).length / trials,
        reconnectAfterBrokerBackMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies) },
      };
    }
    const ok = Object.values(shares).every((trialShares) => trialShares[0]! <= 0.2 && trialShares.filter((share) => share <= 0.2).length >= 0.95 * trials);
    recordResult({
      scenario: 'fleet-reconnect',
      promise: '100 agents that lost the broker together spread their first reconnects: no one-second window holds more than 20% of them.',
      ok,
      accepted: null,
      delivered: null,
      lost: null,
      duplicates: null,
      simulated: 'ReconnectBackoff (src/mqtt/backoff.ts) delays, defaults 1s/60s; broker down D s, first reconnect = first attempt at or after D',
      agents: 100,
      trials,
      ...byDowntime,
    });
    expect(ok).toBe(true);
  });
});
