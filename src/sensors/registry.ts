// Maps a config `driver:` name to its definition. Adding a driver is adding a file and a line here.
import type { DriverDefinition } from './types.js';
import { simulatedDriver } from './simulated.js';
import { systemDriver } from './system.js';

export const driverDefinitions: readonly DriverDefinition<never>[] = [
  simulatedDriver as DriverDefinition<never>,
  systemDriver as DriverDefinition<never>,
];

export function findDriver(name: string): DriverDefinition<never> | undefined {
  return driverDefinitions.find((driver) => driver.name === name);
}
