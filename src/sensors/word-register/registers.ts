// 16-bit registers sent MSB first (INA219, MCP9808, ADS1115) over SMBus word transfers, which put
// the low byte first: the bytes are swapped, as Linux's i2c_smbus_read_word_swapped does. Word
// transfers rather than a pointer write and a plain read, because they work on every adapter,
// including the kernel's i2c-stub (which refuses plain transfers) and the simulated bus.
import type { I2cBus } from '../../hardware/i2c/i2c-bus.js';

/** 0x1234 → 0x3412. */
export const swap16 = (value: number): number => ((value & 0xff) << 8) | ((value >> 8) & 0xff);

/** The register's value as the datasheet writes it (MSB << 8 | LSB). */
export async function readWordBE(bus: I2cBus, address: number, register: number): Promise<number> {
  return swap16(await bus.readWord(address, register));
}

/** Writes `value` to the register, MSB first on the wire. */
export async function writeWordBE(bus: I2cBus, address: number, register: number, value: number): Promise<void> {
  await bus.writeWord(address, register, swap16(value));
}
