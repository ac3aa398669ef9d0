// Units and labels by value name (design.md, "Value names and units"): data, not strings
// scattered in code. A channel suffix is ignored (voltage0 → V), and so is the modifier the iio
// driver keeps from the kernel's channel name (temperatureAmbient → °C). The system driver's names carry
// their unit (`diskFreeMB`, `memoryUsedPercent`): the page shows a label without it, and the unit
// beside the number.

const unitsByName: Readonly<Record<string, string>> = {
  temperature: '°C',
  humidity: '%RH',
  pressure: 'hPa',
  illuminance: 'lux',
  voltage: 'V',
  current: 'A',
  power: 'W',
  level: '',
  count: '',
  rate: '/s',
  uptime: 's',
  shuntVoltage: 'V',
};

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

export function unitOf(name: string): string {
  const base = name.replace(/\d+$/, '');
  const unit = unitsByName[base] ?? unitsByName[/^[a-z]+(?=[A-Z\d]|$)/.exec(name)?.[0] ?? ''];
  if (unit !== undefined) return unit;
  if (/Percent$/.test(name)) return '%';
  if (/MB$/.test(name)) return 'MB';
  return '';
}

/** What the page calls a value: its label, or the name itself. */
export function labelOf(name: string): string {
  return labelsByName[name] ?? name;
}
