// The `sensors:` list. Each entry is flat in the file (id, driver, interval, qos, retain, topic,
// and the driver's own options side by side); the resolved SensorConfig keeps the base fields on
// top and moves the driver's validated, defaulted options into `options`, which is what the
// driver's factory takes. The driver list comes from the registry: adding a driver needs no edit here.
import { z } from 'zod';
import { driversByName, type DriverName, type DriverOptions } from '../sensors/registry.js';
import { durationField, evenWithFieldProblems, expecting, qosField, topicField } from '../schema/fields.js';
import { checkFilterValueNames, filtersField, type FiltersConfig } from './filter-schema.js';
import type { DriverDefinition, ValueDefinitions } from '../sensors/types.js';
import { checkDeviceClass, sensorHomeassistantShape } from './homeassistant-section.js';

export const ID_PATTERN = /^[a-z0-9_-]+$/;
export const ID_EXPECTED = 'a valid id (lowercase letters, digits, _ and -)';

/** A configured sensor of one driver: the base fields, and that driver's options with their own type. */
export interface SensorConfigOf<Name extends DriverName> {
  id: string;
  driver: Name;
  /** ms between readings; the first one is taken at start. */
  interval: number;
  /** Overrides mqtt.qos / mqtt.retain for this sensor's readings when set. */
  qos?: 0 | 1 | 2;
  retain?: boolean;
  /** Full topic, replacing `<topicPrefix>/<id>`. */
  topic?: string;
  /** `high`: its readings are the buffer's high-priority lane (drained first, dropped last); absent: normal. */
  priority?: Priority;
  /** Value name (or `all`) → filter steps, applied in order between the driver and the buffer. */
  filters?: FiltersConfig;
  /** Home Assistant: display name, device class (one, or value name → class), area; `homeassistant: false` leaves the sensor out. */
  name?: string;
  deviceClass?: string | Record<string, string>;
  area?: string;
  homeassistant?: boolean;
  /** The driver's own options, validated and defaulted by its `options` schema. */
  options: DriverOptions[Name];
}

/** A configured sensor: one of the drivers, its `driver:` name and its options' type going together. */
export type SensorConfig = { [Name in DriverName]: SensorConfigOf<Name> }[DriverName];

/** A sensor's or an output's `priority` (issue 21): `high` readings drain first and are dropped last. */
export type Priority = 'normal' | 'high';

export function priorityField() {
  return z.enum(['normal', 'high'], { error: () => 'is not a priority (expected normal or high)' }).optional();
}

export function idField() {
  return z.string(expecting(ID_EXPECTED)).regex(ID_PATTERN, { error: `is not ${ID_EXPECTED}` });
}

function baseShape() {
  return {
    id: idField(),
    interval: durationField(10, '10s'),
    qos: qosField.optional(),
    retain: z.boolean(expecting('true or false')).optional(),
    topic: topicField.optional(),
    priority: priorityField(),
    filters: filtersField().optional(),
    ...sensorHomeassistantShape(),
  };
}

type BaseFields = z.output<z.ZodObject<ReturnType<typeof baseShape>>>;

/**
 * The driver's options out of a parsed entry: the keys of its own schema. They are the outputs of
 * `definition.options.shape`'s fields, which is what its Options type is (types.ts ties the two
 * together), so this is the one place the type is asserted rather than inferred.
 */
function ownOptions<Name extends DriverName>(definition: DriverDefinition<DriverOptions[Name]>, entry: Record<string, unknown>): DriverOptions[Name] {
  const own = Object.keys(definition.options.shape).filter((key) => !(key in BASE_KEYS) && entry[key] !== undefined);
  return Object.fromEntries(own.map((key) => [key, entry[key]])) as DriverOptions[Name];
}

const BASE_KEYS: Readonly<Record<string, true>> = Object.fromEntries(['driver', ...Object.keys(baseShape())].map((key) => [key, true]));

function toSensorConfig<Name extends DriverName>(name: Name, entry: BaseFields, options: DriverOptions[Name]): SensorConfigOf<Name> {
  const { id, interval, qos, retain, topic, priority, filters, name: displayName, deviceClass, area, homeassistant } = entry;
  const sensor: SensorConfigOf<Name> = { id, driver: name, interval, options };
  if (displayName !== undefined) sensor.name = displayName;
  if (deviceClass !== undefined) sensor.deviceClass = deviceClass;
  if (area !== undefined) sensor.area = area;
  if (homeassistant !== undefined) sensor.homeassistant = homeassistant;
  if (filters !== undefined) sensor.filters = filters;
  if (qos !== undefined) sensor.qos = qos;
  if (retain !== undefined) sensor.retain = retain;
  if (topic !== undefined) sensor.topic = topic;
  if (priority !== undefined) sensor.priority = priority;
  return sensor;
}

/** One strict object per driver: base keys win over a driver option of the same name. */
function driverEntry<Name extends DriverName>(name: Name) {
  const definition: DriverDefinition<DriverOptions[Name]> = driversByName[name];
  return z
    .strictObject({ ...definition.options.shape, ...baseShape(), driver: z.literal(name) })
    .superRefine((entry, ctx) => {
      const values = valueDefinitions(definition, ownOptions(definition, entry));
      checkFilterValueNames(entry.filters, values && Object.keys(values), ctx, ['filters']);
      checkDeviceClass(entry.deviceClass, values, ctx);
    }, evenWithFieldProblems)
    .transform((entry) => toSensorConfig(name, entry, ownOptions(definition, entry)));
}

/** The values a sensor with these options reports, or null when its driver does not say. */
function valueDefinitions<Options>(definition: DriverDefinition<Options>, options: Options): ValueDefinitions | null {
  try {
    return definition.values?.(options) ?? null;
  } catch {
    return null;
  }
}

type DriverEntry = ReturnType<typeof driverEntry>;

function uniqueIds(sensors: readonly unknown[], ctx: z.RefinementCtx): void {
  // Zod still runs this check when `sensors:` is not a list (already reported as such).
  if (!Array.isArray(sensors)) return;
  const firstIndex = new Map<string, number>();
  sensors.forEach((sensor, index) => {
    const id = typeof sensor === 'object' && sensor !== null ? (sensor as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `is already used by sensors[${first}]` });
  });
}

export function sensorsSchema() {
  const entries = (Object.keys(driversByName) as DriverName[]).map((name) => driverEntry(name));
  // Each entry's output is SensorConfigOf<its name>; an array built over all names loses which is
  // which, so the union is stated once here as what it is: one of the drivers with its own options.
  const sensor = z.discriminatedUnion('driver', entries as [DriverEntry, ...DriverEntry[]], expecting('a sensor (a mapping with id, driver, ...)')) as unknown as z.ZodType<SensorConfig>;
  return z
    .array(sensor, expecting('a list of sensors'))
    .min(1, { error: 'is empty (expected at least 1 sensor)' })
    .superRefine(uniqueIds, evenWithFieldProblems);
}
