// Maxim DS18B20 1-Wire thermometer (datasheet 19-7487, "Operation—Measuring Temperature",
// table 1 "Temperature/Data Relationship") through the kernel's w1_therm driver
// (src/hardware/one-wire/one-wire.ts). The chip counts 1/16 °C at 12 bits; the kernel prints m°C truncated,
// so the value is put back on the chip's 0.0625 °C grid (21562 → 21.5625). +85 °C (0x0550) is the
// power-on reset value of the temperature register: read right after a reset (a brown-out, a
// parasite-power supply too weak for the conversion) it is not a measurement, and is rejected. A
// real conversion can also give exactly +85.0 °C; the scratchpad tells them apart: byte 6 (the
// reserved byte that counts like the DS18S20's COUNT_REMAIN, 0x10 minus the temperature's low
// nibble after a conversion: 0x10 at 85.0) reads 0x0C in the scratchpad a DS18B20 holds before its
// first conversion (50 05 4B 46 7F FF 0C 10 1C, as w1_slave prints it). Only that one is rejected.
// Documented range: -55..+125 °C (datasheet "Benefits and Features"); outside it a reading fails.
import { z } from 'zod';
import { createOneWireReader, OneWireError, type OneWireReader } from '../hardware/one-wire/one-wire.js';
import { SensorError, type DriverDefinition, type Sensor, type Values } from './types.js';
import { measured } from './value-kinds.js';
import { checkDocumentedRange, type DocumentedRange } from './documented-range.js';

/** Family code 0x28, then the 48-bit serial number in hex, as the kernel names the folder. */
export const DS18B20_DEVICE_ID = /^28-[0-9a-f]{12}$/;
/** +85 °C in m°C: the temperature register's power-on reset value (table 1 note). */
export const POWER_ON_RESET_MILLI_CELSIUS = 85_000;
/** Scratchpad byte 6 before the first conversion; after a conversion it is 0x10 - (LSB & 0x0F). */
export const POWER_ON_BYTE_6 = 0x0c;
export const TEMPERATURE_RANGE: DocumentedRange = { min: -55, max: 125, unit: '°C', source: 'datasheet, measuring range' };

/** True for the power-on scratchpad (50 05 .. .. .. .. 0C ..), not for a conversion that gave +85.0 °C. */
export function isPowerOnScratchpad(milliCelsius: number, bytes: readonly number[]): boolean {
  return milliCelsius === POWER_ON_RESET_MILLI_CELSIUS && bytes[6] === POWER_ON_BYTE_6;
}
const MILLI_CELSIUS_PER_STEP = 62.5;
const STEPS_PER_CELSIUS = 16;

export const ds18b20Options = z.strictObject({
  deviceId: z
    .string({ error: (issue) => (issue.input === undefined ? 'missing (expected a 1-Wire id such as 28-0316a2790dff)' : 'is not a 1-Wire id such as 28-0316a2790dff') })
    .regex(DS18B20_DEVICE_ID, { error: 'is not a DS18B20 id (28- and 12 hex digits in lowercase, as listed in /sys/bus/w1/devices)' })
    .meta({ description: 'the 1-Wire id, 28-… as listed in /sys/bus/w1/devices (required)', examples: ['28-0316a2790dff'] }),
});
export type Ds18b20Options = z.infer<typeof ds18b20Options>;

/** Kernel m°C → °C on the chip's 1/16 °C grid. */
export function ds18b20Celsius(milliCelsius: number): number {
  return Math.round(milliCelsius / MILLI_CELSIUS_PER_STEP) / STEPS_PER_CELSIUS;
}

const SENSOR_CODES: Record<OneWireError['code'], SensorError['code']> = {
  W1_NOT_ENABLED: 'SENSOR_NOT_FOUND',
  W1_NO_DEVICE: 'SENSOR_NOT_FOUND',
  W1_CRC: 'CRC_MISMATCH',
  W1_BAD_DATA: 'BAD_DATA',
  W1_IO_ERROR: 'W1_IO_ERROR',
};

function asSensorError(error: unknown): unknown {
  return error instanceof OneWireError ? new SensorError(SENSOR_CODES[error.code], `ds18b20 ${error.message.replace(/^1-Wire device /, '')}`) : error;
}

export async function createDs18b20(reader: OneWireReader, options: Ds18b20Options): Promise<Sensor> {
  const { deviceId } = options;
  await reader.checkPresent(deviceId).catch((error: unknown) => {
    throw asSensorError(error);
  });
  return {
    read: async (): Promise<Values> => {
      const { milliCelsius, bytes } = await reader.readScratchpad(deviceId).catch((error: unknown) => {
        throw asSensorError(error);
      });
      if (isPowerOnScratchpad(milliCelsius, bytes)) {
        throw new SensorError('SENSOR_NOT_READY', `ds18b20 ${deviceId}: read 85.000 °C with the power-on scratchpad (byte 6 0x0c), the reset value, not a measurement (the sensor was reset: check its supply; parasite power needs a strong pull-up)`);
      }
      return { temperature: checkDocumentedRange(`ds18b20 ${deviceId}`, 'temperature', ds18b20Celsius(milliCelsius), TEMPERATURE_RANGE) };
    },
  };
}

export const ds18b20Driver: DriverDefinition<Ds18b20Options> = {
  name: 'ds18b20',
  readme: {
    options: '`deviceId` (`28-…`, required)',
    values: '`temperature` (°C)',
    wiring: '1-Wire on GPIO4 with a 4.7 kΩ pull-up to 3.3 V; the kernel\'s CRC is checked, the 85 °C power-on scratchpad rejected (a real 85.0 °C is published)',
  },
  transport: '1-wire',
  where: (options) => ({ kind: '1-wire', deviceId: options.deviceId }),
  options: ds18b20Options,
  values: () => ({ temperature: measured('temperature', 4) }),
  create: (options, { hardware }) => createDs18b20(createOneWireReader(hardware.oneWireRoot), options),
};
