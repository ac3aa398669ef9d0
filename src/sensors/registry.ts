// Maps a config `driver:` name to its definition. Adding a driver is adding a file and a line here.
import type { DriverDefinition, I2cChip, Transport } from './types.js';
import { simulatedDriver } from './simulated.js';
import { systemDriver } from './system.js';
import { bme280Driver } from './bosch/bme280.js';
import { bmp280Driver } from './bosch/bmp280.js';
import { sht3xDriver } from './sensirion/sht3x.js';
import { sht4xDriver } from './sensirion/sht4x.js';
import { gpioInputDriver } from './gpio-input.js';
import { bh1750Driver } from './bh1750.js';
import { ads1115Driver } from './word-register/ads1115.js';
import { ina219Driver } from './word-register/ina219.js';
import { mcp9808Driver } from './word-register/mcp9808.js';
import { ds18b20Driver } from './ds18b20.js';
import { iioDriver } from './kernel/iio.js';
import { hwmonDriver } from './kernel/hwmon.js';

/**
 * Every driver, by its `driver:` name, in the README table's order. Typed as a record so a
 * sensor's options keep their driver's own type from config load to `create` (SensorConfig,
 * bindDriver): a name and its options type travel together.
 */
const drivers = {
  simulated: simulatedDriver,
  system: systemDriver,
  bme280: bme280Driver,
  bmp280: bmp280Driver,
  sht3x: sht3xDriver,
  sht4x: sht4xDriver,
  'gpio-input': gpioInputDriver,
  bh1750: bh1750Driver,
  ads1115: ads1115Driver,
  ina219: ina219Driver,
  mcp9808: mcp9808Driver,
  ds18b20: ds18b20Driver,
  iio: iioDriver,
  hwmon: hwmonDriver,
};

export type DriverName = keyof typeof drivers;

/** Each driver's options, as its schema parses them. */
export type DriverOptions = { [N in DriverName]: (typeof drivers)[N] extends DriverDefinition<infer Options> ? Options : never };

/** The same record, seen as one definition per name over that name's options (what lets bindDriver call create without a cast). */
export const driversByName: { readonly [N in DriverName]: DriverDefinition<DriverOptions[N]> } = drivers;

for (const [name, definition] of Object.entries(drivers)) {
  if (definition.name !== name) throw new Error(`driver registry: ${name} holds the definition of ${definition.name}`);
}

// TypeScript checks method parameters bivariantly, so each definition is also a DriverDefinition as it stands.
export const driverDefinitions: readonly DriverDefinition[] = Object.values(drivers);

export function isDriverName(name: string): name is DriverName {
  return Object.hasOwn(drivers, name);
}

export function findDriver(name: string): DriverDefinition | undefined {
  return isDriverName(name) ? driversByName[name] : undefined;
}

/** The names of the drivers that reach their hardware this way (doctor's checks). */
export function driversOn(transport: Transport): ReadonlySet<string> {
  return new Set(driverDefinitions.filter((driver) => driver.transport === transport).map((driver) => driver.name));
}

/** The I2C chips with a driver here, in registry order, each with its driver's name. */
export function i2cChips(): Array<I2cChip & { driver: string }> {
  return driverDefinitions.flatMap((driver) => (driver.i2c ? [{ ...driver.i2c, driver: driver.name }] : []));
}
