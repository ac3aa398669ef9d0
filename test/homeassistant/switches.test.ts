// Outputs as Home Assistant switches, in the whole agent (in-process) against a real Aedes broker,
// the output line simulated: the switch's discovery fields (checked against HA's MQTT switch
// documentation, in device and entity discovery), a command on its command_topic switching the
// line through the outputs' ordinary command path with the confirmed state on its state_topic,
// its availability, the removal after a restart without the output, and the config check that
// keeps a switch's unique id apart from the sensors' ones.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { startAedes, type TestBroker } from '../helpers/broker.js';
import { capturingLog } from '../helpers/publisher-rig.js';
import { until, untilFile } from '../helpers/poll.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startHaWatcher, type HaWatcher } from './ha-watcher.js';

// HA's MQTT switch page (home-assistant.io/integrations/switch.mqtt), its configuration variables,
// plus `p` (the platform key of device discovery). Written from the page, not imported.
const SWITCH_KEYS = new Set([
  'availability', 'availability_mode', 'availability_template', 'availability_topic', 'command_template', 'command_topic', 'device', 'device_class',
  'enabled_by_default', 'encoding', 'entity_category', 'entity_picture', 'icon', 'json_attributes_template', 'json_attributes_topic', 'name', 'object_id',
  'optimistic', 'payload_available', 'payload_not_available', 'payload_off', 'payload_on', 'platform', 'qos', 'retain', 'state_off', 'state_on',
  'state_topic', 'unique_id', 'value_template', 'p',
]);
const PREFIX = 'sensors/bench-1';
const DEVICE_TOPIC = 'homeassistant/device/bench-1/config';
const ENTITY_TOPIC = 'homeassistant/switch/bench-1/bench-1_pump/config';
const counter = { id: 'greenhouse', driver: 'simulated', interval: '200ms', signal: 'counter', decimals: 0 };
const pump = { id: 'pump', driver: 'gpio-output', pin: 17, name: 'Pump' };

type Json = Record<string, unknown>;

