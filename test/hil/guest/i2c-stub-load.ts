// Loads i2c-stub chips from the register-map files the simulated tests use, through the project's
// own parser (src/hardware/i2c/register-map.ts), so both buses hold the same bytes. i2c-stub keeps 256
// 16-bit words per chip: a byte access sees a word's low byte, an SMBus word transfer the whole word
// (low byte first on the wire). So a byte-register chip is written byte by byte, and a 16-bit
// register sent MSB first (registerWidth 2) is written as the word MSB | LSB << 8: its SMBus word
// read then puts the MSB on the wire first, as the chip does.
import type { I2cBus } from '../../../src/hardware/i2c/i2c-bus.js';
import type { DeviceMap, RegisterMap } from '../../../src/hardware/i2c/register-map.js';

/** The sensors both I2C runs configure (real stub, simulated bus); `probe` has no chip behind it. */
export const I2C_SENSORS = [
  { id: 'room', driver: 'bme280', address: 0x76, interval: '2s' },
  { id: 'power', driver: 'ina219', address: 0x40, interval: '2s' },
  { id: 'probe', driver: 'mcp9808', address: 0x18, interval: '2s' },
];

export interface StubWrite {
  address: number;
  register: number;
  kind: 'byte' | 'word';
  value: number;
}

/** The writes that make an all-zero i2c-stub chip read like `device` (zero registers skipped). */
export function stubWrites(address: number, device: DeviceMap): StubWrite[] {
  const writes: StubWrite[] = [];
  for (let register = 0; register < 256; register += 1) {
    if (device.registerWidth === 1) {
      const value = device.registers[register] ?? 0;
      if (value !== 0) writes.push({ address, register, kind: 'byte', value });
    } else {
      const msb = device.registers[register * 2] ?? 0;
      const lsb = device.registers[register * 2 + 1] ?? 0;
      if (msb !== 0 || lsb !== 0) writes.push({ address, register, kind: 'word', value: msb | (lsb << 8) });
    }
  }
  return writes;
}

/** Writes every device of `map` into the stub on `bus`; returns how many writes it took. */
export async function loadStub(bus: I2cBus, map: RegisterMap): Promise<number> {
  let count = 0;
  for (const [address, device] of map) {
    if (device.commands.size > 0) throw new Error(`0x${address.toString(16)}: i2c-stub cannot answer commands (plain I2C transfers); keep this chip on the simulated bus`);
    for (const write of stubWrites(address, device)) {
      if (write.kind === 'byte') await bus.writeByte(write.address, write.register, write.value);
      else await bus.writeWord(write.address, write.register, write.value);
      count += 1;
    }
  }
  return count;
}
