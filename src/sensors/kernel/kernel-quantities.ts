// What the kernel's sysfs sensor ABIs mean in the product's units: each channel type of the IIO
// ABI (Documentation/ABI/testing/sysfs-bus-iio) and of hwmon (Documentation/hwmon/sysfs-interface)
// as a value name, its unit and kind, the factor from the ABI unit to design.md's, and the decimals
// the converted value is rounded to (the ABI unit's own step: 1 m°C is 0.001 °C), so a value never
// carries the binary noise of the conversion (21.53 is not 21.529999999999998).
import type { ValueDefinition, ValueKind } from '../types.js';

export interface Quantity {
  /** The product's value name (design.md): temperature, pressure, ... */
  name: string;
  unit: string;
  kind: ValueKind;
  /** ABI unit → the product's: m°C × 0.001 = °C, kPa × 10 = hPa. */
  factor: number;
  decimals: number;
}

const quantity = (name: string, unit: string, kind: ValueKind, factor: number, decimals: number): Quantity => ({ name, unit, kind, factor, decimals });

/** IIO channel types: `in_<type>[N][_<modifier>]_{input,raw}`. Pressure is kPa, power mW. */
export const IIO_QUANTITIES: Readonly<Record<string, Quantity>> = {
  temp: quantity('temperature', '°C', 'temperature', 0.001, 3),
  humidityrelative: quantity('humidity', '%RH', 'humidity', 0.001, 3),
  pressure: quantity('pressure', 'hPa', 'pressure', 10, 3),
  illuminance: quantity('illuminance', 'lux', 'illuminance', 1, 3),
  voltage: quantity('voltage', 'V', 'voltage', 0.001, 3),
  current: quantity('current', 'A', 'current', 0.001, 3),
  power: quantity('power', 'W', 'power', 0.001, 3),
};

/** hwmon channel types: `<type>N_input`. Power is µW. */
export const HWMON_QUANTITIES: Readonly<Record<string, Quantity>> = {
  temp: quantity('temperature', '°C', 'temperature', 0.001, 3),
  humidity: quantity('humidity', '%RH', 'humidity', 0.001, 3),
  in: quantity('voltage', 'V', 'voltage', 0.001, 3),
  curr: quantity('current', 'A', 'current', 0.001, 3),
  power: quantity('power', 'W', 'power', 0.000001, 6),
};

/** A published value name: the quantity's name, then an index and a modifier as the kernel gives them. */
export const KERNEL_VALUE_NAME = /^(temperature|humidity|pressure|illuminance|voltage|current|power)(\d*)([A-Z][A-Za-z0-9]*)?$/;

/** The definition of a value name such as `temperature`, `voltage1` or `temperatureAmbient`, by its quantity. */
export function kernelValueDefinition(name: string, quantities: Readonly<Record<string, Quantity>>): ValueDefinition | undefined {
  const base = KERNEL_VALUE_NAME.exec(name)?.[1];
  const found = Object.values(quantities).find((candidate) => candidate.name === base);
  return found ? { decimals: found.decimals, unit: found.unit, kind: found.kind } : undefined;
}

