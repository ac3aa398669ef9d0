// The discovery messages Home Assistant reads (its MQTT integration page is the reference):
// device-based discovery, one retained message per device on `<prefix>/device/<object id>/config`
// with `dev`, `o` and one entry per component under `cmps` (HA 2024.11 and later), or with
// `discovery: entity` one message per component on `<prefix>/<platform>/<device id>/<key>/config`
// (older HA). A sensor with an `area` is a device of its own in that area (HA's suggested area
// belongs to a device, not an entity), reached via the agent's device. Availability: the agent's
// status topic (birth and last will) and, for a sensor's values, the sensor's own topic, both
// required (`availability_mode: all`).
import type { Component } from './entities.js';
import { sensorAvailabilityTopic } from './entities.js';

export interface DiscoveryContext {
  deviceId: string;
  version: string;
  discoveryPrefix: string;
  topicPrefix: string;
  discovery: 'device' | 'entity';
  /** The status page, when it listens: the device's configuration URL and the origin's support URL. */
  statusUrl?: string | undefined;
  /** Sensor id → its display name and area, for the sensors that have an area. */
  areas: ReadonlyMap<string, { name: string; area: string }>;
}

/** One retained discovery message: its topic, its payload, and the components it announces (key → platform). */
export interface DiscoveryMessage {
  topic: string;
  payload: string;
  components: Record<string, string>;
}

type Json = Record<string, unknown>;

export function agentDeviceIdentifier(deviceId: string): string {
  return `sensor-agent_${deviceId}`;
}

function agentDevice(context: DiscoveryContext): Json {
  const device: Json = { ids: [agentDeviceIdentifier(context.deviceId)], name: context.deviceId, mf: 'sensor-agent', mdl: 'sensor-agent', sw: context.version };
  if (context.statusUrl !== undefined) device.cu = context.statusUrl;
  return device;
}

function areaDevice(context: DiscoveryContext, sensorId: string, place: { name: string; area: string }): Json {
  return { ids: [`${agentDeviceIdentifier(context.deviceId)}_${sensorId}`], name: place.name, mf: 'sensor-agent', mdl: 'sensor-agent sensor', sa: place.area, via_device: agentDeviceIdentifier(context.deviceId) };
}

function origin(context: DiscoveryContext): Json {
  const o: Json = { name: 'sensor-agent', sw: context.version };
  if (context.statusUrl !== undefined) o.url = context.statusUrl;
  return o;
}

/** A component's options as HA names them (without the device and origin). */
export function componentOptions(component: Component, context: DiscoveryContext, ownDevice = false): Json {
  const { meaning } = component;
  const options: Json = {
    p: component.platform,
    // On a sensor's own device HA prefixes the device's name: the value's label is enough, and a
    // sensor's only value is the device's main feature (name null).
    name: ownDevice ? (component.valueLabel === null ? null : capitalized(component.valueLabel)) : component.name,
    unique_id: component.key,
    state_topic: component.stateTopic,
    value_template: component.valueTemplate,
  };
  if (meaning.deviceClass !== undefined) options.device_class = meaning.deviceClass;
  if (meaning.unit !== undefined) options.unit_of_measurement = meaning.unit;
  if (meaning.stateClass !== undefined) options.state_class = meaning.stateClass;
  if (component.precision !== undefined) options.suggested_display_precision = component.precision;
  if (component.expireAfterS !== undefined) options.expire_after = component.expireAfterS;
  if (component.diagnostic) options.entity_category = 'diagnostic';
  if (component.platform === 'binary_sensor') Object.assign(options, { payload_on: '1', payload_off: '0' });
  // The link entity reads the status topic itself: its state says what availability would hide.
  if (component.key !== `${context.deviceId}_agent_link`) {
    const availability: Json[] = [{ topic: `${context.topicPrefix}/status`, value_template: '{{ value_json.state }}' }];
    if (component.sensorId !== null) availability.push({ topic: sensorAvailabilityTopic(context.topicPrefix, component.sensorId) });
    options.availability = availability;
    options.availability_mode = 'all';
  }
  if (component.extra) Object.assign(options, component.extra);
  return options;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The components grouped by the device they belong to: the agent's, or a sensor's own (area). */
interface Group {
  objectId: string;
  device: Json;
  /** A sensor's own device (it has an area), not the agent's. */
  own: boolean;
  components: Component[];
}

function groups(components: readonly Component[], context: DiscoveryContext): Group[] {
  const byObject = new Map<string, Group>();
  for (const component of components) {
    const place = component.sensorId === null ? undefined : context.areas.get(component.sensorId);
    const objectId = place ? `${context.deviceId}_${component.sensorId}` : context.deviceId;
    let group = byObject.get(objectId);
    if (!group) {
      group = { objectId, device: place ? areaDevice(context, component.sensorId!, place) : agentDevice(context), own: place !== undefined, components: [] };
      byObject.set(objectId, group);
    }
    group.components.push(component);
  }
  return [...byObject.values()];
}

/**
 * The discovery messages for `components`. `removed` (topic → key → platform, from the
 * announced-set store) adds HA's removal form, `{"p": platform}`, for components that left a
 * device that is still announced.
 */
export function discoveryMessages(components: readonly Component[], context: DiscoveryContext, removed: ReadonlyMap<string, Record<string, string>> = new Map()): DiscoveryMessage[] {
  const messages: DiscoveryMessage[] = [];
  for (const group of groups(components, context)) {
    if (context.discovery === 'entity') {
      for (const component of group.components) {
        const topic = `${context.discoveryPrefix}/${component.platform}/${group.objectId}/${component.key}/config`;
        const { p: _platform, ...options } = componentOptions(component, context, group.own);
        messages.push({ topic, payload: JSON.stringify({ ...options, dev: group.device, o: origin(context) }), components: { [component.key]: component.platform } });
      }
      continue;
    }
    const topic = `${context.discoveryPrefix}/device/${group.objectId}/config`;
    const cmps: Json = {};
    const announced: Record<string, string> = {};
    for (const component of group.components) {
      cmps[component.key] = componentOptions(component, context, group.own);
      announced[component.key] = component.platform;
    }
    const gone = removed.get(topic);
    if (gone && Object.keys(gone).length > 0) {
      const withRemovals: Json = { ...cmps };
      for (const [key, platform] of Object.entries(gone)) withRemovals[key] = { p: platform };
      // First the removal form, then the device as it is now (HA's documented order).
      messages.push({ topic, payload: JSON.stringify({ dev: group.device, o: origin(context), cmps: withRemovals, qos: 1 }), components: announced });
    }
    messages.push({ topic, payload: JSON.stringify({ dev: group.device, o: origin(context), cmps, qos: 1 }), components: announced });
  }
  return messages;
}
