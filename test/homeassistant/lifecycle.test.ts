// The Home Assistant part in the whole agent (in-process) against real brokers (Aedes; Mosquitto
// on MQTT 5 when installed): a sensor's
// availability follows its failures (a 1-Wire probe whose file disappears and comes back),
// discovery is sent again on a retained and on a live `homeassistant/status` `online` (garbage
// there is ignored), components deleted from the config are removed from HA after a restart, and
// after an outage (a TCP proxy cut, a backlog built up) the state topic gets only current values
// while the lossless topic drains the backlog.
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { mosquittoMissingReason, startAedes, startMosquitto, type TestBroker } from '../helpers/broker.js';
import { capturingLog } from '../helpers/publisher-rig.js';
import { until, untilFile } from '../helpers/poll.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startHaWatcher, type HaWatcher } from './ha-watcher.js';

const W1_GOOD = fileURLToPath(new URL('../fixtures/sysfs/w1/good', import.meta.url));
const CONFIG_TOPIC = 'homeassistant/device/bench-1/config';
const PROBE = '28-0316a2790dff';

const BROKERS = [
  { name: 'aedes (MQTT 3.1.1)', start: (): Promise<TestBroker> => startAedes(), protocolVersion: 4, skip: false },
  { name: 'mosquitto (MQTT 5)', start: (): Promise<TestBroker> => startMosquitto(), protocolVersion: 5, skip: mosquittoMissingReason() !== null },
];

