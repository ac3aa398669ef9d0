// One sensor's chains together: per value then `all`, decimals last, a reading passes when any
// value passes and carries the others' last reported values, clamp fails the whole reading.
import { describe, expect, it } from 'vitest';
import { SensorFilters, decimalsOf, roundTo } from '../../src/filters/sensor-filters.js';
import { OutOfRangeError } from '../../src/filters/stage.js';
import type { FiltersConfig } from '../../src/config/filter-schema.js';

const BME280 = { temperature: { decimals: 2 }, pressure: { decimals: 2 }, humidity: { decimals: 2 } };

describe('sensor filters', () => {
  it('the issue example: offset then average on temperature, calibrate on humidity, delta + heartbeat on all', () => {
    const filters: FiltersConfig = {
      temperature: [{ offset: -1.8 }, { average: { window: 5, sendEvery: 5 } }],
      humidity: [{ calibrate: [[20, 22.5], [80, 79.1]] }],
      all: [{ delta: { amount: 0.2, relative: false }, heartbeat: 300_000 }],
    };
    const chain = new SensorFilters(filters, BME280);
    // First sample: every value passes (first average, first delta); decimals of the driver last.
    expect(chain.apply({ temperature: 23.81, humidity: 50, pressure: 1013.25 }, 0)).toEqual({ temperature: 22.01, humidity: 50.8, pressure: 1013.25 });
    // Nothing moved: nothing passes, no reading.
    expect(chain.apply({ temperature: 23.82, humidity: 50.01, pressure: 1013.26 }, 2000)).toBeNull();
    // Pressure moved 0.3 hPa: a reading, the other values as last reported.
    expect(chain.apply({ temperature: 23.83, humidity: 50.02, pressure: 1013.55 }, 4000)).toEqual({ temperature: 22.01, humidity: 50.8, pressure: 1013.55 });
    // The heartbeat: five minutes after the last pass, every value passes with its current value.
    const late = chain.apply({ temperature: 23.9, humidity: 50.05, pressure: 1013.56 }, 304_000);
    expect(late).toEqual({ temperature: 22.01, humidity: 50.85, pressure: 1013.56 });
  });

  it('keeps the value order of the driver and leaves a value no list names unchanged', () => {
    const chain = new SensorFilters({ humidity: [{ offset: 1 }] }, BME280);
    expect(Object.keys(chain.apply({ temperature: 21.5, humidity: 40, pressure: 1000 }, 0)!)).toEqual(['temperature', 'humidity', 'pressure']);
    expect(chain.apply({ temperature: 21.123456, humidity: 40, pressure: 1000 }, 1)).toEqual({ temperature: 21.123456, humidity: 41, pressure: 1000 });
  });

  it('applies the value list before the all list', () => {
    const chain = new SensorFilters({ value: [{ multiply: 10 }], all: [{ offset: 1 }] }, { value: { decimals: 2 } });
    expect(chain.apply({ value: 2 }, 0)).toEqual({ value: 21 });
  });

  it('rounds to the decimals of the value definition last, never in between', () => {
    // 0.004 × 1000 would be 0 if rounded after the offset; the average of 3 values needs rounding.
    const chain = new SensorFilters({ value: [{ offset: 0.004 }, { multiply: 1000 }] }, { value: { decimals: 2 } });
    expect(chain.apply({ value: 0 }, 0)).toEqual({ value: 4 });
    const average = new SensorFilters({ temperature: [{ average: { window: 3, sendEvery: 1 } }] }, BME280);
    average.apply({ temperature: 20 }, 0);
    average.apply({ temperature: 20 }, 1);
    expect(average.apply({ temperature: 20.01 }, 2)).toEqual({ temperature: 20 });
  });

  it('rounds a value without a definition to the decimals it came with', () => {
    expect(decimalsOf(21.53)).toBe(2);
    expect(decimalsOf(7)).toBe(0);
    expect(decimalsOf(1e-7)).toBe(7);
    expect(roundTo(-0.001, 2)).toBe(0);
    const chain = new SensorFilters({ all: [{ offset: -1.8 }] });
    expect(chain.apply({ load1: 0.25 }, 0)).toEqual({ load1: -1.55 });
  });

  it('a value whose window is not due yet is carried as last reported; one never reported is left out', () => {
    const chain = new SensorFilters({ temperature: [{ average: { window: 2, sendEvery: 2 } }], humidity: [{ delta: { amount: 5, relative: false } }] }, BME280);
    expect(chain.apply({ temperature: 20, humidity: 40 }, 0)).toEqual({ temperature: 20, humidity: 40 });
    // Humidity moved, temperature's average is not due: carried.
    expect(chain.apply({ temperature: 22, humidity: 50 }, 1)).toEqual({ temperature: 20, humidity: 50 });
    const fresh = new SensorFilters({ temperature: [{ average: { window: 2, sendEvery: 2 } }] }, BME280);
    expect(fresh.apply({ temperature: 20 }, 0)).toEqual({ temperature: 20 });
    // A value first seen later, whose list holds it back, is left out until it first passes.
    const late = new SensorFilters({ extra: [{ throttle: 10_000 }], temperature: [{ throttle: 10_000 }] });
    expect(late.apply({ temperature: 20 }, 0)).toEqual({ temperature: 20 });
    expect(late.apply({ temperature: 21 }, 5000)).toBeNull();
  });

  it('clamp fails the whole reading before any window or delta counted the sample', () => {
    const chain = new SensorFilters(
      { temperature: [{ clamp: { min: -40, max: 85 } }], humidity: [{ average: { window: 2, sendEvery: 1 } }] },
      BME280,
    );
    expect(chain.apply({ humidity: 40, temperature: 20 }, 0)).toEqual({ humidity: 40, temperature: 20 });
    expect(() => chain.apply({ humidity: 90, temperature: 150 }, 1)).toThrow(OutOfRangeError);
    // The failed sample's humidity (90) did not enter the window: the average is of 40 and 42.
    expect(chain.apply({ humidity: 42, temperature: 21 }, 2)).toEqual({ humidity: 41, temperature: 21 });
  });
});
