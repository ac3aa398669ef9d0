// Microchip MCP9808 digital temperature sensor (datasheet DS25095A): manufacturer id 0x0054 at
// 0x06 and device id 0x04 in the upper byte of 0x07 (sections 5.1.4, 5.1.5) checked at create,
// resolution register 0x08 (section 5.1.6), ambient temperature register 0x05 (section 5.1.3):
// 13-bit two's complement, bits 15..13 are alert flags. Equation 5-1 prints the negative branch as
// 256 - T; two's complement (and the chip) means T - 256, which is what we compute.
// The 16-bit registers send MSB first (section 5.1, figure 5-4): they are read as SMBus words with
// the bytes swapped (registers.ts); the 8-bit resolution register is written as an SMBus byte.
import { z } from 'zod';
import { hex, type I2cBus } from '../../hardware/i2c/i2c-bus.js';
import { describeDevice, i2cDeviceOptions, onDevice, type I2cDevice, i2cDeviceUse } from '../i2c-device.js';
import { readWordBE } from './registers.js';
import { SensorError, type ChipProbe, type DriverDefinition, type Sensor, type Values } from '../types.js';
import { measured } from '../value-kinds.js';
import { checkDocumentedRange, type DocumentedRange } from '../documented-range.js';

/** A2..A0 pins: 0x18 (all low) to 0x1F. */
export const MCP9808_ADDRESSES = [0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f] as const;

export const REG_AMBIENT_TEMPERATURE = 0x05;
export const REG_MANUFACTURER_ID = 0x06;
export const REG_DEVICE_ID = 0x07;
export const REG_RESOLUTION = 0x08;

export const MANUFACTURER_ID = 0x0054;
/** Upper byte of the device id / revision register; the lower byte is the revision. */
export const DEVICE_ID = 0x04;

/** Section 1 (features): -40..+125 °C; outside it a reading fails (documented-range.ts). */
export const TEMPERATURE_RANGE: DocumentedRange = { min: -40, max: 125, unit: '°C', source: 'MCP9808 datasheet, operating range' };

const TA_SIGN = 0x10;
const TA_MAGNITUDE_HIGH = 0x0f;

/** Section 5.1.6: resolution (°C) → register value. */
export const RESOLUTION_BITS = new Map<number, number>([
  [0.5, 0b00],
  [0.25, 0b01],
  [0.125, 0b10],
  [0.0625, 0b11],
]);

export const mcp9808Options = z.strictObject({
  ...i2cDeviceOptions(MCP9808_ADDRESSES[0], [...MCP9808_ADDRESSES]),
  /** °C per step; finer steps convert slower (30, 65, 130, 250 ms). Power-up default 0.0625. */
  resolution: z
    .literal([0.5, 0.25, 0.125, 0.0625], { error: 'is not an MCP9808 resolution (0.5, 0.25, 0.125 or 0.0625 °C)' })
    .default(0.0625)
    .meta({ description: '°C per step: 0.5, 0.25, 0.125, 0.0625; finer steps convert slower (default: 0.0625)', examples: [0.0625, 0.25] }),
});
export type Mcp9808Options = z.infer<typeof mcp9808Options>;

/** Section 5.1.3.1: the two bytes of register 0x05 to °C (flag bits ignored). */
export function mcp9808Temperature(upperByte: number, lowerByte: number): number {
  const magnitude = (upperByte & TA_MAGNITUDE_HIGH) * 16 + lowerByte / 16;
  return (upperByte & TA_SIGN) !== 0 ? magnitude - 256 : magnitude;
}

export async function createMcp9808(bus: I2cBus, options: Mcp9808Options): Promise<Sensor> {
  const device: I2cDevice = { driver: 'mcp9808', bus: options.bus, address: options.address };
  const { address } = options;
  const readRegister = (register: number, what: string): Promise<number> =>
    onDevice(device, `reading ${what}`, () => readWordBE(bus, address, register));

  const manufacturerId = await readRegister(REG_MANUFACTURER_ID, 'the manufacturer id');
  const deviceId = (await readRegister(REG_DEVICE_ID, 'the device id')) >> 8;
  if (manufacturerId !== MANUFACTURER_ID || deviceId !== DEVICE_ID) {
    throw new SensorError(
      'CHIP_MISMATCH',
      `${describeDevice('mcp9808', options.bus, address)}: manufacturer id ${hex(manufacturerId, 4)}, device id ${hex(deviceId)} ` +
        `(an MCP9808 answers ${hex(MANUFACTURER_ID, 4)} and ${hex(DEVICE_ID)}); another chip at this address? Run 'sensor-agent scan-i2c --bus ${options.bus}'`,
    );
  }
  const resolutionBits = RESOLUTION_BITS.get(options.resolution) ?? 0b11;
  await onDevice(device, 'writing the resolution', () => bus.writeByte(address, REG_RESOLUTION, resolutionBits));

  return {
    read: async (): Promise<Values> => {
      const ambient = await readRegister(REG_AMBIENT_TEMPERATURE, 'the ambient temperature');
      // Multiples of 2^-4 °C are exact in binary: no rounding needed beyond the chip's own steps.
      const celsius = mcp9808Temperature(ambient >> 8, ambient & 0xff);
      return { temperature: checkDocumentedRange(describeDevice('mcp9808', options.bus, address), 'temperature', celsius, TEMPERATURE_RANGE) };
    },
  };
}

/** scan-i2c's probe at 0x18..0x1f: the manufacturer id (section 5.1.5), an SMBus word read swapped (works on i2c-stub too). */
export const identifyMcp9808: ChipProbe = async (bus, address) => {
  const manufacturerId = await readWordBE(bus, address, REG_MANUFACTURER_ID);
  return manufacturerId === MANUFACTURER_ID ? `MCP9808 (manufacturer id ${hex(manufacturerId, 4)}), driver: mcp9808` : undefined;
};

export const mcp9808Driver: DriverDefinition<Mcp9808Options> = {
  name: 'mcp9808',
  readme: {
    options: '`bus` (1), `address` (`0x18`-`0x1f`), `resolution` (0.5, 0.25, 0.125, 0.0625 °C; 0.0625)',
    values: '`temperature` (°C)',
    wiring: 'A0-A2 set the address',
  },
  transport: 'i2c',
  i2c: { chip: 'MCP9808', addresses: MCP9808_ADDRESSES, probe: identifyMcp9808 },
  where: i2cDeviceUse,
  options: mcp9808Options,
  values: () => ({ temperature: measured('temperature', 4) }),
  create: async (options, { hardware }) => createMcp9808(await hardware.i2c(options.bus), options),
};
