// The `outputs:` list (issue 18): GPIO lines the agent drives. Every key has a safe default: a line
// starts and falls back to 0 (off), a command older than a minute is refused, retained commands are
// ignored, and a link down for 30 s puts the line to its safe state. `failsafeAfter: off` keeps the
// last command through an outage (only for loads where that is the safe thing to do).
import { z } from 'zod';
import { durationField, evenWithFieldProblems, expecting, qosField } from '../schema/fields.js';
import { duration } from '../schema/units.js';
import { idField, priorityField } from './sensor-schema.js';
import { MAX_BCM_PIN } from '../sensors/gpio-input.js';

const level = z.literal([0, 1], { error: () => 'is not a level (expected 0 or 1)' });
const optionalDuration = (minMs: number) => z.union([z.string(), z.number()], { error: () => 'is not a duration (examples: 500ms, 5s, 1m)' }).pipe(duration(minMs));

function outputEntry() {
  return z.strictObject(
    {
      id: idField(),
      driver: z.literal('gpio-output', { error: () => 'is not a known output driver (expected gpio-output)' }),
      /** BCM number. */
      pin: z.number(expecting('a BCM pin number such as 17')).int().min(0).max(MAX_BCM_PIN),
      /** The load is on when the line is low (most relay boards). Levels in commands stay logical. */
      activeLow: z.boolean(expecting('true or false')).default(false),
      /** The level set when the line is opened, before anything else runs. */
      initial: level.default(0),
      /** The level on link loss (after failsafeAfter), on stop and on any doubt. */
      safeState: level.default(0),
      /** A hard bound on how long the output stays on (ms); absent: no bound. */
      maxOn: optionalDuration(10).optional(),
      /** Link down this long → safeState; `off` keeps the last command. */
      failsafeAfter: z.union([z.literal('off'), optionalDuration(0)]).prefault('30s'),
      /** Act on a retained command (off by default: a week-old retained ON must not be replayed). */
      acceptRetained: z.boolean(expecting('true or false')).default(false),
      /** A command whose payload `ts` is older than this is refused. */
      maxCommandAge: durationField(100, '60s'),
      /** QoS of the confirmed state (defaults to mqtt.qos). */
      qos: qosField.optional(),
      /** `high`: confirmed state changes are also buffered as readings of the output, in the high lane (issue 21). */
      priority: priorityField(),
      /** Home Assistant: the switch's display name (default: the id). */
      name: z.string(expecting('a display name')).min(1, { error: 'is empty (expected a display name)' }).optional(),
    },
    expecting('an output (a mapping with id, driver: gpio-output, pin, ...)'),
  );
}

export type OutputConfig = z.output<ReturnType<typeof outputEntry>>;

function uniqueIds(outputs: readonly unknown[], ctx: z.RefinementCtx): void {
  if (!Array.isArray(outputs)) return;
  const first = new Map<string, number>();
  outputs.forEach((output, index) => {
    const id = typeof output === 'object' && output !== null ? (output as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return;
    const seen = first.get(id);
    if (seen === undefined) first.set(id, index);
    else ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `is already used by outputs[${seen}]` });
  });
}

export function outputsSchema() {
  return z.array(outputEntry(), expecting('a list of outputs')).default([]).superRefine(uniqueIds, evenWithFieldProblems);
}

/**
 * A BCM pin claimed twice (by two outputs, or by a sensor and an output) is a config error naming
 * both keys, and so is an output id whose state topic another part uses. Runs at the top level,
 * where both lists are visible.
 */
export function checkOutputClaims(raw: { sensors?: unknown; outputs?: unknown }, ctx: z.RefinementCtx): void {
  const owners = new Map<number, string>();
  const claim = (list: unknown, name: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((entry, index) => {
      // A parsed sensor keeps its driver's options (pin among them) in `options`.
      const fields = typeof entry === 'object' && entry !== null ? (entry as { pin?: unknown; options?: { pin?: unknown } }) : {};
      const pin = fields.pin ?? fields.options?.pin;
      if (typeof pin !== 'number' || !Number.isInteger(pin)) return;
      const key = `${name}[${index}].pin`;
      const owner = owners.get(pin);
      if (owner === undefined) owners.set(pin, key);
      else ctx.addIssue({ code: 'custom', path: [name, index, 'pin'], message: `is BCM ${pin}, already used by ${owner} (a pin can have one user)` });
    });
  };
  claim(raw.sensors, 'sensors');
  claim(raw.outputs, 'outputs');
  // An output's state topic is `<topicPrefix>/<id>`: it must not be a sensor's topic or the status topic.
  const sensorIds = new Map<string, number>();
  if (Array.isArray(raw.sensors)) raw.sensors.forEach((sensor, index) => typeof (sensor as { id?: unknown })?.id === 'string' && sensorIds.set((sensor as { id: string }).id, index));
  if (!Array.isArray(raw.outputs)) return;
  raw.outputs.forEach((output, index) => {
    const id = (output as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const sensor = sensorIds.get(id);
    if (sensor !== undefined) ctx.addIssue({ code: 'custom', path: ['outputs', index, 'id'], message: `is already used by sensors[${sensor}] (both would publish on <topicPrefix>/${id})` });
    if (id === 'status') ctx.addIssue({ code: 'custom', path: ['outputs', index, 'id'], message: 'is the device status topic (<topicPrefix>/status); choose another id' });
  });
}
