// The simulated I2C bus as chips behave on the wire: byte-register chips (BME280) send register
// r, r+1, ... and auto-increment; 16-bit-register chips (registerWidth 2: INA219, MCP9808,
// ADS1115) send MSB then LSB, so an SMBus word carries the MSB in its low byte and a driver swaps,
// as Linux's i2c_smbus_read_word_swapped does. Faults, the writes log and commands stay as they were.
import { describe, expect, it } from 'vitest';
import { parseRegisterMap } from '../../src/hardware/i2c/register-map.js';
import { SimulatedI2cBus } from '../../src/hardware/i2c/simulated-i2c.js';
import { readWordBE, writeWordBE } from '../../src/sensors/word-register/registers.js';

const WORDS = 0x40;
const BYTES = 0x76;

/** An INA219-like chip at 0x40 (register 0x05 = 0xC178, 0x06 = 0x1234) and a byte chip at 0x76. */
function bench(): SimulatedI2cBus {
  return new SimulatedI2cBus(1, parseRegisterMap({
    devices: {
      '0x40': { registerWidth: 2, registers: { '0x05': [0xc1, 0x78, 0x12, 0x34], '0xff': [0xab, 0xcd] }, commands: { '0xfe': [0x55] } },
      '0x76': { registers: { '0xd0': [0x60, 0x61, 0x62] } },
    },
  }));
}

describe('a chip with 16-bit registers (registerWidth: 2)', () => {
  it('answers an SMBus word read with MSB | LSB << 8, so the swapped word is the datasheet value', async () => {
    const bus = bench();
    expect(await bus.readWord(WORDS, 0x05)).toBe(0x78c1);
    expect(await readWordBE(bus, WORDS, 0x05)).toBe(0xc178);
    expect(await readWordBE(bus, WORDS, 0x06)).toBe(0x1234);
    expect(await readWordBE(bus, WORDS, 0x07)).toBe(0x0000); // unset registers read 0
  });

  it('stores an SMBus word as MSB = low byte, LSB = high byte, and logs the bytes on the wire', async () => {
    const bus = bench();
    await bus.writeWord(WORDS, 0x00, 0x9f39);
    expect(bus.word(WORDS, 0x00)).toBe(0x399f);
    expect(bus.writes).toEqual([{ address: WORDS, bytes: [0x00, 0x39, 0x9f] }]); // register, MSB, LSB
    await writeWordBE(bus, WORDS, 0x05, 4194);
    expect(await readWordBE(bus, WORDS, 0x05)).toBe(4194); // what was written reads back
    expect(bus.word(WORDS, 0x06)).toBe(0x1234); // the next register is untouched
  });

  it('gives the MSB (the first byte on the wire) to byte reads, and byte writes set only the MSB', async () => {
    const bus = bench();
    expect(await bus.readByte(WORDS, 0x05)).toBe(0xc1);
    await bus.writeByte(WORDS, 0x05, 0x03);
    expect(bus.word(WORDS, 0x05)).toBe(0x0378);
    expect(bus.writes).toEqual([{ address: WORDS, bytes: [0x05, 0x03] }]);
  });

  it('sends MSB, LSB on a block read, going on to the next register past two bytes', async () => {
    const bus = bench();
    expect([...(await bus.readI2cBlock(WORDS, 0x05, 2))]).toEqual([0xc1, 0x78]);
    expect([...(await bus.readI2cBlock(WORDS, 0x05, 4))]).toEqual([0xc1, 0x78, 0x12, 0x34]);
    expect([...(await bus.readI2cBlock(WORDS, 0xff, 4))]).toEqual([0xab, 0xcd, 0x00, 0x00]); // wraps to 0x00
    await bus.writeI2cBlock(WORDS, 0x07, Buffer.of(0xde, 0xad));
    expect(bus.word(WORDS, 0x07)).toBe(0xdead);
  });

  it('takes a plain write as pointer then MSB, LSB, and reads the pointed register again and again', async () => {
    const bus = bench();
    await bus.i2cWrite(WORDS, Buffer.of(0x02, 0x5d, 0xc2));
    expect(bus.word(WORDS, 0x02)).toBe(0x5dc2);
    await bus.i2cWrite(WORDS, Buffer.of(0x05));
    expect([...(await bus.i2cRead(WORDS, 2))]).toEqual([0xc1, 0x78]);
    expect([...(await bus.i2cRead(WORDS, 2))]).toEqual([0xc1, 0x78]); // the pointer does not advance
  });

  it('still answers commands, and setRegisters takes MSB, LSB pairs as the map file does', async () => {
    const bus = bench();
    await bus.i2cWrite(WORDS, Buffer.of(0xfe));
    expect([...(await bus.i2cRead(WORDS, 1))]).toEqual([0x55]);
    bus.setRegisters(WORDS, 0x01, [0xd1, 0x20, 0x2e, 0xe0]);
    expect([bus.word(WORDS, 0x01), bus.word(WORDS, 0x02)]).toEqual([0xd120, 0x2ee0]);
    expect(bus.registers(WORDS)).toHaveLength(512);
  });

  it('fails word transfers on request, and test accessors do not use up the failures', async () => {
    const bus = bench();
    bus.failNext(WORDS, 2, 'EREMOTEIO');
    bus.setRegisters(WORDS, 0x05, [0x00, 0x01]);
    expect(bus.word(WORDS, 0x05)).toBe(0x0001);
    await expect(bus.readWord(WORDS, 0x05)).rejects.toMatchObject({ code: 'EREMOTEIO' });
    await expect(bus.writeWord(WORDS, 0x05, 0)).rejects.toMatchObject({ code: 'EREMOTEIO' });
    expect(await readWordBE(bus, WORDS, 0x05)).toBe(0x0001);
    await expect(bus.readWord(0x41, 0x05)).rejects.toMatchObject({ code: 'ENXIO' });
  });
});

describe('a chip with byte registers (the default)', () => {
  it('reads consecutive registers, words little-endian, and auto-increments the pointer', async () => {
    const bus = bench();
    expect(await bus.readByte(BYTES, 0xd0)).toBe(0x60);
    expect(await bus.readWord(BYTES, 0xd0)).toBe(0x6160);
    await bus.writeWord(BYTES, 0xf4, 0x1234);
    expect([...bus.registers(BYTES).subarray(0xf4, 0xf6)]).toEqual([0x34, 0x12]);
    await bus.i2cWrite(BYTES, Buffer.of(0xd0));
    expect([...(await bus.i2cRead(BYTES, 2))]).toEqual([0x60, 0x61]);
    expect([...(await bus.i2cRead(BYTES, 1))]).toEqual([0x62]);
    expect(bus.registers(BYTES)).toHaveLength(256);
    expect(() => bus.word(BYTES, 0xd0)).toThrow(/has byte registers/);
  });
});
