// TI ADS1115 16-bit ADC (datasheet SBAS444, "Register Map" and "Single-Shot Mode"): per channel,
// write the Config register (pointer 01b, MSB first) with OS = 1 (start), MUX (input pair), PGA
// (full-scale range), MODE = single-shot, DR (data rate) and the comparator disabled
// (COMP_QUE = 11b); wait one conversion (1/DR, plus the oscillator's 10 % tolerance), poll OS until
// it reads 1 (idle, bounded), then read the Conversion register (pointer 00b): signed 16-bit, MSB
// first, one LSB = FSR / 2^15 ("Full-Scale Range and LSB Size", "Data Format": 0x7FFF = +FSR·
// (2^15−1)/2^15, 0x8000 = −FSR). Registers are read and written as SMBus words with the bytes
// swapped (registers.ts): the same bytes on the wire as the datasheet's pointer-then-data
// transfers ("Reading from the ADS111x"). The ADS1115 has no id register: any chip acknowledging
// the address is taken for one (an ADS1015 would read 12-bit values in the same format).
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { hex, type I2cBus } from '../../hardware/i2c/i2c-bus.js';
import { describeDevice, i2cDeviceOptions, onDevice, type I2cDevice, i2cDeviceUse } from '../i2c-device.js';
import { readWordBE, writeWordBE } from './registers.js';
import { SensorError, type DriverDefinition, type Sensor, type ValueDefinitions, type Values } from '../types.js';
import { measured } from '../value-kinds.js';
import { roundToDecimals } from '../rounding.js';

/** ADDR pin to GND, VDD, SDA, SCL. */
export const ADS1115_ADDRESSES = [0x48, 0x49, 0x4a, 0x4b] as const;

export const REG_CONVERSION = 0x00;
export const REG_CONFIG = 0x01;

const CONFIG_OS = 1 << 15;
const CONFIG_MUX_SHIFT = 12;
const CONFIG_PGA_SHIFT = 9;
const CONFIG_MODE_SINGLE_SHOT = 1 << 8;
const CONFIG_DR_SHIFT = 5;
const CONFIG_COMP_QUE_DISABLE = 0b11;

/** MUX[2:0] per input: a single-ended channel against GND, or a differential pair AINp−AINn. */
export const MUX = { '0-1': 0b000, '0-3': 0b001, '1-3': 0b010, '2-3': 0b011, 0: 0b100, 1: 0b101, 2: 0b110, 3: 0b111 } as const;
export type Ads1115Channel = keyof typeof MUX;

/** FSR (±V) → PGA[2:0], and the decimals that hold one LSB (FSR / 2^15) exactly. */
export const GAINS = new Map<number, { pga: number; decimals: number }>([
  [6.144, { pga: 0b000, decimals: 7 }], // LSB 187.5 µV
  [4.096, { pga: 0b001, decimals: 6 }], // 125 µV
  [2.048, { pga: 0b010, decimals: 7 }], // 62.5 µV
  [1.024, { pga: 0b011, decimals: 8 }], // 31.25 µV
  [0.512, { pga: 0b100, decimals: 9 }], // 15.625 µV
  [0.256, { pga: 0b101, decimals: 10 }], // 7.8125 µV
]);

/** Samples per second → DR[2:0]. */
export const DATA_RATES = new Map<number, number>([
  [8, 0b000], [16, 0b001], [32, 0b010], [64, 0b011], [128, 0b100], [250, 0b101], [475, 0b110], [860, 0b111],
]);

/** The internal oscillator may run 10 % slow ("Oscillator"); 1 ms more for timer granularity. */
const CONVERSION_MARGIN = 1.1;
/** OS polls after the conversion time, each a tenth of it apart (at least 1 ms). */
const OS_POLLS = 10;

const channelField = z.union([z.literal([0, 1, 2, 3]), z.enum(['0-1', '0-3', '1-3', '2-3'])], {
  error: 'is not an ADS1115 input (0, 1, 2, 3 against GND, or a pair "0-1", "0-3", "1-3", "2-3")',
});

export const ads1115Options = z.strictObject({
  ...i2cDeviceOptions(ADS1115_ADDRESSES[0], [...ADS1115_ADDRESSES]),
  channels: z
    .array(channelField)
    .min(1, { error: 'is empty (expected at least one input)' })
    .refine((channels) => new Set(channels).size === channels.length, { error: 'lists an input twice' })
    .default([0])
    .meta({ description: 'the inputs read: 0-3 single-ended, or "0-1", "0-3", "1-3", "2-3" differential (default: [0])', examples: [[0], [0, 1, 2, 3], ['0-1']] }),
  /** Full-scale range ±V; inputs must still stay within GND − 0.3 V .. VDD + 0.3 V. */
  gain: z
    .literal([6.144, 4.096, 2.048, 1.024, 0.512, 0.256], { error: 'is not an ADS1115 full-scale range (6.144, 4.096, 2.048, 1.024, 0.512 or 0.256)' })
    .default(4.096)
    .meta({ description: 'full scale in V: 6.144, 4.096, 2.048, 1.024, 0.512, 0.256 (default: 4.096)', examples: [4.096, 0.256] }),
  dataRate: z
    .literal([8, 16, 32, 64, 128, 250, 475, 860], { error: 'is not an ADS1115 data rate (8, 16, 32, 64, 128, 250, 475 or 860)' })
    .default(128)
    .meta({ description: 'samples per second, 8-860 (default: 128)', examples: [128, 860] }),
});
export type Ads1115Options = z.infer<typeof ads1115Options>;

