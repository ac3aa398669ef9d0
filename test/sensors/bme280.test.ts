// The BME280 driver on simulated register maps: a room (test/fixtures/regmaps/bme280.yaml, also the
// demo's), humidity checked against the datasheet's fixed-point formulas (BME280 datasheet section
// 4.2.3) as an independent oracle, the forced-mode register sequence, and every way a chip fails.
import { describe, expect, it, vi } from 'vitest';
import { busError } from '../../src/hardware/i2c/i2c-bus.js';
import { bme280Driver, bme280Options } from '../../src/sensors/bosch/bme280.js';
import { compensateHumidity, compensateTemperature, parseCalibration } from '../../src/sensors/bosch/bmx280.js';
import { busFromFixture, busFromMap, createOn } from './i2c-rig.js';

const ROOM = { temperature: 21, pressure: 1013.25, humidity: 45 };

/** Section 4.2.3: bme280_compensate_T_int32 and bme280_compensate_H_int32, in BigInt to keep C's int32 semantics. */
function fixedPoint(adcT: number, adcH: number, c: ReturnType<typeof parseCalibration>): { celsius: number; humidity: number } {
  const h = c.humidity;
  if (!h) throw new Error('no humidity calibration');
  const B = BigInt;
  const T = B(adcT);
  const var1 = (((T >> 3n) - (B(c.T1) << 1n)) * B(c.T2)) >> 11n;
  const var2 = (((((T >> 4n) - B(c.T1)) * ((T >> 4n) - B(c.T1))) >> 12n) * B(c.T3)) >> 14n;
  const tFine = var1 + var2;
  const centiCelsius = (tFine * 5n + 128n) >> 8n;
  let v = tFine - 76800n;
  v = (((B(adcH) << 14n) - (B(h.H4) << 20n) - B(h.H5) * v + 16384n) >> 15n) *
    (((((((v * B(h.H6)) >> 10n) * (((v * B(h.H3)) >> 11n) + 32768n)) >> 10n) + 2097152n) * B(h.H2) + 8192n) >> 14n);
  v = v - (((((v >> 15n) * (v >> 15n)) >> 7n) * B(h.H1)) >> 4n);
  v = v < 0n ? 0n : v > 419430400n ? 419430400n : v;
  return { celsius: Number(centiCelsius) / 100, humidity: Number(v >> 12n) / 1024 };
}

