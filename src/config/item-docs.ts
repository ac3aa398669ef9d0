// What the keys of one `sensors:` entry (the keys every driver shares), one filter step and one
// `outputs:` entry mean, with examples: the editor schema carries them on every variant of the
// list (config/sensor-agent.schema.json). The README describes these keys in its prose sections
// ("Configuration", "Filters", "Outputs"). A driver's own options are documented with the driver.

export interface ItemDoc {
  description: string;
  examples: readonly unknown[];
}

export const SENSOR_ITEM_DOCS: Record<string, ItemDoc> = {
  id: { description: "the sensor's id ([a-z0-9_-], unique); the topic's last level", examples: ['room', 'door'] },
  driver: { description: 'which driver reads the sensor (README: the driver table)', examples: ['bme280', 'system'] },
  interval: { description: 'how often the sensor is read (default: 10s)', examples: ['10s', '1m'] },
  qos: { description: "this sensor's QoS (0, 1, 2; default: mqtt.qos)", examples: [1] },
  retain: { description: "this sensor's retain flag (default: mqtt.retain)", examples: [true] },
  topic: { description: 'a full topic instead of <topicPrefix>/<id>', examples: ['greenhouse/air'] },
  priority: { description: 'high: its readings drain first after an outage and are dropped only when no normal reading can be instead (default: normal; README: "Priority")', examples: ['high'] },
  filters: { description: 'per value (or all): a list of steps applied in order between the driver and the buffer (README: "Filters")', examples: [{ temperature: [{ offset: -1.8 }], all: [{ delta: 0.2, heartbeat: '5m' }] }] },
  name: { description: "Home Assistant: the sensor's display name (default: the id)", examples: ['Greenhouse air'] },
  deviceClass: { description: 'Home Assistant: one device class, or a mapping value name → class', examples: ['door', { level: 'window' }] },
  area: { description: 'Home Assistant: the area the device is suggested for', examples: ['Greenhouse'] },
  homeassistant: { description: 'false: left out of Home Assistant discovery', examples: [false] },
};

export const FILTER_STEP_DOCS: Record<string, ItemDoc> = {
  offset: { description: 'adds the number', examples: [-1.8] },
  multiply: { description: 'multiplies by the number', examples: [1.02] },
  calibrate: { description: 'two or more reference points [raw, true] → the least-squares line; check-config prints the fit', examples: [[[0, 0.4], [100, 99.1]]] },
  clamp: { description: 'a value outside the range fails the reading (counted, never clipped); either bound may be left out', examples: [{ min: -40, max: 85 }] },
  median: { description: 'the median of the last window values, passed on every sendEvery-th (default 1: a moving median)', examples: [{ window: 5, sendEvery: 5 }] },
  average: { description: 'the mean of the last window values, passed on every sendEvery-th (default 1)', examples: [{ window: 5 }] },
  throttle: { description: 'at most one value per period', examples: ['30s'] },
  delta: { description: 'passes a value only when it moved at least this far from the last one passed (a number, or a percentage of it)', examples: [0.2, '2%'] },
  heartbeat: { description: 'with delta: passes one anyway when none passed for this long', examples: ['5m'] },
};

export const OUTPUT_ITEM_DOCS: Record<string, ItemDoc> = {
  id: { description: 'the output\'s id; topic sensors/<device>/<id>; must not be a sensor id or "status"', examples: ['pump'] },
  driver: { description: 'gpio-output', examples: ['gpio-output'] },
  pin: { description: 'BCM pin; a pin may have one user', examples: [22] },
  activeLow: { description: 'true for most relay boards: the relay is on while the input is low (default: false)', examples: [true] },
  initial: { description: 'the level set when the line is opened, before anything else (default: 0)', examples: [0] },
  safeState: { description: 'the level on link loss (after failsafeAfter), on stop, on any doubt (default: 0)', examples: [0] },
  maxOn: { description: 'never on longer than this, however it was switched on (default: no bound)', examples: ['10m'] },
  failsafeAfter: { description: 'how long the link may be down before the line goes to safeState; off keeps the last command (default: 30s)', examples: ['30s', 'off'] },
  acceptRetained: { description: 'act on a retained command (default: false: a retained command is ignored)', examples: [false] },
  maxCommandAge: { description: 'a command whose payload ts is older is refused (default: 60s)', examples: ['60s'] },
  qos: { description: 'QoS of the confirmed state (default: mqtt.qos)', examples: [1] },
  priority: { description: 'high: every confirmed state change is also buffered as a reading of the output (value level), drained first, dropped last (default: normal; README: "Priority")', examples: ['high'] },
  name: { description: "the Home Assistant switch's name (default: the id)", examples: ['Pump'] },
};
