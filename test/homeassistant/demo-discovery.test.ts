// The discovery the agent sends for config/demo.yaml, taken from a real broker (Aedes) as HA's
// MQTT integration would read it, and checked field by field against HA's documented schema
// (the MQTT integration page: device-based discovery, `dev`/`o`/`cmps`, the abbreviations, the
// availability options; the sensor and binary sensor pages: device classes and their units,
// state classes). The allowed units below are written from HA's sensor page, not imported from
// the agent, so a wrong table in src/homeassistant/vocabulary.ts fails here.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { loadConfig } from '../../src/config/load.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { startHaWatcher, type HaWatcher } from './ha-watcher.js';

const demoFile = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url));

/** HA's sensor page: the units each device class the demo uses allows. */
const UNITS: Record<string, string[]> = {
  temperature: ['°C', '°F', 'K'],
  humidity: ['%'],
  atmospheric_pressure: ['cbar', 'bar', 'hPa', 'mmHg', 'inHg', 'kPa', 'mbar', 'Pa', 'psi'],
  data_size: ['bit', 'kbit', 'Mbit', 'Gbit', 'B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'],
  duration: ['d', 'h', 'min', 's', 'ms', 'µs'],
};
const BINARY_CLASSES = ['door', 'window', 'motion', 'opening', 'connectivity', 'problem'];
/** HA's MQTT page: the root keys of a device discovery payload, and the device and origin abbreviations. */
const ROOT_KEYS = ['dev', 'o', 'cmps', 'qos', 'state_topic', 'command_topic', 'availability', 'encoding'];
const DEVICE_KEYS = ['ids', 'name', 'mf', 'mdl', 'mdl_id', 'sw', 'hw', 'sn', 'cu', 'sa', 'cns', 'via_device'];
const ORIGIN_KEYS = ['name', 'sw', 'url'];
const COMPONENT_KEYS = [
  'p', 'name', 'unique_id', 'state_topic', 'value_template', 'device_class', 'unit_of_measurement', 'state_class', 'suggested_display_precision',
  'expire_after', 'entity_category', 'availability', 'availability_mode', 'payload_on', 'payload_off',
];

type Json = Record<string, unknown>;