describe.each(BROKERS)('Home Assistant in the agent, on $name', ({ start, protocolVersion, skip }) => {
  if (skip) return void it.skip('needs mosquitto (apt-get install mosquitto)', () => undefined);
  let broker: TestBroker;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;
  let ha: HaWatcher;
  let proxy: TcpProxy | null = null;

  const config = (sensors: unknown[], url = broker.url) =>
    parseConfig(
      {
        device: { id: 'bench-1' },
        mqtt: { url, reconnect: { min: '100ms', max: '200ms' }, protocolVersion },
        store: { path: 'buffer' },
        status: { listen: 'off' },
        hardware: { oneWireRoot: join(dir.path, 'w1') },
        homeassistant: { enabled: true, announceDelay: '50ms' },
        sensors,
      },
      { env: {}, baseDir: dir.path, hostname: 'test-host' },
    );
  const counter = { id: 'greenhouse', driver: 'simulated', interval: '20ms', signal: 'counter', decimals: 0, name: 'Greenhouse' };
  const probe = { id: 'probe', driver: 'ds18b20', deviceId: PROBE, interval: '100ms' };
  const kitchen = { id: 'kitchen', driver: 'simulated', interval: '1s', unit: '%RH', area: 'Kitchen' };
  const configs = (): Array<Record<string, Record<string, unknown>>> => ha.on(CONFIG_TOPIC).map((m) => JSON.parse(m.text) as Record<string, Record<string, unknown>>);

  beforeEach(async () => {
    broker = await start();
    dir = await makeTempDir('ha-lifecycle-');
    await cp(W1_GOOD, join(dir.path, 'w1'), { recursive: true });
    ha = await startHaWatcher(broker.url);
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await proxy?.stop();
    proxy = null;
    await ha.stop();
    await broker.stop();
    await dir.cleanup();
  });

  it('marks a failing sensor unavailable and available again when it recovers, the others untouched', async () => {
    agent = await startAgent(config([counter, probe]), capturingLog().log);
    const probeAvailability = 'sensors/bench-1/probe/availability';
    await ha.waitFor(() => ha.last(probeAvailability)?.text === 'online' && ha.last('sensors/bench-1/probe/state') !== undefined, 'the probe online with a state');
    expect(ha.json('sensors/bench-1/probe/state')).toEqual({ temperature: 21.5625 });

    await rm(join(dir.path, 'w1', PROBE, 'w1_slave'));
    await ha.waitFor(() => ha.last(probeAvailability)?.text === 'offline', 'the probe offline');
    expect(ha.last(probeAvailability)?.retain).toBe(false); // a live delivery; the broker keeps it retained (below)
    expect(ha.last('sensors/bench-1/greenhouse/availability')?.text).toBe('online');
    const late = await startHaWatcher(broker.url, [probeAvailability]);
    await late.waitFor(() => late.last(probeAvailability)?.text === 'offline', 'the retained offline');
    expect(late.last(probeAvailability)?.retain).toBe(true);
    await late.stop();

    await cp(join(W1_GOOD, PROBE, 'w1_slave'), join(dir.path, 'w1', PROBE, 'w1_slave'));
    await ha.waitFor(() => ha.last(probeAvailability)?.text === 'online', 'the probe online again', 20_000);
    expect(ha.on(probeAvailability).map((m) => m.text)).toEqual(['online', 'offline', 'online']);
  });

  it('announces again after a retained and after a live homeassistant/status online, and ignores garbage there', async () => {
    await ha.client.publishAsync('homeassistant/status', 'online', { retain: true, qos: 1 });
    const { log, lines } = capturingLog();
    agent = await startAgent(config([counter]), log);
    // Once at connect, once for the retained `online` the subscription brings.
    await ha.waitFor(() => ha.on(CONFIG_TOPIC).length >= 2, 'two announcements');
    await ha.waitFor(() => ha.on('sensors/bench-1/greenhouse/availability').length >= 2, 'availability sent with each');
    const before = ha.on(CONFIG_TOPIC).length;

    await ha.client.publishAsync('homeassistant/status', 'not a status \u0000', { qos: 1 });
    await ha.client.publishAsync('homeassistant/status', 'offline', { qos: 1 });
    await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await ha.waitFor(() => ha.on(CONFIG_TOPIC).length === before + 1, 'the announcement after the live online');
    await ha.waitFor(() => lines.some((line) => line.msg.includes('ignored a message on the Home Assistant status topic')), 'the garbage logged');
    expect(lines.filter((line) => line.msg.includes('ignored a message')).length).toBe(1);
    // The states come again with the announcement (HA needs them after its restart).
    const states = ha.on('sensors/bench-1/greenhouse/state');
    expect(states.length).toBeGreaterThan(0);
    expect(agent.hub.snapshot().mqtt.connected).toBe(true);
    await ha.client.publishAsync('homeassistant/status', '', { retain: true, qos: 1 });
  });

  it('removes what was deleted from the config after a restart: a value of the device by its removal form, a device of its own by an empty payload', async () => {
    agent = await startAgent(config([counter, probe, kitchen]), capturingLog().log);
    await ha.waitFor(() => ha.on(CONFIG_TOPIC).length >= 1 && ha.on('homeassistant/device/bench-1_kitchen/config').length >= 1, 'the first announcement');
    await untilFile(join(dir.path, 'homeassistant-announced.json'), (text) => text.includes('bench-1_kitchen_value'), 'the announced set saved');
    expect(Object.keys(configs()[0]!.cmps!)).toEqual(expect.arrayContaining(['bench-1_greenhouse_value', 'bench-1_probe_temperature', 'bench-1_agent_link']));
    await agent.stop();
    agent = null;

    const seenBefore = ha.on(CONFIG_TOPIC).length;
    agent = await startAgent(config([counter]), capturingLog().log);
    await ha.waitFor(() => ha.on(CONFIG_TOPIC).length >= seenBefore + 2, 'the removal form and the device as it is now');
    const [removal, now] = configs().slice(seenBefore);
    expect(removal!.cmps!['bench-1_probe_temperature']).toEqual({ p: 'sensor' });
    expect(removal!.cmps!['bench-1_greenhouse_value']).toMatchObject({ p: 'sensor', unique_id: 'bench-1_greenhouse_value' });
    expect(Object.keys(now!.cmps!)).not.toContain('bench-1_probe_temperature');
    expect(Object.keys(now!.cmps!)).toContain('bench-1_greenhouse_value');
    await ha.waitFor(() => ha.last('homeassistant/device/bench-1_kitchen/config')?.text === '', 'the empty payload for the kitchen device');
    await untilFile(join(dir.path, 'homeassistant-announced.json'), (text) => text !== '' && !text.includes('probe'), 'the announced set without the probe');

    // Nothing retained is left for what is gone: HA restarting now would not bring it back.
    const fresh = await startHaWatcher(broker.url, ['homeassistant/#']);
    await fresh.waitFor(() => fresh.last(CONFIG_TOPIC) !== undefined, 'the retained device config');
    expect(fresh.on('homeassistant/device/bench-1_kitchen/config')).toEqual([]);
    expect(Object.keys(fresh.json(CONFIG_TOPIC).cmps as object)).not.toContain('bench-1_probe_temperature');
    await fresh.stop();

    // A third start with the same config sends no removal form again.
    await agent.stop();
    const seen = ha.on(CONFIG_TOPIC).length;
    agent = await startAgent(config([counter]), capturingLog().log);
    await ha.waitFor(() => ha.on(CONFIG_TOPIC).length > seen, 'the next announcement');
    expect(Object.values(configs().at(-1)!.cmps!).every((c) => Object.keys(c as object).length > 1)).toBe(true);
  });

  it('sends only current values to the state topic after an outage, while the backlog drains to the lossless topic', async () => {
    proxy = await startTcpProxy(broker.port);
    const link = proxy;
    agent = await startAgent(config([counter], link.url), capturingLog().log);
    const running = agent;
    const stateTopic = 'sensors/bench-1/greenhouse/state';
    await ha.waitFor(() => ha.on(stateTopic).length >= 5, 'live states');

    link.cut();
    await until(() => !running.hub.snapshot().mqtt.connected, 10_000, 'the link down');
    await until(() => running.buffer.stats().backlog >= 50, 20_000, 'a backlog of 50 readings');
    const cutAt = ha.messages.length;
    const current = (): number => running.hub.snapshot().sensors.find((s) => s.id === 'greenhouse')!.lastReading!.values.value!;
    const atRestore = current();
    link.restore();
    // In seq order: once a reading as new as the one at restore arrives, the whole backlog did.
    const lossless = (): number[] => ha.messages.slice(cutAt).filter((m) => m.topic === 'sensors/bench-1/greenhouse').map((m) => (JSON.parse(m.text) as { v: { value: number } }).v.value);
    await ha.waitFor(() => lossless().some((value) => value >= atRestore), 'the backlog drained to the lossless topic', 20_000);

    const after = ha.messages.slice(cutAt);
    const states = after.filter((m) => m.topic === stateTopic).map((m) => (JSON.parse(m.text) as { value: number }).value);
    const drained = lossless();
    // The backlog went out on the lossless topic: readings older than the value at restore.
    expect(drained.filter((value) => value < atRestore).length).toBeGreaterThanOrEqual(40);
    // The state topic got none of them: its first value after the outage is the current one, then only newer ones.
    expect(states.length).toBeGreaterThan(0);
    expect(Math.min(...states)).toBeGreaterThanOrEqual(atRestore);
    expect(states).toEqual([...states].sort((a, b) => a - b));

    // The subscription to HA's status topic came back with the new connection.
    const announced = ha.on(CONFIG_TOPIC).length;
    await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await ha.waitFor(() => ha.on(CONFIG_TOPIC).length > announced, 'an announcement after online on the new connection');
  });
});