/** The Config register value that starts one single-shot conversion of `channel`. */
export function ads1115Config(channel: Ads1115Channel, gain: number, dataRate: number): number {
  return (
    CONFIG_OS |
    (MUX[channel] << CONFIG_MUX_SHIFT) |
    ((GAINS.get(gain)?.pga ?? 0b001) << CONFIG_PGA_SHIFT) |
    CONFIG_MODE_SINGLE_SHOT |
    ((DATA_RATES.get(dataRate) ?? 0b100) << CONFIG_DR_SHIFT) |
    CONFIG_COMP_QUE_DISABLE
  );
}

/** Conversion register code (two's complement) → V at this FSR, an exact multiple of the LSB. */
export function ads1115Volts(code: number, gain: number): number {
  const signed = code & 0x8000 ? code - 0x10000 : code;
  const decimals = GAINS.get(gain)?.decimals ?? 10;
  return roundToDecimals((signed * gain) / 32768, decimals);
}

/** `voltage0` .. `voltage3` for single-ended inputs, `voltage0_1` for the pair 0−1. */
export const valueName = (channel: Ads1115Channel): string => `voltage${String(channel).replace('-', '_')}`;

export async function createAds1115(bus: I2cBus, options: Ads1115Options, sleep: (ms: number) => Promise<unknown> = delay): Promise<Sensor> {
  const device: I2cDevice = { driver: 'ads1115', bus: options.bus, address: options.address };
  const { address, gain, dataRate } = options;
  const readRegister = (register: number, what: string): Promise<number> =>
    onDevice(device, `reading ${what}`, () => readWordBE(bus, address, register));
  const conversionMs = Math.ceil((1000 / dataRate) * CONVERSION_MARGIN) + 1;
  const pollMs = Math.max(1, Math.ceil(conversionMs / OS_POLLS));

  const convert = async (channel: Ads1115Channel): Promise<number> => {
    const config = ads1115Config(channel, gain, dataRate);
    await onDevice(device, `starting a conversion of input ${channel}`, () => writeWordBE(bus, address, REG_CONFIG, config));
    await sleep(conversionMs);
    for (let poll = 0; ; poll += 1) {
      if ((await readRegister(REG_CONFIG, 'the config register')) & CONFIG_OS) break;
      if (poll === OS_POLLS) {
        throw new SensorError('MEASUREMENT_TIMEOUT', `${describeDevice('ads1115', options.bus, address)}: conversion of input ${channel} not done ${conversionMs + OS_POLLS * pollMs} ms after it started (OS bit of config ${hex(REG_CONFIG)} stayed 0)`);
      }
      await sleep(pollMs);
    }
    return ads1115Volts(await readRegister(REG_CONVERSION, `the conversion of input ${channel}`), gain);
  };

  // No id register: reading the config register proves something answers at the address.
  await readRegister(REG_CONFIG, 'the config register');
  return {
    read: async (): Promise<Values> => {
      const values: Values = {};
      for (const channel of options.channels) values[valueName(channel)] = await convert(channel);
      return values;
    },
  };
}

/** One voltage per channel, with the decimals that resolve the gain's LSB. */
function ads1115Values(options: Ads1115Options): ValueDefinitions {
  return Object.fromEntries(options.channels.map((channel) => [valueName(channel), measured('voltage', GAINS.get(options.gain)?.decimals ?? 10)]));
}

export const ads1115Driver: DriverDefinition<Ads1115Options> = {
  name: 'ads1115',
  readme: {
    options: '`bus` (1), `address` (`0x48`-`0x4b`), `channels` (`[0]`; 0-3 single-ended, or `"0-1"`, `"0-3"`, `"1-3"`, `"2-3"` differential), `gain` (full scale V: 6.144, 4.096, 2.048, 1.024, 0.512, 0.256; 4.096), `dataRate` (8-860 SPS, 128)',
    values: '`voltage0`..`voltage3`, `voltage0_1` (V)',
    wiring: 'ADDR to GND/VDD/SDA/SCL = 0x48/49/4a/4b; inputs must stay within VDD',
  },
  transport: 'i2c',
  i2c: { chip: 'ADS1115', addresses: ADS1115_ADDRESSES },
  where: i2cDeviceUse,
  options: ads1115Options,
  values: ads1115Values,
  create: async (options, { hardware }) => createAds1115(await hardware.i2c(options.bus), options),
};
