// The real I2C bus: /dev/i2c-N through i2c-bus (a native addon, loaded only when a real bus is
// used, so laptops and CI without it built still run simulated buses).
import { access, constants } from 'node:fs/promises';
import type { PromisifiedBus } from 'i2c-bus';
import type { I2cBus } from './i2c-bus.js';

export async function openRealI2cBus(busNumber: number): Promise<I2cBus> {
  // i2c-bus opens the device lazily and its scan() hides errors: check it up front, with the fix.
  const device = `/dev/i2c-${busNumber}`;
  try {
    await access(device, constants.R_OK | constants.W_OK);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const hint =
      code === 'ENOENT'
        ? 'enable I2C: raspi-config nonint do_i2c 0, or dtparam=i2c_arm=on in /boot/firmware/config.txt'
        : 'add the service user to the i2c group';
    throw Object.assign(new Error(`I2C_BUS_UNAVAILABLE: ${device}: ${code ?? 'not accessible'} (${hint})`), { code: 'I2C_BUS_UNAVAILABLE' });
  }
  const { openPromisified } = await import('i2c-bus');
  const bus: PromisifiedBus = await openPromisified(busNumber);
  return {
    busNumber,
    readByte: (address, register) => bus.readByte(address, register),
    writeByte: (address, register, byte) => bus.writeByte(address, register, byte),
    readWord: (address, register) => bus.readWord(address, register),
    writeWord: (address, register, word) => bus.writeWord(address, register, word),
    readI2cBlock: async (address, register, length) => {
      const { bytesRead, buffer } = await bus.readI2cBlock(address, register, length, Buffer.alloc(length));
      return buffer.subarray(0, bytesRead);
    },
    writeI2cBlock: async (address, register, bytes) => {
      await bus.writeI2cBlock(address, register, bytes.length, bytes);
    },
    sendByte: (address, byte) => bus.sendByte(address, byte),
    receiveByte: (address) => bus.receiveByte(address),
    i2cWrite: async (address, bytes) => {
      await bus.i2cWrite(address, bytes.length, bytes);
    },
    i2cRead: async (address, length) => {
      const { bytesRead, buffer } = await bus.i2cRead(address, length, Buffer.alloc(length));
      return buffer.subarray(0, bytesRead);
    },
    scan: () => bus.scan(0x03, 0x77),
    close: () => bus.close(),
  };
}
