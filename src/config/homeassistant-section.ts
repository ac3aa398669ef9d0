// The `homeassistant:` section (issue 17) and the Home Assistant keys of a sensor entry (`name`,
// `deviceClass`, `area`, `homeassistant: false`). Device classes are checked against HA's own
// list and the units it allows for each (src/homeassistant/vocabulary.ts): a class HA would
// reject is a config error here, not an error in HA's log later. An output's switch has the key
// `<device id>_<output id>`: with HA enabled, an output id that would give a sensor value's key
// (`<sensor id>_<value>`) or the agent's own (`agent_...`) is a config error too.
import { z } from 'zod';
import { durationField, expecting, topicField } from '../schema/fields.js';
import { deviceClassProblem } from '../homeassistant/vocabulary.js';
import type { ValueDefinitions } from '../sensors/types.js';
import { findDriver } from '../sensors/registry.js';

const bool = () => z.boolean(expecting('true or false'));
const text = (noun: string) => z.string(expecting(noun)).min(1, { error: `is empty (expected ${noun})` });

export function homeassistantSection() {
  return z.strictObject(
    {
      enabled: bool().default(false),
      discoveryPrefix: topicField.default('homeassistant'),
      retain: bool().default(true),
      statusTopic: topicField.default('homeassistant/status'),
      /** `device`: one message per device (HA 2024.11 and later); `entity`: one per value (older HA). */
      discovery: z.enum(['device', 'entity']).default('device'),
      /** The longest random delay before announcing again when HA says `online` (a fleet must not answer in the same second). */
      announceDelay: durationField(0, '5s'),
    },
    expecting('a mapping of Home Assistant settings'),
  );
}

/** A sensor's HA keys, beside id, driver, interval... */
export function sensorHomeassistantShape() {
  return {
    name: text('a display name').optional(),
    deviceClass: z.union([z.string(), z.record(z.string(), z.string())], { error: () => 'is not a device class (a name such as door, or a mapping value name → class)' }).optional(),
    area: text('an area name such as Kitchen').optional(),
    homeassistant: bool().optional(),
  };
}

/** Checks `deviceClass` against the values the sensor reports (their units) and HA's table. */
export function checkDeviceClass(deviceClass: string | Record<string, string> | undefined, values: ValueDefinitions | null, ctx: z.RefinementCtx): void {
  if (deviceClass === undefined || values === null) return;
  const names = Object.keys(values);
  if (typeof deviceClass === 'string') {
    const only = names.length === 1 ? names[0]! : undefined;
    if (only === undefined) {
      ctx.addIssue({ code: 'custom', path: ['deviceClass'], message: `is one class for ${names.length} values (${names.join(', ')}): give a mapping such as { ${names[0]}: ... }` });
      return;
    }
    const problem = deviceClassProblem(values[only], deviceClass);
    if (problem) ctx.addIssue({ code: 'custom', path: ['deviceClass'], message: `${deviceClass} ${problem}` });
    return;
  }
  for (const [name, cls] of Object.entries(deviceClass)) {
    if (!(name in values)) {
      ctx.addIssue({ code: 'custom', path: ['deviceClass', name], message: `names no value of this sensor (it reports ${names.join(', ')})` });
      continue;
    }
    const problem = deviceClassProblem(values[name], cls);
    if (problem) ctx.addIssue({ code: 'custom', path: ['deviceClass', name], message: `${cls} ${problem}` });
  }
}

function valueNames(sensor: unknown): string[] {
  const entry = typeof sensor === 'object' && sensor !== null ? (sensor as { driver?: unknown; options?: unknown }) : {};
  const driver = typeof entry.driver === 'string' ? findDriver(entry.driver) : undefined;
  if (!driver?.values) return [];
  // A parsed sensor keeps its driver's options in `options`; an unparsed one has them flat, beside
  // the base keys, and not validated yet: its own keys are parsed by its schema first.
  const raw = (entry.options ?? entry) as Record<string, unknown>;
  const own = Object.fromEntries(Object.keys(driver.options.shape).filter((key) => key in raw).map((key) => [key, raw[key]]));
  const options = driver.options.safeParse(own);
  if (!options.success) return [];
  try {
    return Object.keys(driver.values(options.data) ?? {});
  } catch {
    return [];
  }
}

/**
 * The switch key `<device id>_<output id>` must not be another component's key: a sensor value's
 * `<device id>_<sensor id>_<value>` (ids may contain `_`) or the agent's own `<device id>_agent_...`.
 * Only with `homeassistant.enabled` (nothing collides otherwise).
 */
export function checkSwitchKeys(raw: { homeassistant?: unknown; sensors?: unknown; outputs?: unknown }, ctx: z.RefinementCtx): void {
  if ((raw.homeassistant as { enabled?: unknown } | undefined)?.enabled !== true || !Array.isArray(raw.outputs)) return;
  const taken = new Map<string, string>();
  if (Array.isArray(raw.sensors)) {
    raw.sensors.forEach((sensor, index) => {
      const id = (sensor as { id?: unknown } | null)?.id;
      if (typeof id === 'string') for (const value of valueNames(sensor)) taken.set(`${id}_${value}`, `sensors[${index}] (${id}, value ${value})`);
    });
  }
  raw.outputs.forEach((output, index) => {
    const id = (output as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const path = ['outputs', index, 'id'];
    const owner = taken.get(id);
    if (owner !== undefined) ctx.addIssue({ code: 'custom', path, message: `would give the Home Assistant unique id <device id>_${id} of ${owner}; choose another id` });
    if (id.startsWith('agent_')) ctx.addIssue({ code: 'custom', path, message: "starts with agent_, which Home Assistant unique ids of the agent's own entities use (<device id>_agent_...); choose another id" });
  });
}
