// Scenario 3, broker restarts: Mosquitto is stopped and started 20 times while the daemon publishes
// ~400 readings/s at QoS 1, once without and once with Mosquitto's persistence. Every accepted seq
// arrives, and after each restart the birth message is published again and the retained status on
// the broker says online (a subscriber arriving then is told the device is online).
//
// The subscriber connects straight to the broker; the agent connects through a TCP proxy that stays
// closed from just before each stop until the subscriber has subscribed again. Without that gate,
// readings the restarted broker accepted (PUBACK) before the subscriber was back would be counted
// as lost although the agent did its part: a broker without persistence forgets subscriptions.
// The gate also stays closed until the agent has found it closed once (a refused connect), as it
// finds a restarting broker: a link cut cleanly within seconds of each of 3 connects, with every
// reconnect getting in at once, is what a cloned client id looks like (src/mqtt/takeover-guard.ts),
// and a 100-300 ms retry can otherwise miss a restart this quick.
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { deliveryFigures, faultConfig, sleep, startFaultBroker, STATUS_TOPIC, TOPIC_PREFIX, type FaultBroker, SLOW_START } from './helpers-agent.js';
import { recordResult } from '../helpers/results.js';

const RESTARTS = 20;

/** The retained status a newly arriving subscriber gets, or null within `timeoutMs`. */
async function retainedStatus(url: string, timeoutMs = 3000): Promise<Record<string, unknown> | null> {
  const client = await mqtt.connectAsync(url, { clientId: `retained-probe-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  try {
    const message = new Promise<Record<string, unknown> | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      client.on('message', (_topic, payload, packet) => {
        if (!packet.retain) return;
        clearTimeout(timer);
        resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
      });
    });
    await client.subscribeAsync(STATUS_TOPIC, { qos: 1 });
    return await message;
  } finally {
    await client.endAsync(true);
  }
}

describe('fault scenario 3: broker restarts', () => {
  let broker: FaultBroker | null = null;
  let proxy: TcpProxy | null = null;
  let subscriber: Subscriber | null = null;

  afterEach(async () => {
    await cleanupChildAgents();
    await subscriber?.stop();
    await proxy?.stop();
    await broker?.stop();
    subscriber = null;
    proxy = null;
    broker = null;
  });

  it.each([false, true])(`delivers every seq and republishes the birth across ${RESTARTS} broker restarts (persistence %s)`, async (persistence) => {
    broker = await startFaultBroker({ persistence });
    proxy = await startTcpProxy(broker.port);
    const sub = (subscriber = await startSubscriber(broker.url, `${TOPIC_PREFIX}/#`));
    const gate = proxy;
    const dir = await agentFolder('faults-broker-');
    const agent = await startChildAgent(await writeConfig(dir, faultConfig({ brokerUrl: proxy.url, dir })), SLOW_START);
    await sub.waitFor(() => sub.statuses.some((status) => status.state === 'online'), 30_000, 'the first birth message');

    const birthMs: number[] = [];
    let birthsRight = 0;
    let retainedOnline = 0;
    const retainedSeen: string[] = [];
    const started = Date.now();
    for (let restart = 0; restart < RESTARTS; restart += 1) {
      await sleep(300 + Math.random() * 500);
      const birthsBefore = sub.statuses.length;
      const refusedBefore = gate.refused;
      gate.cut();
      await broker.restart();
      // The subscriber is back (MQTT.js reconnects it) and subscribed before the agent may return.
      await sub.waitFor(() => sub.client.connected, 30_000, 'the subscriber reconnected');
      await sub.client.subscribeAsync(`${TOPIC_PREFIX}/#`, { qos: 2 });
      await sub.waitFor(() => gate.refused > refusedBefore, 10_000, `a refused reconnect during restart ${restart + 1}`);
      const reopenedAt = Date.now();
      gate.restore();
      await sub.waitFor(() => sub.statuses.slice(birthsBefore).some((status) => status.state === 'online'), 30_000, `the birth message after restart ${restart + 1}`);
      birthMs.push(Date.now() - reopenedAt);
      const birth = sub.statuses.slice(birthsBefore).find((status) => status.state === 'online')!;
      if (typeof birth.version === 'string' && typeof birth.dropped === 'number') birthsRight += 1;
      const retained = await retainedStatus(broker.url);
      retainedSeen.push(String(retained?.state));
      if (retained?.state === 'online') retainedOnline += 1;
    }

    const drained = await agent.waitForStatus((status) => status.mqtt.connected && status.buffer.backlog < 200, 30_000, 'the backlog drained');
    const accepted = drained.buffer.lastSeq;
    await sub.waitForAll(accepted, 30_000).catch(() => undefined);
    const reconnects = drained.mqtt.reconnects;
    expect(await agent.stop()).toBe(0);

    const figures = deliveryFigures(sub, accepted);
    birthMs.sort((a, b) => a - b);
    recordResult({
      scenario: persistence ? 'broker-restarts-persistent' : 'broker-restarts',
      promise: `Across ${RESTARTS} Mosquitto restarts under load (${persistence ? 'with' : 'without'} broker persistence) every accepted reading arrives, and after each restart the birth message is published and the retained status is online.`,
      ok: figures.lost === 0 && birthsRight === RESTARTS && retainedOnline === RESTARTS,
      ...figures,
      broker: broker.kind,
      persistence,
      restarts: RESTARTS,
      agentReconnects: reconnects,
      birthMessagesRight: birthsRight,
      retainedOnlineAfterRestart: retainedOnline,
      reopenToBirthMs: { p50: birthMs[Math.floor(birthMs.length / 2)], max: birthMs.at(-1) },
      durationSeconds: Math.round((Date.now() - started) / 1000),
    });
    expect(figures.missingSample).toEqual([]);
    expect(figures.lost).toBe(0);
    expect(birthsRight).toBe(RESTARTS);
    expect(retainedSeen).toEqual(Array(RESTARTS).fill('online'));
    expect(reconnects).toBeGreaterThanOrEqual(RESTARTS);
  });
});
