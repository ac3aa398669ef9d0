// What each kind of value is published in (design.md, "Value names and units"): the one table
// the drivers' value definitions, the simulated driver's `unit:` and the status page's units read,
// so a unit is data in one place and never a string repeated in a driver.
import type { ValueDefinition, ValueKind } from './types.js';

/** The unit of each kind; undefined for the unitless ones (a GPIO level, a count, a load average). */
export const UNIT_BY_KIND: Readonly<Record<ValueKind, string | undefined>> = {
  temperature: '°C',
  humidity: '%RH',
  pressure: 'hPa',
  illuminance: 'lux',
  voltage: 'V',
  current: 'A',
  power: 'W',
  level: undefined,
  count: undefined,
  rate: 'pulses/s',
  dataSize: 'MB',
  percent: '%',
  duration: 's',
  load: undefined,
};

/** The kind each unit stands for (a simulated value given a unit is that quantity). */
export const KIND_BY_UNIT: Readonly<Record<string, ValueKind>> = Object.fromEntries(
  Object.entries(UNIT_BY_KIND).flatMap(([kind, unit]) => (unit === undefined ? [] : [[unit, kind as ValueKind]])),
);

/** A value of `kind`, in its unit, published with `decimals` places. */
export function measured(kind: ValueKind, decimals: number, extra: Pick<ValueDefinition, 'diagnostic'> = {}): ValueDefinition {
  const unit = UNIT_BY_KIND[kind];
  return { decimals, ...(unit === undefined ? {} : { unit }), kind, ...extra };
}
