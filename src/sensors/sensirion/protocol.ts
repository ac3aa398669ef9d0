// The Sensirion word protocol shared by the SHT3x and SHT4x drivers: send a command, wait for the
// measurement, read 16-bit words each followed by a CRC-8 (SHT3x-DIS datasheet section 4.12
// "Checksum Calculation", SHT4x datasheet section 4.4): polynomial 0x31 (x^8 + x^5 + x^4 + 1),
// initialization 0xFF, no reflection, no final XOR. Datasheet example: CRC(0xBEEF) = 0x92.
import { setTimeout as sleep } from 'node:timers/promises';
import { SensorError } from '../types.js';
import { hex, isNoDevice, type I2cBus } from '../../hardware/i2c/i2c-bus.js';
import { describeDevice, i2cError, onDevice, type I2cDevice } from '../i2c-device.js';

/**
 * A chip still measuring NACKs its read header (no clock stretching), which the bus reports like
 * a missing device; these many extra reads, READ_RETRY_MS apart, cover a slow chip or a busy bus.
 */
const READ_RETRIES = 3;
const READ_RETRY_MS = 2;

export const SENSIRION_CRC_POLYNOMIAL = 0x31;
export const SENSIRION_CRC_INIT = 0xff;

export function sensirionCrc8(bytes: ArrayLike<number>): number {
  let crc = SENSIRION_CRC_INIT;
  for (let i = 0; i < bytes.length; i += 1) {
    crc ^= (bytes[i] ?? 0) & 0xff;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x80 ? ((crc << 1) ^ SENSIRION_CRC_POLYNOMIAL) & 0xff : (crc << 1) & 0xff;
    }
  }
  return crc;
}

/**
 * The 16-bit words of a Sensirion response (word MSB, word LSB, CRC, ...), each CRC checked.
 * `where` names the device and transfer for the error (`sht3x at 0x44 on bus 1: measurement`).
 */
export function sensirionWords(response: Buffer, wordCount: number, where: string): number[] {
  if (response.length < wordCount * 3) {
    throw new SensorError('SHORT_READ', `${where}: got ${response.length} bytes, expected ${wordCount * 3}`);
  }
  const words: number[] = [];
  for (let i = 0; i < wordCount; i += 1) {
    const offset = i * 3;
    const word = response.subarray(offset, offset + 2);
    const received = response[offset + 2] ?? 0;
    const expected = sensirionCrc8(word);
    if (received !== expected) {
      throw new SensorError(
        'CRC_MISMATCH',
        `${where}: CRC error in word ${i + 1} (${hex(word.readUInt16BE(0), 4)}: got CRC ${hex(received)}, expected ${hex(expected)}); check wiring, pull-ups and cable length`,
      );
    }
    words.push(word.readUInt16BE(0));
  }
  return words;
}

/** Sends `command` (big-endian, `commandBytes` long), waits `waitMs`, reads `wordCount` checked words. */
export async function sensirionTransfer(
  bus: I2cBus,
  device: I2cDevice,
  command: { code: number; bytes: 1 | 2; name: string; waitMs: number },
  wordCount: number,
): Promise<number[]> {
  const where = `${describeDevice(device.driver, device.bus, device.address)}: ${command.name}`;
  const request = Buffer.alloc(command.bytes);
  request.writeUIntBE(command.code, 0, command.bytes);
  await onDevice(device, `command ${command.name} (${hex(command.code, command.bytes * 2)})`, () => bus.i2cWrite(device.address, request));
  await sleep(command.waitMs);
  let response: Buffer | undefined;
  for (let attempt = 0; response === undefined; attempt += 1) {
    try {
      response = await bus.i2cRead(device.address, wordCount * 3);
    } catch (error) {
      if (!isNoDevice(error)) throw i2cError(device, `reading the ${command.name} result`, error);
      if (attempt >= READ_RETRIES) {
        const waitedMs = command.waitMs + READ_RETRIES * READ_RETRY_MS;
        throw new SensorError('I2C_IO_ERROR', `${where}: no result ${waitedMs} ms after the command (the chip NACKs the read)`);
      }
      await sleep(READ_RETRY_MS);
    }
  }
  return sensirionWords(response, wordCount, where);
}
