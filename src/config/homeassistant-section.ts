// The `homeassistant:` section (issue 17) and the Home Assistant keys of a sensor entry (`name`,
// `deviceClass`, `area`, `homeassistant: false`). Device classes are checked against HA's own
// list and the units it allows for each (src/homeassistant/vocabulary.ts): a class HA would
// reject is a config error here, not an error in HA's log later.
import { z } from 'zod';
import { durationField, expecting, topicField } from './fields.js';
import { deviceClassProblem } from '../homeassistant/vocabulary.js';
import type { ValueDefinitions } from '../sensors/types.js';

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
