// Maps a config `driver:` name to its definition. Adding a driver is adding a file and a line here.
import type { DriverDefinition } from './types.js';
import { simulatedDriver } from './simulated.js';
import { systemDriver } from './system.js';
import { bme280Driver } from './bme280.js';
import { bmp280Driver } from './bmp280.js';
import { sht3xDriver } from './sht3x.js';
import { sht4xDriver } from './sht4x.js';
import { gpioInputDriver } from './gpio-input.js';
import { bh1750Driver } from './bh1750.js';
import { ads1115Driver } from './ads1115.js';
import { ina219Driver } from './ina219.js';
import { mcp9808Driver } from './mcp9808.js';
import { ds18b20Driver } from './ds18b20.js';
import { iioDriver } from './iio.js';
import { hwmonDriver } from './hwmon.js';

export const driverDefinitions: readonly DriverDefinition<never>[] = [
  simulatedDriver as DriverDefinition<never>,
  systemDriver as DriverDefinition<never>,
  bme280Driver as DriverDefinition<never>,
  bmp280Driver as DriverDefinition<never>,
  sht3xDriver as DriverDefinition<never>,
  sht4xDriver as DriverDefinition<never>,
  gpioInputDriver as DriverDefinition<never>,
  bh1750Driver as DriverDefinition<never>,
  ads1115Driver as DriverDefinition<never>,
  ina219Driver as DriverDefinition<never>,
  mcp9808Driver as DriverDefinition<never>,
  ds18b20Driver as DriverDefinition<never>,
  iioDriver as DriverDefinition<never>,
  hwmonDriver as DriverDefinition<never>,
];

export function findDriver(name: string): DriverDefinition<never> | undefined {
  return driverDefinitions.find((driver) => driver.name === name);
}
