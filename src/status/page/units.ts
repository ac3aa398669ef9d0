// Units by value name (design.md, "Value names and units"): data, not strings scattered in code.
// A channel suffix is ignored (voltage0 → V). Names not listed carry no unit, except the
// system driver's `...Percent` and `...MB` names, which say their unit themselves.

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
};

export function unitOf(name: string): string {
  const base = name.replace(/\d+$/, '');
  const unit = unitsByName[base];
  if (unit !== undefined) return unit;
  if (/Percent$/.test(name)) return '%';
  if (/MB$/.test(name)) return 'MB';
  return '';
}
