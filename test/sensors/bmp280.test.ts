// The BMP280 driver against the datasheet's own worked example (BMP280 datasheet section 3.12),
// given to the driver as register bytes, and the BMP280-specific parts of the shared Bosch flow.
import { describe, expect, it } from 'vitest';
import { bmp280Driver, bmp280Options } from '../../src/sensors/bosch/bmp280.js';
import { compensatePressure, compensateTemperature, parseCalibration } from '../../src/sensors/bosch/bmx280.js';
import { adc20, busFromFixture, busFromMap, createOn, le16 } from './i2c-rig.js';

/** Section 3.12's trimming parameters and ADC values. */
const EXAMPLE = {
  T: [27504, 26435, -1000],
  P: [36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000],
  adcT: 519888,
  adcP: 415148,
};

function exampleMap(chipId = 0x58) {
  return busFromMap({
    '0x76': {
      registers: {
        '0x88': le16(...EXAMPLE.T, ...EXAMPLE.P),
        '0xd0': [chipId],
        '0xf3': [0x00],
        '0xf7': [...adc20(EXAMPLE.adcP), ...adc20(EXAMPLE.adcT)],
      },
    },
  });
}

describe('the bmp280 driver', () => {
  it('reads the datasheet example end to end: adc_T 519888 → 25.08 °C, adc_P 415148 → 1006.53 hPa', async () => {
    const sensor = await createOn(bmp280Driver, exampleMap());
    expect(await sensor.read()).toEqual({ temperature: 25.08, pressure: 1006.53 });
  });

  // Section 3.12's table carries t_fine with its fraction (128422.2869) into the pressure and prints
  // 100653.27 Pa; the datasheet's code (section 8.1) stores t_fine as BMP280_S32_t, 128422, which
  // gives 100653.258 Pa: the same 1006.53 hPa at the published 0.01 hPa.
  it('computes the example with the datasheet double-precision code: t_fine 128422 (an int32), T 25.08 °C, p 100653.26 Pa', () => {
    const calibration = parseCalibration(Buffer.from([...le16(...EXAMPLE.T, ...EXAMPLE.P), 0, 0]));
    expect(calibration).toMatchObject({ T1: 27504, T2: 26435, T3: -1000, P1: 36477, P2: -10685, P6: -7, P8: -14600, P9: 6000 });
    const { celsius, tFine } = compensateTemperature(EXAMPLE.adcT, calibration);
    expect(tFine).toBe(128422);
    expect(celsius).toBeCloseTo(25.08, 2);
    expect(compensatePressure(EXAMPLE.adcP, tFine, calibration)).toBeCloseTo(100653.258, 3);
    expect(compensatePressure(EXAMPLE.adcP, 128422.2869, calibration)).toBeCloseTo(100653.27, 2);
  });

  it('gives the same from the shipped fixture test/fixtures/regmaps/bmp280.yaml', async () => {
    const sensor = await createOn(bmp280Driver, await busFromFixture('bmp280.yaml'));
    expect(await sensor.read()).toEqual({ temperature: 25.08, pressure: 1006.53 });
  });

  // Bosch's BMP2 API accepts all three ids; 0x56/0x57 are engineering samples with the production
  // part's register map and trimming layout, so the driver reads them as a BMP280 (README).
  it('accepts the chip ids of BMP280 samples (0x56, 0x57) as a BMP280, with the same values as 0x58', async () => {
    for (const chipId of [0x56, 0x57]) {
      const sensor = await createOn(bmp280Driver, exampleMap(chipId));
      expect(await sensor.read()).toEqual({ temperature: 25.08, pressure: 1006.53 });
    }
  });

  it('refuses a BME280 and names the driver to use', async () => {
    await expect(createOn(bmp280Driver, exampleMap(0x60))).rejects.toThrow(
      'CHIP_MISMATCH: bmp280 at 0x76 on bus 1: chip id 0x60 is a BME280, use driver: bme280',
    );
  });

  it('runs forced mode without touching ctrl_hum, a register the BMP280 does not have', async () => {
    const bus = exampleMap();
    const sensor = await createOn(bmp280Driver, bus, { oversampling: { temperature: 1, pressure: 4 }, filter: 4 });
    await sensor.read();
    const registersWritten = bus.writes.map((write) => write.bytes[0]);
    expect(registersWritten).not.toContain(0xf2);
    // ctrl_meas: osrs_t x1 (001), osrs_p x4 (011), forced (01); config: filter 4 (010) in bits 4:2.
    expect(bus.writes).toContainEqual({ address: 0x76, bytes: [0xf4, 0b001_011_01] });
    expect(bus.writes).toContainEqual({ address: 0x76, bytes: [0xf5, 0b010_00] });
  });

  it('has no humidity option', () => {
    const parsed = bmp280Options.safeParse({ oversampling: { humidity: 1 } });
    expect(parsed.success).toBe(false);
    expect(bmp280Options.parse({})).toEqual({ bus: 1, address: 0x76, oversampling: { temperature: 1, pressure: 1 }, filter: 'off' });
  });
});
