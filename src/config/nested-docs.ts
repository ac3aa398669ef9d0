// What the config's sections are, and what the keys below a documented key mean (the README's row
// for `mqtt.batch` or `simulate.gpio.<pin>` covers its keys in one line; the editor schema
// describes each): the same `ItemDoc` shape as item-docs.ts. A `<name>` part of a path is any key
// of a mapping (a pin, a value name). A driver's own options are documented with the driver.
import type { ItemDoc } from './item-docs.js';

/** The top-level keys other than `sensors`, and the groups of keys below them. */
export const SECTION_DOCS: Record<string, ItemDoc> = {
  $schema: { description: 'the editor schema this file is checked against (ignored by the agent)', examples: ['./sensor-agent.schema.json'] },
  device: { description: 'this device: its id in topics and the status port', examples: [{ id: 'greenhouse-7' }] },
  mqtt: { description: 'the broker, its credentials and how readings are published (README: "Configuration", "MQTT topics and payloads")', examples: [{ url: 'mqtts://broker.example.net:8883', username: 'sensor-agent', password: '${MQTT_PASSWORD}' }] },
  'mqtt.tls': { description: 'TLS files for mqtts:// and wss:// (server CA; client certificate and key for mTLS)', examples: [{ ca: '/etc/sensor-agent/ca.pem' }] },
  'mqtt.reconnect': { description: 'reconnect backoff with full jitter: min and max wait', examples: [{ min: '1s', max: '60s' }] },
  store: { description: 'the LevelDB buffer readings wait in until the broker has them (README: "How the buffer keeps readings safe")', examples: [{ path: '/var/lib/sensor-agent/buffer', maxBytes: '256MB' }] },
  status: { description: 'the local status port: page, /status.json, /ws and /healthz (README: "Status port")', examples: [{ listen: '0.0.0.0:8080' }, { listen: 'off' }] },
  log: { description: "the agent's log", examples: [{ level: 'info' }] },
  hardware: { description: "where the kernel's GPIO, 1-Wire, IIO, hwmon and I2C interfaces are, and how GPIO lines are reached", examples: [{ gpio: 'auto' }] },
  simulate: { description: 'I2C buses and GPIO lines simulated for demos and tests without hardware (README: "Simulated buses and lines")', examples: [{ gpio: { 17: { level: 0, toggle: '30s' } } }] },
  homeassistant: { description: 'Home Assistant MQTT discovery (README: "Home Assistant")', examples: [{ enabled: true }] },
  remote: { description: 'a whole config taken from <topicPrefix>/config/set, health-gated, optionally signed (README: "Remote configuration")', examples: [{ config: true, healthTimeout: '60s' }] },
  outputs: { description: 'relays and GPIO lines switched over MQTT (README: "Outputs: relays and GPIO lines")', examples: [[{ id: 'pump', driver: 'gpio-output', pin: 22, activeLow: true }]] },
};

/** Keys below a key whose README row covers them. */
export const NESTED_KEY_DOCS: Record<string, ItemDoc> = {
  'mqtt.batch.maxReadings': { description: 'the most readings of a sensor in one message, 1 to 1000 (default: 50)', examples: [50, 200] },
  'mqtt.batch.maxDelay': { description: 'a message goes out once its first reading has waited this long, if it is not full before (default: 2s)', examples: ['2s', '500ms'] },
  'simulate.gpio.<pin>.level': { description: 'the level at start, and between pulses: 0 or 1 (default: 0)', examples: [0, 1] },
  'simulate.gpio.<pin>.toggle': { description: 'flip the level this often, like a door opening and closing (default: never)', examples: ['30s'] },
  'simulate.gpio.<pin>.pulses': { description: "short pulses away from the level, like a meter's S0 output", examples: [{ every: '1s', width: '50ms' }] },
  'simulate.gpio.<pin>.pulses.every': { description: 'a pulse starts this often (required)', examples: ['1s', '100ms'] },
  'simulate.gpio.<pin>.pulses.width': { description: 'how long each pulse lasts, at most half of every (default: 50ms, or half of every when shorter)', examples: ['50ms'] },
};

/** Keys of a filter step's mapping, by step: `clamp.min`. */
export const FILTER_OPTION_DOCS: Record<string, ItemDoc> = {
  'clamp.min': { description: 'a value below this fails the reading (default: no lower bound)', examples: [-40] },
  'clamp.max': { description: 'a value above this fails the reading (default: no upper bound)', examples: [85] },
  'median.window': { description: 'how many of the last values the median is taken over, 1 to 1000 (required)', examples: [5] },
  'median.sendEvery': { description: 'passes the median on every sendEvery-th value, 1 to 1000 (default: 1: a moving median)', examples: [1, 5] },
  'average.window': { description: 'how many of the last values the mean is taken over, 1 to 1000 (required)', examples: [5] },
  'average.sendEvery': { description: 'passes the mean on every sendEvery-th value, 1 to 1000 (default: 1: a moving average)', examples: [1, 5] },
};
