// ROHM BH1750FVI ambient light sensor (datasheet 2011.11 Rev.D, "Instruction Set Architecture",
// "Measurement mode explanation", "Adjust measurement result for influence of optical window"):
// per read, Power On (0x01), the measurement time register MTreg (0x40|MT[7:5], 0x60|MT[4:0]),
// a one-time measurement (H 0x20, H2 0x21, L 0x23; the chip powers down after it), wait the
// maximum measurement time scaled by MTreg/69 (H 180 ms, L 24 ms), read 2 bytes MSB first.
// lux = count / 1.2 × 69 / MTreg, halved in H-resolution mode 2. The datasheet's example:
// 0x8390 = 33680 counts → 28067 lx. The BH1750 has no id register and no register pointer: any
// chip acknowledging the address is taken for one.
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { I2cBus } from '../hardware/i2c/i2c-bus.js';
import { i2cDeviceOptions, onDevice, type I2cDevice, i2cDeviceUse } from './i2c-device.js';
import type { DriverDefinition, Sensor, ValueDefinitions, Values } from './types.js';
import { roundValues } from './rounding.js';
import { measured } from './value-kinds.js';

/** ADDR pin low: 0x23; high: 0x5C. */
export const BH1750_ADDRESSES = [0x23, 0x5c] as const;

export const POWER_DOWN = 0x00;
export const POWER_ON = 0x01;
export const ONE_TIME_H_RESOLUTION_MODE = 0x20;
export const ONE_TIME_H_RESOLUTION_MODE2 = 0x21;
export const ONE_TIME_L_RESOLUTION_MODE = 0x23;
/** Change measurement time: high bits 01000_MT[7:5], low bits 011_MT[4:0]. */
export const MTREG_HIGH = 0x40;
export const MTREG_LOW = 0x60;
export const MTREG_DEFAULT = 69;

/** Per mode: command, maximum measurement time at MTreg 69, lux per count divisor. */
export const MODES = {
  high: { command: ONE_TIME_H_RESOLUTION_MODE, maxMeasurementMs: 180, divisor: 1.2 },
  high2: { command: ONE_TIME_H_RESOLUTION_MODE2, maxMeasurementMs: 180, divisor: 2.4 },
  low: { command: ONE_TIME_L_RESOLUTION_MODE, maxMeasurementMs: 24, divisor: 1.2 },
} as const;
export type Bh1750Mode = keyof typeof MODES;

export const bh1750Options = z.strictObject({
  ...i2cDeviceOptions(BH1750_ADDRESSES[0], [...BH1750_ADDRESSES]),
  /** high: 1 lx steps, 120 ms; high2: 0.5 lx; low: 4 lx, 16 ms (typical times at MTreg 69). */
  mode: z
    .enum(['high', 'high2', 'low'], { error: 'is not a BH1750 mode (high, high2 or low)' })
    .default('high')
    .meta({ description: 'high (1 lx steps), high2 (0.5 lx) or low (4 lx, faster) (default: high)', examples: ['high', 'high2'] }),
  /** Measurement time register: higher = more sensitive and slower (31..254, default 69). */
  mtreg: z
    .number()
    .int({ error: 'is not a whole number' })
    .min(31)
    .max(254)
    .default(MTREG_DEFAULT)
    .meta({ description: 'measurement time register, 31-254: higher is more sensitive and slower (default: 69)', examples: [69, 254] }),
});
export type Bh1750Options = z.infer<typeof bh1750Options>;

/** lux for a count in this mode and MTreg. */
export function bh1750Lux(count: number, mode: Bh1750Mode, mtreg: number): number {
  return (count / MODES[mode].divisor) * (MTREG_DEFAULT / mtreg);
}

/** Decimal places that resolve one count: 0.83 lx (high, MTreg 69) → 1; 0.11 lx (high2, MTreg 254) → 1. */
function decimalsFor(mode: Bh1750Mode, mtreg: number): number {
  const luxPerCount = bh1750Lux(1, mode, mtreg);
  return Math.max(0, Math.ceil(-Math.log10(luxPerCount)));
}

export async function createBh1750(bus: I2cBus, options: Bh1750Options, sleep: (ms: number) => Promise<unknown> = delay): Promise<Sensor> {
  const device: I2cDevice = { driver: 'bh1750', bus: options.bus, address: options.address };
  const { address, mode, mtreg } = options;
  const send = (command: number, what: string): Promise<void> => onDevice(device, what, () => bus.sendByte(address, command));
  const waitMs = Math.ceil((MODES[mode].maxMeasurementMs * mtreg) / MTREG_DEFAULT);
  const definitions = bh1750Values(options);

  // No id to check: powering the chip down proves something acknowledges the address.
  await send(POWER_DOWN, 'sending power down');
  return {
    read: async (): Promise<Values> => {
      await send(POWER_ON, 'sending power on');
      // MTreg is written every time: a supply dip resets it to 69 and would scale every value.
      await send(MTREG_HIGH | (mtreg >> 5), 'setting the measurement time');
      await send(MTREG_LOW | (mtreg & 0x1f), 'setting the measurement time');
      await send(MODES[mode].command, 'starting a measurement');
      await sleep(waitMs);
      const data = await onDevice(device, 'reading the measurement', () => bus.i2cRead(address, 2));
      const lux = bh1750Lux(data.readUInt16BE(0), mode, mtreg);
      return roundValues({ illuminance: lux }, definitions);
    },
  };
}

/** The decimals that resolve one count. */
function bh1750Values(options: Bh1750Options): ValueDefinitions {
  return { illuminance: measured('illuminance', decimalsFor(options.mode, options.mtreg)) };
}

export const bh1750Driver: DriverDefinition<Bh1750Options> = {
  name: 'bh1750',
  readme: {
    options: '`bus` (1), `address` (`0x23`; or `0x5c`), `mode`: `high`, `high2`, `low` (`high`), `mtreg` (31-254, 69)',
    values: '`illuminance` (lux)',
    wiring: 'ADDR low = 0x23, high = 0x5c',
  },
  transport: 'i2c',
  i2c: { chip: 'BH1750', addresses: BH1750_ADDRESSES },
  where: i2cDeviceUse,
  options: bh1750Options,
  values: bh1750Values,
  create: async (options, { hardware }) => createBh1750(await hardware.i2c(options.bus), options),
};
