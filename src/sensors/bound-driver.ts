// A configured sensor with its driver found: the one place a sensor's `driver:` name is turned
// into its definition, so the agent, doctor and Home Assistant discovery each look it up once and
// then ask the bound driver. The name and the options' type go together (SensorConfig), so the
// definition found for the name takes these options as they are: no cast between config and driver.
import { driversByName, type DriverName, type DriverOptions } from './registry.js';
import type { DriverContext, DriverDefinition, HardwareUse, Sensor, ValueDefinitions } from './types.js';

export interface BoundDriver {
  definition: DriverDefinition;
  create(context: DriverContext): Promise<Sensor>;
  /** The values this sensor reports (undefined when only the device knows them); throws as the driver's values() does. */
  values(): ValueDefinitions | undefined;
  /** The hardware it uses, for doctor; undefined for host and simulated drivers. */
  where(): HardwareUse | undefined;
  /** Each declared value's unit ('' when unitless), for the status page; undefined when only the device knows its values. */
  units(): Record<string, string> | undefined;
}

/** The sensor's driver bound to its options. */
export function bindDriver<Name extends DriverName>(sensor: { driver: Name; options: DriverOptions[Name] }): BoundDriver {
  const definition: DriverDefinition<DriverOptions[Name]> = driversByName[sensor.driver];
  return {
    definition,
    create: (context) => definition.create(sensor.options, context),
    values: () => definition.values?.(sensor.options),
    where: () => definition.where?.(sensor.options),
    units: () => {
      let values: ValueDefinitions | undefined;
      try {
        values = definition.values?.(sensor.options);
      } catch {
        return undefined;
      }
      return values && Object.fromEntries(Object.entries(values).map(([name, value]) => [name, value.unit ?? '']));
    },
  };
}