describe('discovery of config/demo.yaml', () => {
  let broker: AedesBroker;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent;
  let ha: HaWatcher;
  const payloads: Array<{ topic: string; body: Json }> = [];

  beforeAll(async () => {
    broker = await startAedes();
    dir = await makeTempDir('ha-demo-');
    const demo = await loadConfig(demoFile, {});
    const config = { ...demo, mqtt: { ...demo.mqtt, url: broker.url }, store: { ...demo.store, path: `${dir.path}/buffer` }, status: { ...demo.status, listen: '127.0.0.1:0' } };
    agent = await startAgent(config, pino({ level: 'silent' }));
    // Once announced, a watcher that comes later gets the discovery as HA does after a restart: retained.
    const first = await startHaWatcher(broker.url);
    await first.waitFor(() => first.messages.some((m) => m.topic === 'homeassistant/device/demo_room/config'), 'the discovery');
    await first.stop();
    ha = await startHaWatcher(broker.url);
    await ha.waitFor(() => ha.messages.some((m) => m.topic === 'homeassistant/device/demo/config') && ha.messages.some((m) => m.topic === 'homeassistant/device/demo_room/config'), 'the retained discovery messages');
    for (const message of ha.messages.filter((m) => m.topic.endsWith('/config'))) {
      expect(message.retain).toBe(true);
      payloads.push({ topic: message.topic, body: JSON.parse(message.text) as Json });
    }
  });

  afterAll(async () => {
    await ha.stop();
    await agent.stop();
    await broker.stop();
    await dir.cleanup();
  });

  const components = (): Array<[string, Json, string]> => payloads.flatMap(({ topic, body }) => Object.entries(body.cmps as Record<string, Json>).map(([key, c]): [string, Json, string] => [key, c, topic]));

  it('has one message per device with the required dev (identifiers, name) and o (name), and only documented keys', () => {
    expect(payloads.map((p) => p.topic).sort()).toEqual(['homeassistant/device/demo/config', 'homeassistant/device/demo_room/config']);
    for (const { body } of payloads) {
      expect(Object.keys(body).every((key) => ROOT_KEYS.includes(key))).toBe(true);
      const dev = body.dev as Json;
      const o = body.o as Json;
      expect(Object.keys(dev).every((key) => DEVICE_KEYS.includes(key))).toBe(true);
      expect(Object.keys(o).every((key) => ORIGIN_KEYS.includes(key))).toBe(true);
      expect(dev.ids).toEqual([expect.stringMatching(/^sensor-agent_demo/)]);
      expect(dev.name).toEqual(expect.any(String));
      expect(o).toMatchObject({ name: 'sensor-agent', sw: agent.hub.version, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) });
    }
    const main = payloads.find((p) => p.topic.endsWith('/demo/config'))!.body.dev as Json;
    expect(main).toMatchObject({ ids: ['sensor-agent_demo'], name: 'demo', sw: agent.hub.version, cu: `http://127.0.0.1:${agent.statusAddress!.port}/` });
    const room = payloads.find((p) => p.topic.endsWith('/demo_room/config'))!.body.dev as Json;
    expect(room).toMatchObject({ name: 'Living room', sa: 'Living room', via_device: 'sensor-agent_demo' });
  });

  it('gives every component a platform, a unique id unique across the device, a state topic and only documented keys', () => {
    const all = components();
    const ids = all.map(([, c]) => c.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [key, c] of all) {
      expect(Object.keys(c).filter((k) => !COMPONENT_KEYS.includes(k))).toEqual([]);
      expect(['sensor', 'binary_sensor']).toContain(c.p);
      expect(c.unique_id).toBe(key);
      expect(key).toMatch(/^demo_[a-z0-9_-]+_[A-Za-z0-9]+$/);
      expect(c.state_topic).toMatch(/^sensors\/demo\//);
      expect(c.value_template).toMatch(/^\{\{ .+ \}\}$/);
    }
  });

  it('uses device classes HA has, with a unit HA allows for each, and valid state classes, precision and expiry', () => {
    for (const [key, c] of components()) {
      if (c.p === 'binary_sensor') {
        if (c.device_class !== undefined) expect(BINARY_CLASSES).toContain(c.device_class);
        expect(c.unit_of_measurement).toBeUndefined();
        continue;
      }
      if (c.device_class !== undefined) expect(UNITS[c.device_class as string], `${key}: ${String(c.device_class)}`).toContain(c.unit_of_measurement);
      expect(['measurement', 'total', 'total_increasing']).toContain(c.state_class);
      expect(Number.isInteger(c.suggested_display_precision) && (c.suggested_display_precision as number) >= 0).toBe(true);
      if (c.expire_after !== undefined) expect(Number.isInteger(c.expire_after) && (c.expire_after as number) > 0).toBe(true);
      if (c.entity_category !== undefined) expect(c.entity_category).toBe('diagnostic');
    }
  });

  it('maps each demo value as its driver declares it', () => {
    const byKey = new Map(components().map(([key, c]) => [key, c]));
    const pick = (key: string) => {
      const c = byKey.get(key);
      expect(c, key).toBeDefined();
      return { p: c!.p, device_class: c!.device_class, unit: c!.unit_of_measurement, state_class: c!.state_class, precision: c!.suggested_display_precision, expire_after: c!.expire_after, name: c!.name };
    };
    expect(pick('demo_greenhouse_value')).toEqual({ p: 'sensor', device_class: 'temperature', unit: '°C', state_class: 'measurement', precision: 2, expire_after: 60, name: 'Greenhouse' });
    expect(pick('demo_water-meter_value')).toEqual({ p: 'sensor', device_class: undefined, unit: undefined, state_class: 'total_increasing', precision: 0, expire_after: 60, name: 'Water meter' });
    expect(pick('demo_room_humidity')).toMatchObject({ device_class: 'humidity', unit: '%', precision: 2, expire_after: 60, name: 'Humidity' });
    expect(pick('demo_room_pressure')).toMatchObject({ device_class: 'atmospheric_pressure', unit: 'hPa' });
    expect(pick('demo_door_level')).toEqual({ p: 'binary_sensor', device_class: 'door', unit: undefined, state_class: undefined, precision: undefined, expire_after: undefined, name: 'Front door' });
    expect(pick('demo_system_diskFreeMB')).toMatchObject({ device_class: 'data_size', unit: 'MB' });
    expect(pick('demo_system_uptime')).toMatchObject({ device_class: 'duration', unit: 's', expire_after: 60 });
    expect(pick('demo_agent_link')).toMatchObject({ p: 'binary_sensor', device_class: 'connectivity' });
    expect(byKey.get('demo_agent_backlog')).toMatchObject({ entity_category: 'diagnostic', state_topic: 'sensors/demo/status/health' });
  });

  it('makes each sensor value available only while the agent and the sensor both are (availability_mode all)', () => {
    for (const [key, c] of components()) {
      if (key === 'demo_agent_link') {
        expect(c.availability).toBeUndefined();
        continue;
      }
      const availability = c.availability as Json[];
      expect(c.availability_mode).toBe('all');
      expect(availability[0]).toEqual({ topic: 'sensors/demo/status', value_template: '{{ value_json.state }}' });
      if (key.startsWith('demo_agent_')) expect(availability).toHaveLength(1);
      else expect(availability[1]).toEqual({ topic: `${String(c.state_topic).replace(/\/state$/, '')}/availability` });
    }
  });

  it('publishes retained flat JSON states that every value_template finds a number in', async () => {
    const templates = components().filter(([key]) => key !== 'demo_agent_link');
    await ha.waitFor(() => templates.every(([, c]) => ha.last(c.state_topic as string) !== undefined), 'a state on every state topic');
    for (const [key, c] of templates) {
      const state = ha.json(c.state_topic as string);
      const name = /value_json\.(\w+)/.exec(c.value_template as string)![1]!;
      if (key === 'demo_system_temperature' || key === 'demo_agent_cpuTemperature') continue; // the host may have no thermal zone
      expect(Object.values(state).every((v) => typeof v === 'number'), key).toBe(true);
      expect(typeof state[name], `${key}: ${name} in ${JSON.stringify(state)}`).toBe('number');
    }
    expect(ha.last('sensors/demo/status')?.text).toMatch(/"state":"online"/);
  });
});
