// The one rounding rule every driver and the filters use (README "How values are rounded").
import { describe, expect, it } from 'vitest';
import { roundToDecimals } from '../../src/sensors/rounding.js';
import { checkDocumentedRange, clampHumidity } from '../../src/sensors/documented-range.js';

describe('roundToDecimals', () => {
  it('rounds to the nearest multiple, as printf("%.2f") does on the exact binary value', () => {
    expect(roundToDecimals(1059.384999, 2)).toBe(1059.38);
    expect(roundToDecimals(1059.385001, 2)).toBe(1059.39);
    expect(roundToDecimals(21.5625, 4)).toBe(21.5625);
    expect(roundToDecimals(-10.126, 2)).toBe(-10.13);
  });

  it('does not carry a value just below a half-way point over it, as Math.round(x * 100) / 100 does', () => {
    // 0.015 is stored as 0.01499999999999999944...: below the half-way point; x * 100 rounds up to 1.5.
    expect(Math.round(0.015 * 100) / 100).toBe(0.02);
    expect(roundToDecimals(0.015, 2)).toBe(0.01);
    expect(roundToDecimals(0.155, 2)).toBe(0.15); // 0.15499999999999999889...
  });

  it('breaks an exact tie away from zero, and publishes -0 as 0', () => {
    expect(roundToDecimals(0.125, 2)).toBe(0.13);
    expect(roundToDecimals(-0.125, 2)).toBe(-0.13);
    expect(Object.is(roundToDecimals(-0.001, 2), 0)).toBe(true);
  });
});

describe('documented ranges', () => {
  const range = { min: -40, max: 85, unit: '°C', source: 'operating range, datasheet section 1' };

  it('passes a value inside the range, bounds included', () => {
    expect(checkDocumentedRange('bme280 at 0x76 on bus 1', 'temperature', 85, range)).toBe(85);
    expect(checkDocumentedRange('bme280 at 0x76 on bus 1', 'temperature', -40, range)).toBe(-40);
  });

  it('fails a value outside it with the value, the range and where it is documented', () => {
    expect(() => checkDocumentedRange('bme280 at 0x76 on bus 1', 'temperature', 85.01, range)).toThrow(
      "OUT_OF_RANGE: bme280 at 0x76 on bus 1: temperature 85.01 °C is outside the chip's documented range -40..85 °C (operating range, datasheet section 1)",
    );
  });

  it('clamps relative humidity to 0..100 %RH', () => {
    expect(clampHumidity(100.4)).toBe(100);
    expect(clampHumidity(-0.2)).toBe(0);
    expect(clampHumidity(45.3)).toBe(45.3);
  });
});
