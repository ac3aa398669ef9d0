// Issue 21, `outputs[].priority: high`: every confirmed state change of the output is also a
// reading in the buffer's high lane, on `<prefix>/<id>/changes`, so a change made while the link
// is down (the fail-safe) is not lost and arrives before the normal backlog. The whole agent
// in-process against Aedes, the link cut through the TCP proxy, the line simulated.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import mqtt, { type MqttClient } from 'mqtt';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/poll.js';

const PREFIX = 'sensors/out-2';

describe('a high-priority output: its state changes as buffered readings', () => {
  let broker: AedesBroker;
  let proxy: TcpProxy;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;
  let client: MqttClient;
  const messages: Array<{ topic: string; payload: string; retain: boolean }> = [];

  beforeEach(async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    dir = await makeTempDir('state-readings-');
    messages.length = 0;
    client = await mqtt.connectAsync(broker.url, { clean: true, reconnectPeriod: 0, clientId: `test-${Math.random().toString(16).slice(2)}` });
    client.on('message', (topic, payload, packet) => void messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await client.subscribeAsync(`${PREFIX}/#`, { qos: 1 });
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await client.endAsync();
    await proxy.stop();
    await broker.stop();
    await dir.cleanup();
  });

  const changes = (): Array<{ seq: number; level: number }> =>
    messages
      .filter((message) => message.topic === `${PREFIX}/pump/changes`)
      .map((message) => JSON.parse(message.payload) as { seq: number; v: { level: number } })
      .map((body) => ({ seq: body.seq, level: body.v.level }));

  it('buffers a change made while the link is down and drains it before the normal backlog; the state topic stays ON/OFF', async () => {
    const config = parseConfig(
      {
        device: { id: 'out-2' },
        mqtt: { url: proxy.url, reconnect: { min: '100ms', max: '200ms' }, keepalive: '1s' },
        store: { path: 'buffer' },
        status: { listen: '127.0.0.1:0' },
        simulate: { gpio: { '17': { level: 0 } } },
        sensors: [{ id: 'load', driver: 'simulated', interval: '100ms', burst: 5 }],
        outputs: [{ id: 'pump', driver: 'gpio-output', pin: 17, initial: 0, safeState: 0, failsafeAfter: '300ms', priority: 'high' }],
      },
      { env: {}, baseDir: dir.path, hostname: 'test-host' },
    );
    agent = await startAgent(config, pino({ level: 'silent' }));
    await until(() => agent!.hub.snapshot().mqtt.connected, 15_000, 'agent connected');
    await until(() => messages.some((message) => message.topic === `${PREFIX}/pump` && message.payload === 'OFF'), 15_000, 'the initial state published');
    await client.publishAsync(`${PREFIX}/pump/set`, 'ON', { qos: 1 });
    await until(() => changes().some((change) => change.level === 1), 15_000, 'the ON change as a reading');
    await until(() => messages.filter((message) => message.topic === `${PREFIX}/pump`).at(-1)?.payload === 'ON', 15_000, 'the retained ON state');

    proxy.cut();
    // The fail-safe switches the pump off while nothing can be published: only the buffer keeps it.
    await until(() => agent!.hub.snapshot().outputs.find((output) => output.id === 'pump')?.state === 0, 15_000, 'the fail-safe OFF');
    await until(() => agent!.buffer.stats().backlog > 50, 15_000, 'a normal backlog');
    expect(agent!.buffer.stats().highBacklog).toBe(1);
    const arrivedBefore = messages.length;
    proxy.restore();
    await until(() => changes().some((change) => change.level === 0), 15_000, 'the OFF change delivered after the outage');
    await until(() => messages.slice(arrivedBefore).some((message) => message.topic === `${PREFIX}/load`), 15_000, 'the normal backlog');
    const after = messages.slice(arrivedBefore).filter((message) => !message.topic.endsWith('/status'));
    const firstLoad = after.findIndex((message) => message.topic === `${PREFIX}/load`);
    const offChange = after.findIndex((message) => message.topic === `${PREFIX}/pump/changes`);
    expect(offChange).toBeGreaterThanOrEqual(0);
    expect(offChange).toBeLessThan(firstLoad);
    const seqs = changes().map((change) => change.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The page does not list the output as a sensor for its buffered changes.
    expect(agent!.hub.snapshot().sensors.map((sensor) => sensor.id)).toEqual(['load']);
  });
});
