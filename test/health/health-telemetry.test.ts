// Health telemetry (issue 22) in the whole agent, in-process, against a real broker (Aedes) behind
// the TCP fault proxy: the retained `<topicPrefix>/health` message's fields, sent at connect,
// every mqtt.healthInterval and on a change of state (a 1-Wire probe whose file disappears and
// comes back, the clock getting synchronized), never while the link is down and fresh after it, never from the buffer's backlog;
// `off` sends none.
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { decodeHealth, type HealthMessage } from '../../src/health/health-message.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { silentLog } from '../helpers/publisher-rig.js';
import { FakeClockSource } from '../helpers/fake-clock.js';
import { until } from '../helpers/poll.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';

const W1_GOOD = fileURLToPath(new URL('../fixtures/sysfs/w1/good', import.meta.url));
const PROBE = '28-0316a2790dff';
const TOPIC = 'sensors/bench-1/health';

describe('health telemetry in the agent', () => {
  let broker: AedesBroker;
  let proxy: TcpProxy;
  let subscriber: Subscriber;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;

  const config = (mqttOverrides: Record<string, unknown>, sensors: unknown[], outputs: unknown[] = []) =>
    parseConfig(
      {
        device: { id: 'bench-1' },
        mqtt: { url: proxy.url, reconnect: { min: '100ms', max: '200ms' }, ...mqttOverrides },
        store: { path: 'buffer' },
        status: { listen: 'off' },
        hardware: { oneWireRoot: join(dir.path, 'w1') },
        sensors,
        outputs,
        simulate: { gpio: { '17': { level: 0 } } },
      },
      { env: {}, baseDir: dir.path, hostname: 'test-host' },
    );
  const counter = { id: 'greenhouse', driver: 'simulated', interval: '50ms', signal: 'counter', decimals: 0 };
  const probe = { id: 'probe', driver: 'ds18b20', deviceId: PROBE, interval: '100ms' };
  // Decoded as the fleet view decodes them: a message the decoder refuses fails the test.
  const healths = (): HealthMessage[] => subscriber.healths.map((body) => {
    const decoded = decodeHealth(JSON.stringify(body));
    if ('error' in decoded) throw new Error(decoded.error);
    return decoded.message;
  });
  const last = (): HealthMessage | undefined => healths().at(-1);

  beforeEach(async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    dir = await makeTempDir('health-telemetry-');
    await cp(W1_GOOD, join(dir.path, 'w1'), { recursive: true });
    subscriber = await startSubscriber(broker.url, 'sensors/bench-1/#');
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await subscriber.stop();
    await proxy.stop();
    await broker.stop();
    await dir.cleanup();
  });

  it('publishes a retained message with every documented field at connect, which the decoder reads back', async () => {
    // The output publishes its state (not JSON) under the prefix too: this one listens to the health topic only.
    await subscriber.stop();
    subscriber = await startSubscriber(broker.url, TOPIC);
    const clock = new FakeClockSource({ synchronized: false, source: 'fake' });
    agent = await startAgent(config({ healthInterval: '1h' }, [counter, probe], [{ id: 'pump', driver: 'gpio-output', pin: 17 }]), silentLog, { clockSource: clock });
    await subscriber.waitFor(() => healths().some((health) => health.sensors.ok === 2), 15_000, 'a health message with both sensors ok');
    const message = healths().find((health) => health.sensors.ok === 2)!;
    expect(message).toMatchObject({
      format: 1,
      device: 'bench-1',
      version: expect.any(String),
      ts: expect.any(Number),
      uptime: expect.any(Number),
      interval: 3600,
      healthy: true,
      link: { since: expect.any(Number), reconnects: 0, lastError: null },
      buffer: { backlog: expect.any(Number), dropped: 0, cap: expect.any(Number), writeFailures: 0, writeFailing: false },
      sensors: { total: 2, ok: 2, failed: {} },
      outputs: { pump: 0 },
      clock: { synchronized: false, plausible: true },
      epoch: 0,
      lastSeq: expect.any(Number),
    });
    expect(message).toHaveProperty('diskFreeMB');
    expect(message).toHaveProperty('memoryAvailableMB');
    expect(message).toHaveProperty('cpuTemperature');
    expect(message.buffer.cap).toBeGreaterThan(0);
    expect(message.lastSeq).toBeGreaterThan(0);
    expect('reason' in message).toBe(false);
    expect(decodeHealth(JSON.stringify(message))).toEqual({ message });

    // The clock getting synchronized is a change of state: a message goes long before the hour.
    clock.set({ synchronized: true });
    await subscriber.waitFor(() => last()?.clock.synchronized === true, 15_000, 'a health message with the clock synchronized');

    // A subscriber arriving later gets it retained; the health message never carries a seq (it is not a reading).
    const late = await mqtt.connectAsync(broker.url, { clientId: `late-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
    const retained = new Promise<{ retain: boolean; body: Record<string, unknown> }>((resolve) => late.on('message', (_topic, payload, packet) => resolve({ retain: packet.retain, body: JSON.parse(payload.toString()) as Record<string, unknown> })));
    await late.subscribeAsync(TOPIC, { qos: 1 });
    const got = await retained;
    await late.endAsync(true);
    expect(got.retain).toBe(true);
    expect(got.body).toMatchObject({ device: 'bench-1', format: 1 });
    expect(got.body).not.toHaveProperty('seq');
  });

  it('publishes again every healthInterval without any change', async () => {
    agent = await startAgent(config({ healthInterval: '1s' }, [{ ...counter, interval: '1h' }]), silentLog);
    await subscriber.waitFor(() => healths().length >= 4, 20_000, 'four health messages');
    const stamps = healths().map((health) => health.ts);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    // Nothing changed after the first reading: the state is the same in each, the uptime goes on.
    expect(healths().slice(1).every((health) => health.sensors.ok === 1)).toBe(true);
    expect(healths().at(-1)!.uptime).toBeGreaterThan(healths()[0]!.uptime);
  });

  it('publishes on a sensor failing and on its recovery, long before the interval, with the error code', async () => {
    agent = await startAgent(config({ healthInterval: '1h' }, [counter, probe]), silentLog);
    await subscriber.waitFor(() => last()?.sensors.ok === 2, 15_000, 'both sensors ok');

    await rm(join(dir.path, 'w1', PROBE, 'w1_slave'));
    await subscriber.waitFor(() => last()?.sensors.failed.probe !== undefined, 15_000, 'the probe failed in a health message');
    expect(last()!.sensors).toEqual({ total: 2, ok: 1, failed: { probe: expect.stringMatching(/^[A-Z][A-Z0-9_]+$/) } });
    expect(last()!.healthy).toBe(true); // one working sensor is enough (the /healthz rule)

    await cp(join(W1_GOOD, PROBE, 'w1_slave'), join(dir.path, 'w1', PROBE, 'w1_slave'));
    await subscriber.waitFor(() => last()?.sensors.ok === 2, 20_000, 'the probe ok again in a health message');
    expect(last()!.sensors.failed).toEqual({});
    // Connect, the sensors coming up, the failure, the recovery: a handful, not one per reading.
    expect(healths().length).toBeLessThan(10);
  });

  it('sends nothing while the link is down (a failure then is not queued) and a fresh message once it is back', async () => {
    agent = await startAgent(config({ healthInterval: '1h' }, [counter, probe]), silentLog);
    const running = agent;
    await subscriber.waitFor(() => last()?.sensors.ok === 2, 15_000, 'both sensors ok');

    proxy.cut();
    await until(() => !running.hub.snapshot().mqtt.connected, 15_000, 'the agent sees the link down');
    const before = healths().length;
    await rm(join(dir.path, 'w1', PROBE, 'w1_slave'));
    await until(() => running.hub.snapshot().sensors.some((sensor) => sensor.id === 'probe' && sensor.state === 'failed'), 15_000, 'the probe failed');
    // A backlog builds up meanwhile (the counter reads every 50 ms).
    await until(() => running.buffer.stats().backlog >= 10, 15_000, 'a backlog');
    expect(healths().length).toBe(before);

    proxy.restore();
    await subscriber.waitFor(() => healths().length > before, 20_000, 'a health message after the reconnect');
    const fresh = healths()[before]!;
    // Made after the reconnect: the new connection, the failure that happened offline, the live backlog.
    expect(fresh.link.reconnects).toBe(1);
    expect(fresh.link.since).toBeGreaterThanOrEqual(healths()[before - 1]!.ts);
    expect(fresh.sensors.failed).toHaveProperty('probe');
    expect(fresh.link.lastError).not.toBeNull();
    // The backlog drains as readings; none of them arrived on the health topic, and no health message was kept for later.
    await subscriber.waitForAll(running.buffer.stats().lastSeq);
    expect(subscriber.readings.some((reading) => reading.topic === TOPIC)).toBe(false);
    expect(healths().filter((health) => health.link.reconnects === 0 && health.ts > healths()[before - 1]!.ts)).toEqual([]);
  });

  it('sends none with healthInterval off', async () => {
    agent = await startAgent(config({ healthInterval: 'off' }, [counter]), silentLog);
    await subscriber.waitFor(() => subscriber.statuses.length > 0 && subscriber.readings.length >= 20, 15_000, 'the birth and readings');
    expect(healths()).toEqual([]);
  });
});
