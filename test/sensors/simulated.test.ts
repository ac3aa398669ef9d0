// The `simulated` driver: its signals (sine, random, counter, step), rounding to the configured
// decimals like a real sensor's resolution, and burst as readings per tick.
import { describe, expect, it } from 'vitest';
import { createSimulated, simulatedDriver, simulatedOptions } from '../../src/sensors/simulated.js';
import { noHardwareContext } from '../helpers/driver-context.js';

const options = (input: Record<string, unknown>) => simulatedOptions.parse(input);

/** A clock the test sets. */
function clock(start = 0): { now: () => number; set(ms: number): void } {
  let time = start;
  return { now: () => time, set: (ms) => void (time = ms) };
}

async function valueAt(sensor: ReturnType<typeof createSimulated>, time: { set(ms: number): void }, ms: number): Promise<number> {
  time.set(ms);
  const { value } = await sensor.read();
  return value!;
}

describe('the simulated driver', () => {
  it('has documented defaults: a sine from 0 to 100 over a minute, 2 decimals, one reading per tick', () => {
    expect(options({})).toEqual({ signal: 'sine', burst: 1, min: 0, max: 100, period: 60_000, decimals: 2 });
  });

  it('publishes a single value named "value"', async () => {
    const values = await createSimulated(options({}), () => 0).read();
    expect(Object.keys(values)).toEqual(['value']);
  });

  it('sine: stays within [min, max], reaching max at a quarter period and min at three quarters', async () => {
    const time = clock();
    const sensor = createSimulated(options({ signal: 'sine', min: 15, max: 28, period: '10s' }), time.now);
    for (let ms = 0; ms <= 20_000; ms += 250) {
      const value = await valueAt(sensor, time, ms);
      expect(value).toBeGreaterThanOrEqual(15);
      expect(value).toBeLessThanOrEqual(28);
    }
    expect(await valueAt(sensor, time, 0)).toBe(21.5); // the midpoint
    expect(await valueAt(sensor, time, 2_500)).toBe(28);
    expect(await valueAt(sensor, time, 7_500)).toBe(15);
    expect(await valueAt(sensor, time, 12_500)).toBe(28); // periodic
  });

  it('counter: starts at min and increments by one per reading, whatever the clock says', async () => {
    const sensor = createSimulated(options({ signal: 'counter', min: 100, decimals: 0 }), () => 0);
    const values = [];
    for (let i = 0; i < 5; i += 1) values.push((await sensor.read()).value);
    expect(values).toEqual([100, 101, 102, 103, 104]);
  });

  it('step: min for the first half of each period, max for the second', async () => {
    const time = clock();
    const sensor = createSimulated(options({ signal: 'step', min: 0, max: 1, period: '2s' }), time.now);
    const samples = [];
    for (const ms of [0, 500, 999, 1000, 1500, 1999, 2000, 3000]) samples.push(await valueAt(sensor, time, ms));
    expect(samples).toEqual([0, 0, 0, 1, 1, 1, 0, 1]);
  });

  it('random: stays within [min, max]', async () => {
    const sensor = createSimulated(options({ signal: 'random', min: -5, max: 5 }));
    for (let i = 0; i < 200; i += 1) {
      const { value } = await sensor.read();
      expect(value).toBeGreaterThanOrEqual(-5);
      expect(value).toBeLessThanOrEqual(5);
    }
  });

  it.each([
    [0, 22],
    [1, 21.5],
    [2, 21.53],
    [3, 21.527],
  ])('rounds to %i decimals', async (decimals, expected) => {
    // A sine at a quarter period sits at max: 21.527 exactly.
    const sensor = createSimulated(options({ signal: 'sine', min: 0, max: 21.527, period: '4s', decimals }), () => 1000);
    expect((await sensor.read()).value).toBe(expected);
  });

  it('rounds random values too: no value has more decimals than configured', async () => {
    const sensor = createSimulated(options({ signal: 'random', decimals: 1 }));
    for (let i = 0; i < 50; i += 1) {
      const { value } = await sensor.read();
      expect(Math.round(value! * 10) / 10).toBe(value);
    }
  });

  it('burst: asks the sampler for that many readings per tick', async () => {
    expect(createSimulated(options({ burst: 20 })).readingsPerTick).toBe(20);
    expect(createSimulated(options({})).readingsPerTick).toBe(1);
    const sensor = await simulatedDriver.create(options({ burst: 500, signal: 'counter' }), noHardwareContext({ sensorId: 's' }));
    expect(sensor.readingsPerTick).toBe(500);
  });

  it.each([
    [{ burst: 0 }],
    [{ burst: 1.5 }],
    [{ decimals: 7 }],
    [{ signal: 'saw' }],
  ])('rejects the option %j', (input) => {
    expect(simulatedOptions.safeParse(input).success).toBe(false);
  });
});
