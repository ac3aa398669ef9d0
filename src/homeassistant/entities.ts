// What the agent shows Home Assistant: one component per value of each sensor the config leaves
// in (from the driver's value declarations: kind, unit, decimals), plus the agent's own health as
// diagnostic entities. A component's key and unique_id are `<device id>_<sensor id>_<value>`:
// stable across restarts and display-name changes (HA keeps the history), new when a sensor id
// changes. Topics: live states on `<topicPrefix>/<sensor id>/state` (flat JSON), the sensor's
// availability on `<topicPrefix>/<sensor id>/availability`, the health on `<topicPrefix>/status/health`.
// Outputs (a later issue) add their switches through `ComponentSource`, not by editing this file.
import type { SensorConfig } from '../config/sensor-schema.js';
import { bindDriver } from '../sensors/bound-driver.js';
import type { ValueDefinition, ValueDefinitions } from '../sensors/types.js';
import { meaningOf, type HaMeaning } from './vocabulary.js';

export interface Component {
  /** The key under `cmps`, and the unique_id. */
  key: string;
  platform: HaMeaning['platform'] | 'switch';
  name: string;
  /** The value's own label ("temperature") when the sensor has several; null for a sensor's only value. */
  valueLabel: string | null;
  /** The sensor the component belongs to (its availability topic), or null for the agent's own. */
  sensorId: string | null;
  stateTopic: string;
  valueTemplate: string;
  meaning: HaMeaning;
  precision?: number;
  expireAfterS?: number;
  diagnostic: boolean;
  /** More discovery options as HA names them (a switch's command_topic, payload_on...). */
  extra?: Record<string, unknown>;
}

/** Something besides the sensors that appears in HA (the outputs issue: switches with their command topic). */
export interface ComponentSource {
  components(deviceId: string, topicPrefix: string): Component[];
}

export function sensorStateTopic(topicPrefix: string, sensorId: string): string {
  return `${topicPrefix}/${sensorId}/state`;
}

export function sensorAvailabilityTopic(topicPrefix: string, sensorId: string): string {
  return `${topicPrefix}/${sensorId}/availability`;
}

export function healthStateTopic(topicPrefix: string): string {
  return `${topicPrefix}/status/health`;
}

/** `memoryAvailableMB` → `memory available MB`, `voltage0` → `voltage 0`. */
export function valueLabel(name: string): string {
  return name.replace(/([a-z])([A-Z0-9])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').replace(/ ([A-Z])(?=[a-z])/g, (m) => m.toLowerCase());
}

/** A value's expiry: three missed intervals (HA shows it unavailable then), at least a minute. */
function expireAfterS(intervalMs: number): number {
  return Math.max(60, Math.ceil((3 * intervalMs) / 1000));
}

function definitionsOf(sensor: SensorConfig): ValueDefinitions {
  try {
    return bindDriver(sensor).values() ?? {};
  } catch {
    return {};
  }
}

function deviceClassFor(sensor: SensorConfig, value: string): string | undefined {
  return typeof sensor.deviceClass === 'string' ? sensor.deviceClass : sensor.deviceClass?.[value];
}

function sensorComponent(deviceId: string, topicPrefix: string, sensor: SensorConfig, value: string, definition: ValueDefinition, single: boolean): Component {
  const meaning = meaningOf(definition, deviceClassFor(sensor, value));
  const display = sensor.name ?? sensor.id;
  const component: Component = {
    key: `${deviceId}_${sensor.id}_${value}`,
    platform: meaning.platform,
    name: single ? display : `${display} ${valueLabel(value)}`,
    valueLabel: single ? null : valueLabel(value),
    sensorId: sensor.id,
    stateTopic: sensorStateTopic(topicPrefix, sensor.id),
    valueTemplate: `{{ value_json.${value} }}`,
    meaning,
    diagnostic: definition.diagnostic === true,
  };
  if (meaning.platform === 'sensor') component.precision = definition.decimals;
  // An event-driven GPIO state changes when the contact does: it must not expire between changes.
  if (definition.kind !== 'level') component.expireAfterS = expireAfterS(sensor.interval);
  return component;
}

/** The components of the configured sensors, in config order. */
export function sensorComponents(deviceId: string, topicPrefix: string, sensors: readonly SensorConfig[]): Component[] {
  return sensors
    .filter((sensor) => sensor.homeassistant !== false)
    .flatMap((sensor) => {
      const entries = Object.entries(definitionsOf(sensor));
      return entries.map(([value, definition]) => sensorComponent(deviceId, topicPrefix, sensor, value, definition, entries.length === 1));
    });
}

/** The health values the agent publishes on the health topic (health.ts) and how HA shows them. */
const HEALTH: ReadonlyArray<{ value: string; name: string; meaning: HaMeaning; precision?: number }> = [
  { value: 'backlog', name: 'Backlog', meaning: { platform: 'sensor', stateClass: 'measurement', unit: 'readings' }, precision: 0 },
  { value: 'dropped', name: 'Dropped readings', meaning: { platform: 'sensor', stateClass: 'total_increasing', unit: 'readings' }, precision: 0 },
  { value: 'failingSensors', name: 'Failing sensors', meaning: { platform: 'sensor', stateClass: 'measurement', unit: 'sensors' }, precision: 0 },
  { value: 'cpuTemperature', name: 'CPU temperature', meaning: { platform: 'sensor', deviceClass: 'temperature', unit: '°C', stateClass: 'measurement' }, precision: 1 },
  { value: 'diskFreeMB', name: 'Disk free', meaning: { platform: 'sensor', deviceClass: 'data_size', unit: 'MB', stateClass: 'measurement' }, precision: 1 },
];

/**
 * The agent's own health: the MQTT link (read from the device status topic itself, so the broker's
 * last will turns it off) and the values of `available` (CPU temperature and disk free only where
 * the host has them).
 */
export function healthComponents(deviceId: string, topicPrefix: string, available: ReadonlySet<string>): Component[] {
  const link: Component = {
    key: `${deviceId}_agent_link`,
    platform: 'binary_sensor',
    name: 'MQTT link',
    valueLabel: null,
    sensorId: null,
    stateTopic: `${topicPrefix}/status`,
    valueTemplate: "{{ 'ON' if value_json.state == 'online' else 'OFF' }}",
    meaning: { platform: 'binary_sensor', deviceClass: 'connectivity' },
    diagnostic: true,
    extra: { payload_on: 'ON', payload_off: 'OFF' },
  };
  const values = HEALTH.filter((entry) => available.has(entry.value)).map(
    (entry): Component => ({
      key: `${deviceId}_agent_${entry.value}`,
      platform: entry.meaning.platform,
      name: entry.name,
      valueLabel: null,
      sensorId: null,
      stateTopic: healthStateTopic(topicPrefix),
      valueTemplate: `{{ value_json.${entry.value} }}`,
      meaning: entry.meaning,
      ...(entry.precision === undefined ? {} : { precision: entry.precision }),
      diagnostic: true,
    }),
  );
  return [link, ...values];
}
