// Bosch BME280 humidity, pressure and temperature sensor (datasheet BST-BME280-DS002): forced
// mode per read, oversampling per quantity (section 3.4, 5.4.3, 5.4.5), IIR filter (section 3.4.4),
// chip id 0x60 at 0xD0 (section 5.4.1). The flow and the formulas are in bmx280.ts.
// Values: temperature (°C, 0.01), pressure (hPa, 0.01), humidity (%RH, 0.01).
import { z } from 'zod';
import type { DriverDefinition } from '../types.js';
import { i2cDeviceOptions, i2cDeviceUse } from '../i2c-device.js';
import { BMX280_VALUES, createBmx280, filterField, identifyBmx280, oversamplingField, temperatureNotSkipped } from './bmx280.js';

/** SDO to GND: 0x76; SDO to VDDIO: 0x77 (section 6.2). */
export const BME280_ADDRESSES = [0x76, 0x77] as const;

export const bme280Options = z.strictObject({
  ...i2cDeviceOptions(BME280_ADDRESSES[0], [...BME280_ADDRESSES]),
  oversampling: z
    .strictObject({ temperature: oversamplingField('temperature'), pressure: oversamplingField('pressure'), humidity: oversamplingField('humidity') })
    .superRefine(temperatureNotSkipped)
    .prefault({})
    .meta({ description: 'oversampling per quantity: { temperature, pressure, humidity } (1 each; 0 skips pressure/humidity, 1-16)', examples: [{ temperature: 2, pressure: 1, humidity: 1 }] }),
  filter: filterField(),
});
export type Bme280Options = z.infer<typeof bme280Options>;

export const bme280Driver: DriverDefinition<Bme280Options> = {
  name: 'bme280',
  readme: {
    options: '`bus` (1), `address` (`0x76`; or `0x77`), `oversampling: { temperature, pressure, humidity }` (1 each; 0 skips pressure/humidity, 1-16), `filter` (`off`, 2, 4, 8, 16)',
    values: '`temperature` (°C), `pressure` (hPa), `humidity` (%RH)',
    wiring: '3.3 V, SDA GPIO2 (pin 3), SCL GPIO3 (pin 5); SDO to GND = 0x76, to VCC = 0x77. Forced mode: the chip sleeps between reads',
  },
  transport: 'i2c',
  i2c: { chip: 'BME280', family: 'bosch-bmx280', addresses: BME280_ADDRESSES, probe: identifyBmx280 },
  where: i2cDeviceUse,
  options: bme280Options,
  values: () => BMX280_VALUES,
  create: (options, context) => createBmx280('bme280', options, context),
};
