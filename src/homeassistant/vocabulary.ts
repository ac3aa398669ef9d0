// Home Assistant's vocabulary for what a value is: the sensor device classes with the units each
// allows, the binary sensor device classes, and how a driver's declared value (its kind and unit,
// src/sensors/types.ts) becomes a platform, device class, unit and state class. HA's sensor
// integration page is the reference; a device class whose unit HA does not allow makes HA log an
// error and drop the long-term statistics, so the config is checked against this table.
import type { ValueDefinition, ValueKind } from '../sensors/types.js';

/** Sensor device classes the agent can mean (numeric ones), with the units HA allows for each. */
export const SENSOR_DEVICE_CLASS_UNITS: Readonly<Record<string, readonly string[]>> = {
  absolute_humidity: ['g/m³', 'mg/m³'],
  apparent_power: ['mVA', 'VA'],
  aqi: [],
  atmospheric_pressure: ['cbar', 'bar', 'hPa', 'mmHg', 'inHg', 'kPa', 'mbar', 'Pa', 'psi'],
  battery: ['%'],
  carbon_dioxide: ['ppm'],
  carbon_monoxide: ['ppm'],
  current: ['A', 'mA'],
  data_rate: ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'B/s', 'kB/s', 'MB/s', 'GB/s', 'KiB/s', 'MiB/s', 'GiB/s'],
  data_size: ['bit', 'kbit', 'Mbit', 'Gbit', 'B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'],
  distance: ['km', 'm', 'cm', 'mm', 'mi', 'nmi', 'yd', 'in'],
  duration: ['d', 'h', 'min', 's', 'ms', 'µs'],
  energy: ['J', 'kJ', 'MJ', 'GJ', 'mWh', 'Wh', 'kWh', 'MWh', 'GWh', 'TWh', 'cal', 'kcal', 'Mcal', 'Gcal'],
  frequency: ['Hz', 'kHz', 'MHz', 'GHz'],
  gas: ['L', 'm³', 'ft³', 'CCF'],
  humidity: ['%'],
  illuminance: ['lx'],
  irradiance: ['W/m²', 'BTU/(h⋅ft²)'],
  moisture: ['%'],
  ph: [],
  pm1: ['µg/m³'],
  pm10: ['µg/m³'],
  pm25: ['µg/m³'],
  power: ['mW', 'W', 'kW', 'MW', 'GW', 'TW'],
  power_factor: ['%'],
  precipitation: ['cm', 'in', 'mm'],
  precipitation_intensity: ['in/d', 'in/h', 'mm/d', 'mm/h'],
  pressure: ['Pa', 'kPa', 'hPa', 'bar', 'cbar', 'mbar', 'mmHg', 'inHg', 'psi'],
  signal_strength: ['dB', 'dBm'],
  sound_pressure: ['dB', 'dBA'],
  speed: ['ft/s', 'in/d', 'in/h', 'in/s', 'km/h', 'kn', 'm/s', 'mph', 'mm/d', 'mm/s'],
  temperature: ['°C', '°F', 'K'],
  voltage: ['V', 'mV', 'µV', 'kV', 'MV'],
  volume: ['L', 'mL', 'gal', 'fl. oz.', 'm³', 'ft³', 'CCF'],
  volume_flow_rate: ['m³/h', 'm³/s', 'ft³/min', 'L/h', 'L/min', 'L/s', 'gal/min', 'mL/s'],
  water: ['L', 'gal', 'm³', 'ft³', 'CCF'],
  weight: ['kg', 'g', 'mg', 'µg', 'oz', 'lb', 'st'],
  wind_speed: ['Beaufort', 'ft/s', 'km/h', 'kn', 'm/s', 'mph'],
};

/** Device classes that take no unit at all (aqi, ph; power_factor may have % or none). */
const UNITLESS_CLASSES = new Set(['aqi', 'ph', 'power_factor']);

export const BINARY_SENSOR_DEVICE_CLASSES: readonly string[] = [
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light', 'lock', 'moisture',
  'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke', 'sound', 'tamper', 'update',
  'vibration', 'window',
];

export const STATE_CLASSES = ['measurement', 'total', 'total_increasing'] as const;
export type StateClass = (typeof STATE_CLASSES)[number];

/** design.md's unit spelling → HA's (HA's humidity is `%`, its illuminance `lx`). */
const HA_UNIT: Readonly<Record<string, string>> = { '%RH': '%', lux: 'lx' };

export function haUnit(unit: string | undefined): string | undefined {
  return unit === undefined ? undefined : (HA_UNIT[unit] ?? unit);
}

/** The device class each kind is, where HA has one. */
const CLASS_OF_KIND: Partial<Record<ValueKind, string>> = {
  temperature: 'temperature', humidity: 'humidity', pressure: 'atmospheric_pressure', illuminance: 'illuminance', voltage: 'voltage',
  current: 'current', power: 'power', dataSize: 'data_size', duration: 'duration',
};

export interface HaMeaning {
  platform: 'sensor' | 'binary_sensor';
  deviceClass?: string;
  unit?: string;
  stateClass?: StateClass;
}

/** What HA is told a value is; `deviceClass` from the config replaces the kind's own class. */
export function meaningOf(definition: ValueDefinition | undefined, deviceClass?: string): HaMeaning {
  if (definition?.kind === 'level') return deviceClass === undefined ? { platform: 'binary_sensor' } : { platform: 'binary_sensor', deviceClass };
  const meaning: HaMeaning = { platform: 'sensor', stateClass: definition?.kind === 'count' ? 'total_increasing' : 'measurement' };
  const unit = haUnit(definition?.unit);
  if (unit !== undefined) meaning.unit = unit;
  const kindClass = definition?.kind === undefined ? undefined : CLASS_OF_KIND[definition.kind];
  const chosen = deviceClass ?? kindClass;
  if (chosen !== undefined) meaning.deviceClass = chosen;
  return meaning;
}

/** Why a device class does not fit a value, or null when it does (config check, exit 78). */
export function deviceClassProblem(definition: ValueDefinition | undefined, deviceClass: string): string | null {
  if (definition?.kind === 'level') {
    return BINARY_SENSOR_DEVICE_CLASSES.includes(deviceClass) ? null : `is not a binary sensor device class of Home Assistant (expected one of ${BINARY_SENSOR_DEVICE_CLASSES.join(', ')})`;
  }
  const units = SENSOR_DEVICE_CLASS_UNITS[deviceClass];
  if (units === undefined) return `is not a numeric sensor device class of Home Assistant (expected one of ${Object.keys(SENSOR_DEVICE_CLASS_UNITS).join(', ')})`;
  const unit = haUnit(definition?.unit);
  if (unit === undefined) return UNITLESS_CLASSES.has(deviceClass) ? null : `needs a unit (${units.join(', ')}) and this value has none`;
  return units.includes(unit) ? null : `does not take the value's unit ${unit} (Home Assistant allows ${units.length > 0 ? units.join(', ') : 'no unit'})`;
}
