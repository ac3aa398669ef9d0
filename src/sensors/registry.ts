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

// A definition's methods take its own options; TypeScript checks method parameters bivariantly,
// so each definition is a DriverDefinition as it stands, with no cast.
export const driverDefinitions: readonly DriverDefinition[] = [
  simulatedDriver,
  systemDriver,
  bme280Driver,
  bmp280Driver,
  sht3xDriver,
  sht4xDriver,
  gpioInputDriver,
  bh1750Driver,
  ads1115Driver,
  ina219Driver,
  mcp9808Driver,
  ds18b20Driver,
  iioDriver,
  hwmonDriver,
];

export function findDriver(name: string): DriverDefinition | undefined {
  return driverDefinitions.find((driver) => driver.name === name);
}

/** The names of the drivers that reach their hardware this way (doctor's checks). */
export function driversOn(transport: Transport): ReadonlySet<string> {
  return new Set(driverDefinitions.filter((driver) => driver.transport === transport).map((driver) => driver.name));
}

/** The I2C chips with a driver here, in registry order, each with its driver's name. */
export function i2cChips(): Array<I2cChip & { driver: string }> {
  return driverDefinitions.flatMap((driver) => (driver.i2c ? [{ ...driver.i2c, driver: driver.name }] : []));
}
