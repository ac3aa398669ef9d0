// The 1-Wire reader on fixture trees (test/fixtures/sysfs/w1/<case>/, each a oneWireRoot): the
// w1_therm two-line format, the CRC verdict with one retry, and the errors a technician sees when
// 1-Wire is not enabled or the device is absent.
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOneWireReader, parseW1Slave } from '../../src/hardware/one-wire/one-wire.js';

const root = (name: string): string => fileURLToPath(new URL(`../fixtures/sysfs/w1/${name}`, import.meta.url));
const DEVICE = '28-0316a2790dff';
const fixtureText = (name: string, device = DEVICE): Promise<string> => readFile(join(root(name), device, 'w1_slave'), 'utf8');

describe('parseW1Slave', () => {
  it('reads the CRC verdict, the scratchpad and t= in m°C', async () => {
    expect(parseW1Slave(await fixtureText('good'), DEVICE)).toEqual({ crcOk: true, milliCelsius: 21562, scratchpad: '59 01 4b 46 7f ff 07 10 a2' });
    expect(parseW1Slave(await fixtureText('crc-no'), DEVICE)).toMatchObject({ crcOk: false });
  });

  it('refuses text that is not the two-line format', () => {
    expect(() => parseW1Slave('', DEVICE)).toThrow(/^1-Wire device 28-0316a2790dff: unexpected w1_slave content ""/);
    expect(() => parseW1Slave('59 01 4b 46 7f ff 07 10 a2 : crc=a2 YES\n', DEVICE)).toThrow(expect.objectContaining({ code: 'W1_BAD_DATA' }));
  });
});

describe('the 1-Wire reader', () => {
  it('reads m°C from <root>/<deviceId>/w1_slave', async () => {
    expect(await createOneWireReader(root('good')).readMilliCelsius(DEVICE)).toBe(21562);
    expect(await createOneWireReader(root('negative')).readMilliCelsius('28-0417c1b3f2ff')).toBe(-10125);
  });

  it('retries once on crc NO and takes the second reading when it passes', async () => {
    const answers = [await fixtureText('crc-no'), await fixtureText('good')];
    const paths: string[] = [];
    const reader = createOneWireReader('/sys/bus/w1/devices', async (path) => {
      paths.push(path);
      return answers.shift() ?? '';
    });
    expect(await reader.readMilliCelsius(DEVICE)).toBe(21562);
    expect(paths).toEqual([`/sys/bus/w1/devices/${DEVICE}/w1_slave`, `/sys/bus/w1/devices/${DEVICE}/w1_slave`]);
  });

  it('fails clearly when the CRC fails twice', async () => {
    let reads = 0;
    const reader = createOneWireReader(root('crc-no'), async (path) => {
      reads += 1;
      return readFile(path, 'utf8');
    });
    await expect(reader.readMilliCelsius(DEVICE)).rejects.toThrow(/^1-Wire device 28-0316a2790dff: CRC check failed twice \(scratchpad 59 01 4b 46 7f ff 07 10 83\)/);
    expect(reads).toBe(2);
  });

  it('refuses an all-zero scratchpad, which passes the CRC but means DATA is held low', async () => {
    const zeros = '00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n';
    const reader = createOneWireReader('/sys/bus/w1/devices', async () => zeros);
    await expect(reader.readMilliCelsius(DEVICE)).rejects.toMatchObject({ code: 'W1_BAD_DATA', message: expect.stringContaining('data line is held low') });
  });

  it('names the device, the devices present and dtoverlay=w1-gpio when the device folder is missing', async () => {
    const reader = createOneWireReader(root('good'));
    const error = expect.objectContaining({ code: 'W1_NO_DEVICE', message: expect.stringMatching(/^1-Wire device 28-00000a1b2c3d not found in .*good \(present: 28-0316a2790dff\).*dtoverlay=w1-gpio/) });
    await expect(reader.readMilliCelsius('28-00000a1b2c3d')).rejects.toEqual(error);
    await expect(reader.checkPresent('28-00000a1b2c3d')).rejects.toEqual(error);
    await expect(reader.checkPresent(DEVICE)).resolves.toBeUndefined();
  });

  it('says 1-Wire is not enabled when the root itself is missing', async () => {
    const reader = createOneWireReader(root('no-such-root'));
    await expect(reader.checkPresent(DEVICE)).rejects.toMatchObject({ code: 'W1_NOT_ENABLED', message: expect.stringContaining('1-Wire is not enabled (add dtoverlay=w1-gpio to /boot/firmware/config.txt') });
  });

  it('reports an I/O error on the file with the device id', async () => {
    const reader = createOneWireReader(root('good'), async () => {
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    });
    await expect(reader.readMilliCelsius(DEVICE)).rejects.toMatchObject({ code: 'W1_IO_ERROR', message: expect.stringContaining('28-0316a2790dff: reading w1_slave failed (EIO') });
  });
});
