// Units and labels by value name (design.md, "Value names and units"): the unit comes from the
// drivers' own table of kinds (src/sensors/value-kinds.ts), so the page and the drivers cannot
// disagree. A channel suffix is ignored (voltage0 → V), and so is the modifier the iio driver
// keeps from the kernel's channel name (temperatureAmbient → °C). The system driver's names carry
// their unit (`diskFreeMB`, `memoryUsedPercent`): the page shows a label without it, and the unit
// beside the number.
import { UNIT_BY_KIND } from '../../sensors/value-kinds.js';
import type { ValueKind } from '../../sensors/types.js';

/** The kind of each value name the drivers publish (design.md's names, plus the two that are not a kind's own name). */
const kindsByName: Readonly<Record<string, ValueKind>> = {
  temperature: 'temperature',
  humidity: 'humidity',
  pressure: 'pressure',
  illuminance: 'illuminance',
  voltage: 'voltage',
  current: 'current',
  power: 'power',
  level: 'level',
  count: 'count',
  rate: 'rate',
  uptime: 'duration',
  shuntVoltage: 'voltage',
};

/** The page's shorter form of a unit, beside a number in a narrow card. */
const shortUnits: Readonly<Record<string, string>> = { 'pulses/s': '/s' };

/** Labels for names that are not plain words (the system driver's). */
const labelsByName: Readonly<Record<string, string>> = {
  load1: 'load (1 min)',
  load5: 'load (5 min)',
  load15: 'load (15 min)',
  memoryAvailableMB: 'memory available',
  memoryUsedPercent: 'memory used',
  diskFreeMB: 'disk free',
  diskUsedPercent: 'disk used',
  shuntVoltage: 'shunt voltage',
};

function shown(kind: ValueKind): string {
  return shortUnit(UNIT_BY_KIND[kind] ?? '');
}

/** The page's form of a unit a driver declares. */
export function shortUnit(unit: string): string {
  return shortUnits[unit] ?? unit;
}

/** The unit of a value by its name alone: for values whose driver declares none (iio, hwmon found on the device). */
export function unitOf(name: string): string {
  const kind = kindsByName[name.replace(/\d+$/, '')] ?? kindsByName[/^[a-z]+(?=[A-Z\d]|$)/.exec(name)?.[0] ?? ''];
  if (kind !== undefined) return shown(kind);
  if (/Percent$/.test(name)) return shown('percent');
  if (/MB$/.test(name)) return shown('dataSize');
  return '';
}

/** What the page calls a value: its label, or the name itself. */
export function labelOf(name: string): string {
  return labelsByName[name] ?? name;
}
