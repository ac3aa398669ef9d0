// Scenario 4, long outage: the broker is away while ~400 readings/s fill the buffer well past a
// small store.maxBytes (256KB). The buffer stays within its cap, drop-oldest drops exactly the
// oldest seqs and counts each one (accepted - delivered == dropped), and the agent's resident
// memory stays flat while the backlog is at its cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { faultConfig, sleep, startFaultBroker, TOPIC_PREFIX, vmRssKb, type FaultBroker, SLOW_START } from './helpers-agent.js';
import { recordResult } from '../helpers/results.js';

const MAX_BYTES = 256 * 1024;
const OUTAGE_MS = Number(process.env.FAULTS_OUTAGE_SECONDS ?? (process.env.FAULTS_LONG === '1' ? 120 : 30)) * 1000;

describe('fault scenario 4: long outage', () => {
  let broker: FaultBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;

  beforeAll(async () => {
    broker = await startFaultBroker();
    proxy = await startTcpProxy(broker.port);
    subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/load`);
  });

  afterAll(async () => {
    await cleanupChildAgents();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
  });

  it('keeps the buffer within maxBytes, drops exactly the oldest and counts them, with flat memory', async () => {
    const dir = await agentFolder('faults-outage-');
    proxy.cut();
    const configFile = await writeConfig(dir, faultConfig({ brokerUrl: proxy.url, dir, maxBytes: '256KB', overflow: 'drop-oldest' }));
    const agent = await startChildAgent(configFile, SLOW_START);
    const pid = agent.child.pid!;

    let maxBytesSeen = 0;
    let maxBacklog = 0;
    let firstFullAt: number | null = null;
    const rss: Array<{ atSeconds: number; rssKb: number; backlog: number; bytes: number; dropped: number }> = [];
    const outageStart = Date.now();
    while (Date.now() - outageStart < OUTAGE_MS) {
      const { buffer } = await agent.status();
      maxBytesSeen = Math.max(maxBytesSeen, buffer.bytes);
      maxBacklog = Math.max(maxBacklog, buffer.backlog);
      if (firstFullAt === null && buffer.dropped > 0) firstFullAt = Date.now();
      rss.push({ atSeconds: Math.round((Date.now() - outageStart) / 100) / 10, rssKb: vmRssKb(pid) ?? 0, backlog: buffer.backlog, bytes: buffer.bytes, dropped: buffer.dropped });
      await sleep(200);
    }
    const beforeRestore = await agent.status();
    expect(beforeRestore.mqtt.connected).toBe(false);
    expect(beforeRestore.buffer.dropped).toBeGreaterThan(0);

    proxy.restore();
    const drained = await agent.waitForStatus((status) => status.mqtt.connected && status.buffer.backlog < 100, 60_000, 'the backlog drained');
    for (const sample of [drained]) maxBytesSeen = Math.max(maxBytesSeen, sample.buffer.bytes);
    const accepted = drained.buffer.lastSeq;
    const dropped = drained.buffer.dropped;
    // Dropped-oldest: seqs 1..dropped never left the device (nothing was published before the outage).
    await subscriber.waitForAll(0);
    await subscriber.waitFor(() => {
      const received = subscriber.seqs();
      for (let seq = dropped + 1; seq <= accepted; seq += 1) if (!received.has(seq)) return false;
      return true;
    }, 30_000, `seqs ${dropped + 1}..${accepted}`).catch(() => undefined);
    expect(await agent.stop()).toBe(0);

    const received = subscriber.seqs();
    let delivered = 0;
    let droppedButDelivered = 0;
    const missing: number[] = [];
    for (let seq = 1; seq <= accepted; seq += 1) {
      if (received.has(seq)) {
        delivered += 1;
        if (seq <= dropped) droppedButDelivered += 1;
      } else if (seq > dropped) missing.push(seq);
    }
    // A seq neither delivered nor counted as dropped: still in the store (skipped by the publisher:
    // a restart resends it) or gone (lost)? One restart on the same store tells.
    let missingAfterRestart: number[] | null = null;
    if (missing.length > 0) {
      const again = await startChildAgent(configFile, SLOW_START);
      await again.waitForStatus((status) => status.mqtt.connected, 30_000, 'the reconnect').catch(() => undefined);
      await sleep(3000);
      await again.stop();
      const receivedNow = subscriber.seqs();
      missingAfterRestart = missing.filter((seq) => !receivedNow.has(seq));
    }
    // Readings in flight when the buffer filled are never dropped (the broker is about to have
    // them): drop-oldest takes the next-oldest instead. So each such reading delivered from the
    // dropped range is matched by one reading missing just past it, within the in-flight window
    // plus the publisher's read-ahead of its last connection. Nothing else may be missing.
    const KEPT_IN_FLIGHT_MAX = 64 + 512;
    const substituted = missing.filter((seq) => seq <= dropped + KEPT_IN_FLIGHT_MAX).length;
    const lost = accepted - delivered - dropped + (missing.length - substituted);
    const full = rss.filter((sample) => firstFullAt !== null && sample.atSeconds * 1000 + outageStart >= firstFullAt);
    const fullRss = full.map((sample) => sample.rssKb);
    const result = {
      scenario: 'long-outage',
      promise: 'While the broker is away the buffer stays within store.maxBytes, drop-oldest drops the oldest readings (those in flight excepted) and counts every one (accepted - delivered == dropped), and memory stays flat.',
      ok: lost === 0 && substituted === droppedButDelivered && maxBytesSeen <= MAX_BYTES,
      accepted,
      delivered,
      lost,
      keptInFlightInsteadOfDropped: droppedButDelivered,
      duplicates: subscriber.readings.length - received.size,
      dropped,
      acceptedMinusDeliveredMinusDropped: accepted - delivered - dropped,
      droppedButDelivered,
      missingSample: missing.slice(0, 20),
      missingAfterRestart: missingAfterRestart?.slice(0, 20) ?? null,
      broker: broker.kind,
      outageSeconds: OUTAGE_MS / 1000,
      maxBytes: MAX_BYTES,
      maxBufferBytesSeen: maxBytesSeen,
      maxBacklog,
      secondsUntilFull: firstFullAt === null ? null : Math.round((firstFullAt - outageStart) / 100) / 10,
      rssKbWhileFull: { first: fullRss[0] ?? null, min: Math.min(...fullRss), max: Math.max(...fullRss), last: fullRss.at(-1) ?? null },
      rssKbOverTime: rss.filter((_, index) => index % 10 === 0).map((sample) => [sample.atSeconds, sample.rssKb, sample.backlog]),
    };
    recordResult(result);
    expect(maxBytesSeen).toBeLessThanOrEqual(MAX_BYTES);
    expect(accepted - delivered).toBe(dropped);
    expect(lost).toBe(0);
    expect(substituted).toBe(droppedButDelivered);
    expect(droppedButDelivered).toBeLessThanOrEqual(KEPT_IN_FLIGHT_MAX);
    // Flat: while the backlog sits at the cap RSS saw-tooths with V8's and LevelDB's caches (a
    // 100 s run: 85-124 MB, plateau at ~124 MB), but never climbs past 1.5x its level at the cap.
    expect(result.rssKbWhileFull.max).toBeLessThan(1.5 * (result.rssKbWhileFull.first ?? Infinity));
  });
});
