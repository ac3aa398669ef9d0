// The BME280 and BMP280 drivers against the datasheets' floating-point reference code
// (test/fixtures/bosch-reference/reference.c, section 8.1 of both datasheets), chip by chip: each
// vector is a random chip's trimming bytes and raw ADC burst, given to the driver on a simulated
// bus, and what the reference prints at 0.01. Among them are the chips whose pressure or humidity
// would move in the last digit with t_fine left untruncated (the reference keeps it as an int32),
// and chips outside the documented range, which the drivers fail rather than clamp.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bme280Driver } from '../../src/sensors/bosch/bme280.js';
import { bmp280Driver } from '../../src/sensors/bosch/bmp280.js';
import { busFromMap, createOn } from './i2c-rig.js';

interface Vector {
  chip: 'bme280' | 'bmp280';
  calib00: string;
  calib26?: string;
  data: string;
  celsius: number;
  hectopascal: number;
  expected?: Record<string, string>;
  untruncatedTFine?: Record<string, string>;
  outOfRange?: 'temperature' | 'pressure';
}

const file = fileURLToPath(new URL('../fixtures/bosch-reference/vectors.json', import.meta.url));
const { chips } = JSON.parse(readFileSync(file, 'utf8')) as { chips: Vector[] };
const bytes = (hex: string): number[] => (hex.match(/../g) ?? []).map((pair) => Number.parseInt(pair, 16));

async function sensorFor(vector: Vector) {
  const registers: Record<string, number[]> = {
    '0x88': bytes(vector.calib00),
    '0xd0': [vector.chip === 'bme280' ? 0x60 : 0x58],
    '0xf3': [0x00],
    '0xf7': bytes(vector.data),
  };
  if (vector.calib26) registers['0xe1'] = bytes(vector.calib26);
  return createOn(vector.chip === 'bme280' ? bme280Driver : bmp280Driver, busFromMap({ '0x76': { registers } }));
}

const inRange = chips.filter((vector) => vector.expected);
const differing = inRange.filter((vector) => Object.entries(vector.expected ?? {}).some(([name, value]) => vector.untruncatedTFine?.[name] !== undefined && vector.untruncatedTFine[name] !== value));

describe('the Bosch drivers against the datasheet reference code', () => {
  it('has vectors for both chips, for the t_fine truncation and for both ranges', () => {
    expect(inRange.filter((vector) => vector.chip === 'bmp280').length).toBeGreaterThan(10);
    expect(inRange.filter((vector) => vector.chip === 'bme280').length).toBeGreaterThan(10);
    expect(differing.length).toBeGreaterThanOrEqual(20);
    expect(new Set(chips.map((vector) => vector.outOfRange).filter(Boolean))).toEqual(new Set(['temperature', 'pressure']));
  });

  it.each(inRange.map((vector, index) => [index, vector] as const))('publishes what the reference prints: chip %i', async (_index, vector) => {
    const sensor = await sensorFor(vector);
    const expected = Object.fromEntries(Object.entries(vector.expected ?? {}).map(([name, text]) => [name, Number(text)]));
    expect(await sensor.read()).toEqual(expected);
  });

  it('differs from an untruncated t_fine exactly where the vectors say (the 1-in-40 last digit)', async () => {
    for (const vector of differing) {
      const published = await (await sensorFor(vector)).read();
      const untruncated = Object.fromEntries(Object.entries(vector.untruncatedTFine ?? {}).map(([name, text]) => [name, Number(text)]));
      expect(published).not.toMatchObject(untruncated);
    }
  });

  it.each(chips.filter((vector) => vector.outOfRange).map((vector) => [vector.outOfRange, vector.celsius.toFixed(2), vector.hectopascal.toFixed(2), vector] as const))(
    'fails a reading out of the documented %s range (%s °C, %s hPa) instead of clamping it',
    async (name, _celsius, _hpa, vector) => {
      const sensor = await sensorFor(vector);
      await expect(sensor.read()).rejects.toThrow(new RegExp(`^OUT_OF_RANGE: ${vector.chip} at 0x76 on bus 1: ${name} .* is outside the chip's documented range`));
    },
  );
});