describe.each(['device', 'entity'] as const)('outputs as Home Assistant switches (discovery: %s)', (discovery) => {
  let broker: TestBroker;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;
  let ha: HaWatcher;

  const config = (outputs: unknown[]) =>
    parseConfig(
      {
        device: { id: 'bench-1' },
        mqtt: { url: broker.url, reconnect: { min: '100ms', max: '200ms' } },
        store: { path: 'buffer' },
        status: { listen: 'off' },
        simulate: { gpio: { '17': { level: 0 } } },
        homeassistant: { enabled: true, announceDelay: '20ms', discovery },
        sensors: [counter],
        outputs,
      },
      { env: {}, baseDir: dir.path, hostname: 'test-host' },
    );
  /** The switch as HA reads it, and a sensor value's component for comparison. */
  const announced = (): { pump: Json; sensor: Json } => {
    if (discovery === 'entity') return { pump: ha.json(ENTITY_TOPIC), sensor: ha.json('homeassistant/sensor/bench-1/bench-1_greenhouse_value/config') };
    const cmps = ha.json(DEVICE_TOPIC).cmps as Record<string, Json>;
    return { pump: cmps['bench-1_pump']!, sensor: cmps['bench-1_greenhouse_value']! };
  };
  const configTopic = discovery === 'entity' ? ENTITY_TOPIC : DEVICE_TOPIC;

  beforeEach(async () => {
    broker = await startAedes();
    dir = await makeTempDir('ha-switches-');
    ha = await startHaWatcher(broker.url);
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await ha.stop();
    await broker.stop();
    await dir.cleanup();
  });

  it('announces each output as a switch on its command and state topics; a command from HA switches the line and the confirmed state comes back', async () => {
    agent = await startAgent(config([pump]), capturingLog().log);
    const running = agent;
    await ha.waitFor(() => ha.last(configTopic) !== undefined && ha.last(`${PREFIX}/pump`)?.text === 'OFF' && ha.last(`${PREFIX}/pump/availability`)?.text === 'online', 'the switch announced, its state and availability');
    const { pump: sw, sensor } = announced();
    const { dev: _dev, o: _o, ...options } = sw;
    expect(options).toEqual({
      ...(discovery === 'device' ? { p: 'switch' } : {}),
      name: 'Pump',
      unique_id: 'bench-1_pump',
      command_topic: `${PREFIX}/pump/set`,
      state_topic: `${PREFIX}/pump`,
      value_template: '{{ value }}',
      payload_on: 'ON',
      payload_off: 'OFF',
      state_on: 'ON',
      state_off: 'OFF',
      optimistic: false,
      availability: [{ topic: `${PREFIX}/status`, value_template: '{{ value_json.state }}' }, { topic: `${PREFIX}/pump/availability` }],
      availability_mode: 'all',
    });
    for (const key of Object.keys(options)) expect(SWITCH_KEYS, `${key} is a documented switch option`).toContain(key);
    // HA publishes commands unretained unless told `retain: true`; the switch never says so.
    expect(options).not.toHaveProperty('retain');
    // The device status entry is the sensors' own (the same birth / last will).
    expect((sw.availability as Json[])[0]).toEqual((sensor.availability as Json[])[0]);
    if (discovery === 'entity') expect(sw.dev).toEqual(sensor.dev);

    // State and availability are retained: HA subscribing later reads them at once.
    const late = await startHaWatcher(broker.url, [`${PREFIX}/pump`, `${PREFIX}/pump/availability`]);
    await late.waitFor(() => late.last(`${PREFIX}/pump`)?.retain === true && late.last(`${PREFIX}/pump/availability`)?.retain === true, 'the retained state and availability');
    expect([late.last(`${PREFIX}/pump`)?.text, late.last(`${PREFIX}/pump/availability`)?.text]).toEqual(['OFF', 'online']);
    await late.stop();

    // What HA sends when the switch is turned on: payload_on to command_topic, unretained.
    const seen = ha.on(`${PREFIX}/pump`).length;
    await ha.client.publishAsync(sw.command_topic as string, sw.payload_on as string, { qos: 1, retain: false });
    await ha.waitFor(() => ha.on(`${PREFIX}/pump`).length > seen && ha.last(`${PREFIX}/pump`)?.text === sw.state_on, 'the confirmed ON on the state topic');
    const line = (): Json => running.hub.snapshot().outputs.find((o) => o.id === 'pump') as unknown as Json;
    expect(line()).toMatchObject({ state: 1, simulatedWire: 1, lastCommand: { state: 1, source: 'mqtt' }, commands: { mqtt: 1 } });

    // The outputs' gate refuses a second command within 100 ms; HA's user would press again.
    await until(
      async () => {
        await ha.client.publishAsync(sw.command_topic as string, sw.payload_off as string, { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 50));
        return line().state === 0;
      },
      10_000,
      'the line off again',
    );
    await ha.waitFor(() => ha.last(`${PREFIX}/pump`)?.text === sw.state_off, 'the confirmed OFF');
    expect(line()).toMatchObject({ simulatedWire: 0 });
  });

  it('removes the switch from HA when the output is gone from the config after a restart', async () => {
    agent = await startAgent(config([pump]), capturingLog().log);
    await ha.waitFor(() => ha.last(configTopic) !== undefined, 'the first announcement');
    await untilFile(join(dir.path, 'homeassistant-announced.json'), (text) => text.includes('"bench-1_pump": "switch"'), 'the announced set with the switch');
    await agent.stop();
    agent = null;

    const before = ha.on(configTopic).length;
    agent = await startAgent(config([]), capturingLog().log);
    if (discovery === 'device') {
      await ha.waitFor(() => ha.on(configTopic).length >= before + 2, 'the removal form and the device as it is now');
      const [removal, now] = ha.on(configTopic).slice(before).map((m) => JSON.parse(m.text) as { cmps: Record<string, Json> });
      expect(removal!.cmps['bench-1_pump']).toEqual({ p: 'switch' });
      expect(Object.keys(now!.cmps)).not.toContain('bench-1_pump');
      expect(Object.keys(now!.cmps)).toContain('bench-1_greenhouse_value');
    } else {
      await ha.waitFor(() => ha.last(configTopic)?.text === '', 'the empty payload on the switch config topic');
    }
    await untilFile(join(dir.path, 'homeassistant-announced.json'), (text) => text !== '' && !text.includes('bench-1_pump'), 'the announced set without the switch');

    // Nothing retained for the switch is left: HA restarting now would not bring it back.
    const fresh = await startHaWatcher(broker.url, ['homeassistant/#']);
    await fresh.waitFor(() => fresh.messages.some((m) => m.topic.includes('greenhouse') || m.topic === DEVICE_TOPIC), 'the retained discovery');
    expect(fresh.messages.filter((m) => m.text.includes('bench-1_pump'))).toEqual([]);
    await fresh.stop();
  });
});

describe('the switch key in the config', () => {
  const parse = (outputs: unknown[], enabled = true) =>
    parseConfig({ device: { id: 'pi' }, homeassistant: { enabled }, simulate: { gpio: {} }, sensors: [{ id: 'room', driver: 'bme280' }], outputs }, { env: {}, baseDir: '/', hostname: 'h' });
  const message = (outputs: unknown[]): string => {
    try {
      parse(outputs);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('the config was accepted');
  };

  it("refuses an output id that would give a sensor value's or the agent's own unique id, naming both", () => {
    expect(message([{ id: 'room_temperature', driver: 'gpio-output', pin: 17 }])).toMatch(/outputs\[0\]\.id.*<device id>_room_temperature of sensors\[0\] \(room, value temperature\)/);
    expect(message([{ id: 'agent_link', driver: 'gpio-output', pin: 17 }])).toMatch(/outputs\[0\]\.id.*starts with agent_/);
    // Without Home Assistant nothing collides; an id that only looks alike is fine.
    expect(parse([{ id: 'room_temperature', driver: 'gpio-output', pin: 17 }], false).outputs[0]!.id).toBe('room_temperature');
    expect(parse([{ id: 'room_fan', driver: 'gpio-output', pin: 17, name: 'Room fan' }]).outputs[0]).toMatchObject({ id: 'room_fan', name: 'Room fan' });
  });
});
