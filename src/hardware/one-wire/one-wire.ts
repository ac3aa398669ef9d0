// The 1-Wire reader: the kernel's w1_therm driver exposes each thermometer as
// `<root>/<deviceId>/w1_slave` (root /sys/bus/w1/devices on a Pi with `dtoverlay=w1-gpio`).
// Reading the file runs a conversion (up to 750 ms at 12 bits) and prints two lines:
//   59 01 4b 46 7f ff 07 10 a2 : crc=a2 YES      the 9 scratchpad bytes, CRC-8 of the first 8, verdict
//   59 01 4b 46 7f ff 07 10 a2 t=21562           the same bytes and the temperature in m°C
// A CRC failure (NO, a noisy line) is retried once. A scratchpad of zeros passes the CRC (CRC-8 of
// zeros is 0) but means the data line is held low: it is rejected too.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorCodeOf } from '../../errors/catalogue.js';

export type OneWireErrorCode = ErrorCodeOf<'1-wire'> | 'W1_IO_ERROR';

export class OneWireError extends Error {
  constructor(
    readonly code: OneWireErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OneWireError';
  }
}

export interface W1ThermReading {
  crcOk: boolean;
  /** m°C as the kernel printed it (truncated from the chip's 1/16 °C steps). */
  milliCelsius: number;
  /** The 9 scratchpad bytes, for messages. */
  scratchpad: string;
}

export interface OneWireReader {
  readonly root: string;
  /** Throws OneWireError W1_NO_DEVICE / W1_NOT_ENABLED when the device folder is absent. */
  checkPresent(deviceId: string): Promise<void>;
  /** m°C from `<deviceId>/w1_slave`, CRC checked (one retry). */
  readMilliCelsius(deviceId: string): Promise<number>;
  /** The same read, with the 9 scratchpad bytes the kernel printed (the DS18B20 driver tells the power-on value by them). */
  readScratchpad(deviceId: string): Promise<{ milliCelsius: number; bytes: number[] }>;
}

const CONFIG_TXT = '/boot/firmware/config.txt (/boot/config.txt before Bookworm)';

/** Parses w1_therm's w1_slave text; throws W1_BAD_DATA when it is not the two-line format. */
export function parseW1Slave(text: string, deviceId: string): W1ThermReading {
  const [first = '', second = ''] = text.trim().split('\n');
  const verdict = /crc=([0-9a-f]{2}) (YES|NO)\s*$/i.exec(first);
  const temperature = /t=(-?\d+)\s*$/.exec(second);
  if (!verdict || !temperature) {
    throw new OneWireError('W1_BAD_DATA', `1-Wire device ${deviceId}: unexpected w1_slave content ${JSON.stringify(text.slice(0, 120))}`);
  }
  const scratchpad = first.slice(0, first.indexOf(':')).trim();
  return { crcOk: verdict[2]?.toUpperCase() === 'YES', milliCelsius: Number(temperature[1]), scratchpad };
}

const isMissing = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ENOENT';

export function createOneWireReader(root: string, readText: (path: string) => Promise<string> = (path) => readFile(path, 'utf8')): OneWireReader {
  const notFound = async (deviceId: string): Promise<OneWireError> => {
    const rootExists = await stat(root).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (!rootExists) {
      return new OneWireError('W1_NOT_ENABLED', `1-Wire device ${deviceId}: ${root} does not exist, 1-Wire is not enabled (add dtoverlay=w1-gpio to ${CONFIG_TXT} and reboot)`);
    }
    const present = (await readdir(root).catch(() => [])).filter((name) => /^[0-9a-f]{2}-/.test(name));
    return new OneWireError(
      'W1_NO_DEVICE',
      `1-Wire device ${deviceId} not found in ${root} (present: ${present.length > 0 ? present.join(', ') : 'none'}); ` +
        `check the wiring, the 4.7 kΩ pull-up from DATA to 3.3 V, and dtoverlay=w1-gpio in ${CONFIG_TXT}`,
    );
  };

  const readOnce = async (deviceId: string): Promise<W1ThermReading> => {
    let text: string;
    try {
      text = await readText(join(root, deviceId, 'w1_slave'));
    } catch (error) {
      if (isMissing(error)) throw await notFound(deviceId);
      const reason = error instanceof Error ? error.message : String(error);
      throw new OneWireError('W1_IO_ERROR', `1-Wire device ${deviceId}: reading w1_slave failed (${reason}); the sensor may have been disconnected`);
    }
    return parseW1Slave(text, deviceId);
  };

  const readChecked = async (deviceId: string): Promise<W1ThermReading> => {
    let reading = await readOnce(deviceId);
    // Each read is a fresh conversion and transfer: one retry clears a single disturbed frame.
    if (!reading.crcOk) reading = await readOnce(deviceId);
    if (!reading.crcOk) {
      throw new OneWireError('W1_CRC', `1-Wire device ${deviceId}: CRC check failed twice (scratchpad ${reading.scratchpad}); check the cable length, the pull-up and interference`);
    }
    if (/^(00\s*){9}$/.test(reading.scratchpad)) {
      throw new OneWireError('W1_BAD_DATA', `1-Wire device ${deviceId}: scratchpad reads all zeros, the data line is held low (short circuit, or the sensor was disconnected)`);
    }
    return reading;
  };

  return {
    root,
    checkPresent: async (deviceId) => {
      const present = await stat(join(root, deviceId)).then(
        () => true,
        () => false,
      );
      if (!present) throw await notFound(deviceId);
    },
    readMilliCelsius: async (deviceId) => (await readChecked(deviceId)).milliCelsius,
    readScratchpad: async (deviceId) => {
      const reading = await readChecked(deviceId);
      return { milliCelsius: reading.milliCelsius, bytes: reading.scratchpad.split(/\s+/).map((byte) => Number.parseInt(byte, 16)) };
    },
  };
}
