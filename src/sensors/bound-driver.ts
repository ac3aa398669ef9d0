// A configured sensor with its driver found: the one place a sensor's `driver:` name is turned
// into its definition, so the agent, doctor and Home Assistant discovery each look it up once and
// then ask the bound driver. The options are the ones config load validated with this driver's
// own schema (src/config/sensor-schema.ts), which is what makes handing them over sound.
import { findDriver } from './registry.js';
import type { DriverContext, DriverDefinition, HardwareUse, Sensor, ValueDefinitions } from './types.js';

export interface BoundDriver {
  definition: DriverDefinition;
  create(context: DriverContext): Promise<Sensor>;
  /** The values this sensor reports (undefined when only the device knows them); throws as the driver's values() does. */
  values(): ValueDefinitions | undefined;
  /** The hardware it uses, for doctor; undefined for host and simulated drivers. */
  where(): HardwareUse | undefined;
}

/** The sensor's driver bound to its options; undefined for a name no driver has (config load rejects those). */
export function bindDriver(sensor: { driver: string; options: unknown }): BoundDriver | undefined {
  const definition = findDriver(sensor.driver);
  if (!definition) return undefined;
  return {
    definition,
    create: (context) => definition.create(sensor.options, context),
    values: () => definition.values?.(sensor.options),
    where: () => definition.where?.(sensor.options),
  };
}