describe('the bme280 driver', () => {
  it('reads a room from the shipped register map: 21.00 °C, 1013.25 hPa, 45.00 %RH', async () => {
    const sensor = await createOn(bme280Driver, await busFromFixture('bme280.yaml'));
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('agrees with the datasheet fixed-point formulas for temperature and humidity across the range', async () => {
    const bus = await busFromFixture('bme280.yaml');
    const registers = bus.registers(0x76);
    const calibration = parseCalibration(Buffer.from(registers.subarray(0x88, 0xa2)), Buffer.from(registers.subarray(0xe1, 0xe8)));
    expect(calibration.humidity).toEqual({ H1: 75, H2: 362, H3: 0, H4: 313, H5: 50, H6: 30 });
    for (const adcT of [420000, 480000, 506864, 540000]) {
      for (const adcH of [20000, 28215, 33000, 40000]) {
        const { celsius, tFine } = compensateTemperature(adcT, calibration);
        const oracle = fixedPoint(adcT, adcH, calibration);
        expect(Math.abs(celsius - oracle.celsius)).toBeLessThanOrEqual(0.01);
        // The fixed-point result has a resolution of 1/1024 %RH.
        expect(Math.abs(compensateHumidity(adcH, tFine, calibration.humidity!) - oracle.humidity)).toBeLessThan(0.01);
      }
    }
  });

  it('limits humidity to 0..100 %RH as the datasheet code does', async () => {
    const bus = await busFromFixture('bme280.yaml');
    const sensor = await createOn(bme280Driver, bus);
    bus.setRegisters(0x76, 0xfd, [0xff, 0xfe]);
    expect((await sensor.read()).humidity).toBe(100);
    bus.setRegisters(0x76, 0xfd, [0x00, 0x01]);
    expect((await sensor.read()).humidity).toBe(0);
  });

  it('resets once, then per read writes ctrl_hum before ctrl_meas (forced mode) and burst-reads 0xF7..0xFE', async () => {
    const bus = await busFromFixture('bme280.yaml');
    const readBlock = vi.spyOn(bus, 'readI2cBlock');
    const sensor = await createOn(bme280Driver, bus, { oversampling: { temperature: 2, pressure: 16, humidity: 1 }, filter: 16 });
    expect(bus.writes).toEqual([
      { address: 0x76, bytes: [0xe0, 0xb6] }, // soft reset
      { address: 0x76, bytes: [0xf5, 0b100_00] }, // config: filter 16
    ]);
    readBlock.mockClear();
    bus.writes.length = 0;
    await sensor.read();
    // ctrl_hum osrs_h x1; ctrl_meas osrs_t x2 (010), osrs_p x16 (101), mode forced (01).
    expect(bus.writes).toEqual([{ address: 0x76, bytes: [0xf2, 0b001] }, { address: 0x76, bytes: [0xf4, 0b010_101_01] }]);
    expect(readBlock).toHaveBeenCalledWith(0x76, 0xf7, 8);
  });

  it('leaves out what is not measured (oversampling 0 skips a quantity)', async () => {
    const sensor = await createOn(bme280Driver, await busFromFixture('bme280.yaml'), { oversampling: { humidity: 0, pressure: 0 } });
    expect(await sensor.read()).toEqual({ temperature: 21 });
  });

  it('refuses a BMP280 with a message that names the driver to use', async () => {
    const bus = busFromMap({ '0x77': { registers: { '0xd0': [0x58] } } });
    await expect(createOn(bme280Driver, bus, { address: '0x77' })).rejects.toThrow(
      'CHIP_MISMATCH: bme280 at 0x77 on bus 1: chip id 0x58 is a BMP280, use driver: bmp280',
    );
  });

  it('refuses a chip id it does not know', async () => {
    const bus = busFromMap({ '0x76': { registers: { '0xd0': [0x00] } } });
    await expect(createOn(bme280Driver, bus)).rejects.toThrow(
      'CHIP_MISMATCH: bme280 at 0x76 on bus 1: chip id 0x00 is not a Bosch BME280/BMP280 (expected 0x60; another chip at this address?)',
    );
  });

  it('rejects a read whose data transfer fails after the measurement, and the next read works', async () => {
    const bus = await busFromFixture('bme280.yaml');
    const sensor = await createOn(bme280Driver, bus);
    vi.spyOn(bus, 'readI2cBlock').mockRejectedValueOnce(busError('EREMOTEIO', 121, 'Remote I/O error'));
    await expect(sensor.read()).rejects.toMatchObject({ code: 'SENSOR_NOT_FOUND' });
    vi.spyOn(bus, 'readI2cBlock').mockRejectedValueOnce(busError('ETIMEDOUT', 110, 'Connection timed out'));
    await expect(sensor.read()).rejects.toThrow('I2C_IO_ERROR: bme280 at 0x76 on bus 1: reading measurement data failed (ETIMEDOUT: Connection timed out)');
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('gives up with MEASUREMENT_TIMEOUT when the status register stays busy', async () => {
    const bus = await busFromFixture('bme280.yaml');
    const sensor = await createOn(bme280Driver, bus);
    bus.setRegisters(0x76, 0xf3, [0x08]);
    await expect(sensor.read()).rejects.toThrow(/^MEASUREMENT_TIMEOUT: bme280 at 0x76 on bus 1: measurement not done/);
    bus.setRegisters(0x76, 0xf3, [0x00]);
    expect(await sensor.read()).toEqual(ROOM);
  });

  it('refuses calibration data that read as zero', async () => {
    const bus = busFromMap({ '0x76': { registers: { '0xd0': [0x60] } } });
    await expect(createOn(bme280Driver, bus)).rejects.toMatchObject({ code: 'BAD_CALIBRATION' });
  });

  describe('options', () => {
    it('defaults to 0x76 on bus 1, oversampling x1, filter off', () => {
      expect(bme280Options.parse({})).toEqual({ bus: 1, address: 0x76, oversampling: { temperature: 1, pressure: 1, humidity: 1 }, filter: 'off' });
    });

    it('takes the address as "0x77" or 119, and only the two the chip can have', () => {
      expect(bme280Options.parse({ address: '0x77' }).address).toBe(0x77);
      expect(bme280Options.parse({ address: 119 }).address).toBe(0x77);
      expect(bme280Options.safeParse({ address: '0x44' }).error?.issues[0]?.message).toBe('is not an address this chip uses (expected 0x76 or 0x77)');
    });

    it('rejects an oversampling the chip does not have, and a skipped temperature', () => {
      expect(bme280Options.safeParse({ oversampling: { pressure: 3 } }).error?.issues[0]?.message).toMatch(/is not an oversampling factor/);
      expect(bme280Options.safeParse({ oversampling: { temperature: 0 } }).error?.issues[0]).toMatchObject({
        path: ['oversampling', 'temperature'],
        message: 'cannot be 0: pressure and humidity compensation need the temperature',
      });
      expect(bme280Options.safeParse({ filter: 3 }).error?.issues[0]?.message).toMatch(/is not an IIR filter coefficient/);
    });
  });
});
