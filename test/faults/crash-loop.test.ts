// Scenario 1, crash loop: the built daemon under ~400 readings/s at QoS 1 is SIGKILLed at random
// moments (starting, sampling, committing, publishing, draining a backlog) 100 times (1,000 with
// FAULTS_LONG=1), restarted on the same store after each, while the broker is reachable for some
// runs and not for others. Every accepted seq must reach the subscriber; duplicates stay within
// the in-flight window per crash; seqs are never reused for a different reading.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { deliveryFigures, faultConfig, percentile, sleep, startFaultBroker, TOPIC_PREFIX, type FaultBroker, SLOW_START } from './helpers-agent.js';
import { recordResult } from '../helpers/results.js';

const CRASHES = process.env.FAULTS_LONG === '1' ? 1000 : 100;
const MAX_INFLIGHT = 64;
/**
 * Acks are deleted from the buffer in one write per 10 ms (or at once past 512): a kill -9 can also
 * resend what the broker acknowledged in the last flush window. Bound: the window plus one flush.
 */
const ACK_FLUSH_MAX = 512;

describe('fault scenario 1: crash loop', () => {
  let broker: FaultBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;
  const arrivals: Array<{ seq: number; at: number; body: string }> = [];

  beforeAll(async () => {
    broker = await startFaultBroker();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/load`);
    subscriber.client.on('message', (_topic, payload) => {
      const body = JSON.parse(payload.toString()) as { seq: number; ts: number; v: unknown };
      arrivals.push({ seq: body.seq, at: Date.now(), body: JSON.stringify([body.ts, body.v]) });
    });
  });

  afterAll(async () => {
    await cleanupChildAgents();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
  });

  it(`delivers every accepted seq across ${CRASHES} SIGKILLs at random moments`, async () => {
    const dir = await agentFolder('faults-crash-');
    const configFile = await writeConfig(dir, faultConfig({ brokerUrl: proxy.url, dir, maxInflight: MAX_INFLIGHT }));
    const cycles: Array<{ startedAt: number; brokerUp: boolean; aliveMs: number }> = [];
    let lastSeqSeen = 0;
    let seqRegressions = 0;

    for (let crash = 0; crash < CRASHES; crash += 1) {
      // Broker reachable for 10 runs, away for 5 (refused connections), and so on.
      const brokerUp = crash % 15 < 10;
      if (brokerUp) proxy.restore();
      else proxy.cut();
      const startedAt = Date.now();
      const agent = await startChildAgent(configFile, SLOW_START);
      // Random moments: right at start (recovery, first connect), mid-drain, mid-publish, mid-commit.
      const aliveMs = Math.round(Math.random() * 900);
      await sleep(aliveMs);
      if (crash % 10 === 0) {
        // Now and then look at the status port: lastSeq must only grow across restarts.
        const { buffer } = await agent.status().catch(() => ({ buffer: { lastSeq: lastSeqSeen } }));
        if (buffer.lastSeq < lastSeqSeen) seqRegressions += 1;
        lastSeqSeen = buffer.lastSeq;
      }
      await agent.kill();
      cycles.push({ startedAt, brokerUp, aliveMs });
    }

    // One last run with the broker up drains everything.
    proxy.restore();
    const finalStart = Date.now();
    const agent = await startChildAgent(configFile, SLOW_START);
    const drained = await agent.waitForStatus((status) => status.mqtt.connected && status.buffer.backlog < MAX_INFLIGHT * 2, 120_000, 'the backlog drained');
    const accepted = drained.buffer.lastSeq;
    await subscriber.waitForAll(accepted, 60_000).catch(() => undefined);
    expect(await agent.stop()).toBe(0);

    // Per crash: messages that arrived during a run (until the next start) for seqs already seen.
    const seen = new Set<number>();
    const bodies = new Map<number, string>();
    let conflicting = 0;
    const duplicatesPerRun: number[] = [];
    const firstPublishMs: number[] = [];
    const boundaries = [...cycles.map((cycle) => cycle.startedAt), finalStart, Infinity];
    let run = -1;
    let firstInRun = true;
    for (const arrival of arrivals) {
      while (arrival.at >= boundaries[run + 1]!) {
        run += 1;
        duplicatesPerRun[run] = 0;
        firstInRun = true;
      }
      if (run >= 0 && run < cycles.length && firstInRun && cycles[run]!.brokerUp) firstPublishMs.push(arrival.at - cycles[run]!.startedAt);
      firstInRun = false;
      if (seen.has(arrival.seq)) {
        if (run >= 0) duplicatesPerRun[run] = (duplicatesPerRun[run] ?? 0) + 1;
        if (bodies.get(arrival.seq) !== arrival.body) conflicting += 1;
      }
      seen.add(arrival.seq);
      bodies.set(arrival.seq, arrival.body);
    }
    const figures = deliveryFigures(subscriber, accepted);
    const perCrash = duplicatesPerRun.slice(0, cycles.length).map((count) => count ?? 0);
    const result = {
      // The long run keeps a row of its own in FAULTS.md beside the 100-kill one CI runs.
      scenario: CRASHES === 1000 ? 'crash-loop (1,000 kills, FAULTS_LONG=1)' : 'crash-loop',
      promise: 'Every reading accepted before a kill -9 is delivered after the restart (at least once), with duplicates per crash bounded by the in-flight window plus one ack flush (64 + 512).',
      ok: figures.lost === 0 && conflicting === 0 && seqRegressions === 0 && Math.max(0, ...perCrash) <= MAX_INFLIGHT + ACK_FLUSH_MAX,
      ...figures,
      broker: broker.kind,
      crashes: CRASHES,
      crashesWithBrokerUp: cycles.filter((cycle) => cycle.brokerUp).length,
      readingsPerSecond: 400,
      maxInflight: MAX_INFLIGHT,
      duplicatesPerCrashAvg: Number((figures.duplicates / CRASHES).toFixed(2)),
      duplicatesPerCrashMax: Math.max(0, ...perCrash),
      seqsReusedForDifferentReadings: conflicting,
      lastSeqRegressions: seqRegressions,
      restartToFirstPublishMs: { p50: percentile(firstPublishMs, 50), p95: percentile(firstPublishMs, 95), max: Math.max(...firstPublishMs), samples: firstPublishMs.length },
      durationSeconds: Math.round((Date.now() - cycles[0]!.startedAt) / 1000),
    };
    recordResult(result);
    expect(figures.missingSample).toEqual([]);
    expect(figures.lost).toBe(0);
    expect(conflicting).toBe(0);
    expect(seqRegressions).toBe(0);
    expect(result.duplicatesPerCrashMax).toBeLessThanOrEqual(MAX_INFLIGHT + ACK_FLUSH_MAX);
  }, Math.max(300_000, CRASHES * 3_000)); // a restart and its checks take about 1-2.5 s
});
