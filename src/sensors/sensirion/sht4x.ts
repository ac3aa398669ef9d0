// SHT4x humidity and temperature sensor (Sensirion SHT4x datasheet): measure T & RH with high
// precision (section 4.5, command 0xFD), wait the maximum measurement duration (section 3.2,
// 8.3 ms; we wait 10 ms), read T and RH words with CRC-8 (section 4.4), convert with section 4.6:
// T = -45 + 175 * S_T / (2^16 - 1), RH = -6 + 125 * S_RH / (2^16 - 1), cropped to 0..100 %RH as
// the datasheet advises. The serial number (command 0x89) is read at create unless
// `checkSerial: false`: a CRC-checked answer proves an SHT4x is there (an SHT3x NACKs 0x89).
import { z } from 'zod';
import type { DriverContext, DriverDefinition, Sensor, ValueDefinitions, Values } from '../types.js';
import { describeDevice, i2cDeviceOptions, type I2cDevice, i2cDeviceUse } from '../i2c-device.js';
import { sensirionTransfer } from './protocol.js';
import { hex } from '../../hardware/i2c/i2c-bus.js';
import { roundValues } from '../rounding.js';
import { measured } from '../value-kinds.js';
import { checkDocumentedRange, clampHumidity, type DocumentedRange } from '../documented-range.js';

/** SHT40-A/SHT41-A/SHT45-A: 0x44; the -B variants 0x45, the -C variants 0x46. */
export const SHT4X_ADDRESSES = [0x44, 0x45, 0x46] as const;
/** Measure T & RH with high precision (high repeatability). */
export const SHT4X_MEASURE_HIGH_PRECISION = 0xfd;
/** Read serial number: two words, each with a CRC. */
export const SHT4X_READ_SERIAL = 0x89;
/** Section 3.2: high repeatability measurement duration, max 8.3 ms. */
export const SHT4X_MEASUREMENT_MS = 10;

const FULL_SCALE = 65535;

export const sht4xOptions = z.strictObject({
  ...i2cDeviceOptions(SHT4X_ADDRESSES[0], [...SHT4X_ADDRESSES]),
  /** Read the serial number at create, which also proves the chip is an SHT4x. */
  checkSerial: z.boolean().default(true).meta({ description: 'read the serial number at start, which also proves the chip is an SHT4x (default: true)', examples: [true, false] }),
});
export type Sht4xOptions = z.infer<typeof sht4xOptions>;

/** 0.01 °C and 0.01 %RH: the chip's step is finer. */
export const SHT4X_VALUES: ValueDefinitions = { temperature: measured('temperature', 2), humidity: measured('humidity', 2) };

/** Outside it a reading fails; humidity is clamped to 0..100 (documented-range.ts). */
export const TEMPERATURE_RANGE: DocumentedRange = { min: -40, max: 125, unit: '°C', source: 'SHT4x datasheet section 3.1' };

/** Section 4.6: raw words to °C and %RH (cropped to 0..100), rounded to 0.01. */
export function sht4xConvert(rawTemperature: number, rawHumidity: number): Values {
  const humidity = -6 + (125 * rawHumidity) / FULL_SCALE;
  return roundValues({ temperature: -45 + (175 * rawTemperature) / FULL_SCALE, humidity: clampHumidity(humidity) }, SHT4X_VALUES);
}

export const sht4xDriver: DriverDefinition<Sht4xOptions> = {
  name: 'sht4x',
  readme: {
    options: '`bus` (1), `address` (`0x44`), `checkSerial` (true)',
    values: '`temperature`, `humidity`',
    wiring: '3.3 V; high precision measurement, CRC-8 checked',
  },
  transport: 'i2c',
  i2c: { chip: 'SHT4x', family: 'sensirion', addresses: SHT4X_ADDRESSES },
  where: i2cDeviceUse,
  options: sht4xOptions,
  values: () => SHT4X_VALUES,
  create: async (options, { hardware, log }: DriverContext): Promise<Sensor> => {
    const device: I2cDevice = { driver: 'sht4x', bus: options.bus, address: options.address };
    const bus = await hardware.i2c(options.bus);
    if (options.checkSerial) {
      const [high = 0, low = 0] = await sensirionTransfer(bus, device, { code: SHT4X_READ_SERIAL, bytes: 1, name: 'read serial number', waitMs: 1 }, 2);
      const serial = high * 0x10000 + low;
      log.debug({ serial: hex(serial, 8) }, `${describeDevice('sht4x', options.bus, options.address)}: serial number`);
    }
    const measure = { code: SHT4X_MEASURE_HIGH_PRECISION, bytes: 1, name: 'high-precision measurement', waitMs: SHT4X_MEASUREMENT_MS } as const;
    return {
      read: async (): Promise<Values> => {
        const [rawTemperature = 0, rawHumidity = 0] = await sensirionTransfer(bus, device, measure, 2);
        const values = sht4xConvert(rawTemperature, rawHumidity);
        checkDocumentedRange(describeDevice('sht4x', options.bus, options.address), 'temperature', values.temperature ?? 0, TEMPERATURE_RANGE);
        return values;
      },
    };
  },
};
