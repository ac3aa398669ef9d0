// The `filters:` key of a sensor: the shape parses into typed steps, and every mistake
// names its full key path and what was expected.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { calibrationLines } from '../../src/filters/describe.js';
import { configFile } from './fixture.js';

async function load(text: string) {
  return loadConfig(await configFile(text), {}, { hostname: 'test-host' });
}

async function problemsOf(text: string): Promise<string[]> {
  const error = await load(text).then(() => undefined, (rejection: unknown) => rejection);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

const ROOM = `sensors:
  - id: room
    driver: bme280
    filters:
      temperature: [{ offset: -1.8 }, { average: { window: 5, sendEvery: 5 } }]
      humidity: [{ calibrate: [[20, 22.5], [80, 79.1]] }]
      all: [{ delta: 0.2, heartbeat: 5m }]   # \`all\` applies to every value of the sensor
`;

const withFilters = (filters: string, driver = 'bme280'): string => `sensors:\n  - id: room\n    driver: ${driver}\n    filters:\n${filters}`;

describe('filters in the config', () => {
  it('parses the shape the issue gives into typed steps', async () => {
    const config = await load(ROOM);
    expect(config.sensors[0]!.filters).toEqual({
      temperature: [{ offset: -1.8 }, { average: { window: 5, sendEvery: 5 } }],
      humidity: [{ calibrate: [[20, 22.5], [80, 79.1]] }],
      all: [{ delta: { amount: 0.2, relative: false }, heartbeat: 300_000 }],
    });
    expect(config.sensors[0]!.options).not.toHaveProperty('filters');
  });

  it('takes every filter, a relative delta, and sendEvery defaulting to 1', async () => {
    const config = await load(withFilters(`      temperature:\n        - multiply: 1.02\n        - clamp: { min: -40, max: 85 }\n        - median: { window: 3 }\n        - throttle: 30s\n        - delta: "2%"\n`));
    expect(config.sensors[0]!.filters!.temperature).toEqual([
      { multiply: 1.02 },
      { clamp: { min: -40, max: 85 } },
      { median: { window: 3, sendEvery: 1 } },
      { throttle: 30_000 },
      { delta: { amount: 2, relative: true } },
    ]);
  });

  it('prints the fit of each calibrate step for check-config', async () => {
    const config = await load(ROOM);
    expect(calibrationLines(config.sensors)).toEqual(['sensors[0].filters.humidity[0].calibrate: true = 0.943333 × raw + 3.63333 (worst residual 0)']);
  });

  it.each<[string, string | string[]]>([
    ['      temperature: [{ offset: -1.8 }, { average: { window: 0, sendEvery: 5 } }]\n', 'sensors[0].filters.temperature[1].average.window: 0 is too small (at least 1)'],
    ['      temperature: [{ average: { window: 2.5 } }]\n', 'sensors[0].filters.temperature[0].average.window: 2.5 is not a whole number'],
    ['      temperature: [{ average: { windw: 5 } }]\n', ['sensors[0].filters.temperature[0].average.window: missing (expected a whole number of values such as 5)', 'sensors[0].filters.temperature[0].average.windw: unknown key (did you mean sensors[0].filters.temperature[0].average.window?)']],
    ['      temperature: [{ ofset: 1 }]\n', 'sensors[0].filters.temperature[0].ofset: unknown key (did you mean sensors[0].filters.temperature[0].offset?)'],
    ['      temperature: [{ offset: 1, multiply: 2 }]\n', 'sensors[0].filters.temperature[0]: {"offset":1,"multiply":2} has offset and multiply in one step (write each as its own list entry, in the order they apply)'],
    ['      temperature: [{ offset: "1" }]\n', 'sensors[0].filters.temperature[0].offset: "1" is not a number such as -1.8'],
    ['      temperature: [{ heartbeat: 5m }]\n', 'sensors[0].filters.temperature[0].heartbeat: "5m" only goes with delta in the same step ({ delta: 0.2, heartbeat: 5m })'],
    ['      temperature: [{ delta: "2 percent" }]\n', 'sensors[0].filters.temperature[0].delta: "2 percent" is not a delta (a number such as 0.2, or a percentage such as "2%")'],
    ['      temperature: [{ delta: -1 }]\n', 'sensors[0].filters.temperature[0].delta: -1 is not a delta (a number such as 0.2, or a percentage such as "2%")'],
    ['      temperature: [{ delta: 1, heartbeat: soon }]\n', 'sensors[0].filters.temperature[0].heartbeat: "soon" is not a duration (examples: 500ms, 5s, 1m)'],
    ['      temperature: [{ throttle: 0 }]\n', 'sensors[0].filters.temperature[0].throttle: 0 is too short (at least 1ms)'],
    ['      humidity: [{ calibrate: [[20, 22.5]] }]\n', 'sensors[0].filters.humidity[0].calibrate: [[20,22.5]] has too few points (at least 2 [raw, true] pairs for a linear fit)'],
    ['      humidity: [{ calibrate: [[20, 22.5], [20, 25]] }]\n', 'sensors[0].filters.humidity[0].calibrate: [[20,22.5],[20,25]] has all points at the same raw value (a line needs two different raw values)'],
    ['      humidity: [{ calibrate: [[20, 22.5], [80]] }]\n', 'sensors[0].filters.humidity[0].calibrate[1]: [80] has too few entries (at least 2)'],
    ['      humidity: [{ clamp: { min: 10, max: 0 } }]\n', 'sensors[0].filters.humidity[0].clamp.max: 0 is below min (10)'],
    ['      humidity: [{ clamp: {} }]\n', 'sensors[0].filters.humidity[0].clamp: {} needs min, max or both'],
    ['      humidity: { offset: 1 }\n', 'sensors[0].filters.humidity: {"offset":1} is not a list of filters such as [{ offset: -1.8 }]'],
    ['      humidity: [5]\n', 'sensors[0].filters.humidity[0]: 5 is not a filter (a mapping with one of: offset, multiply, calibrate, clamp, median, average, throttle, delta)'],
  ])('rejects %j', async (filters, problem) => {
    expect(await problemsOf(withFilters(filters))).toEqual(Array.isArray(problem) ? problem : [problem]);
  });

  it('rejects a value name the sensor does not report, naming the ones it does', async () => {
    expect(await problemsOf(withFilters('      temprature: [{ offset: 1 }]\n'))).toEqual([
      'sensors[0].filters.temprature: [{"offset":1}] is not a value of this sensor (its values: temperature, pressure, humidity; or all for every value)',
    ]);
    // The names depend on the options: a counter reports count, rate and overflows, not level.
    expect(await problemsOf(`sensors:\n  - { id: meter, driver: gpio-input, pin: 17, mode: counter, filters: { level: [{ offset: 1 }] } }\n`)).toEqual([
      'sensors[0].filters.level: [{"offset":1}] is not a value of this sensor (its values: count, rate, overflows; or all for every value)',
    ]);
  });

  it('reports a bad value name and a bad step in one pass', async () => {
    expect(await problemsOf(withFilters('      temprature: [{ offset: 1 }]\n      humidity: [{ average: { window: 0 } }]\n'))).toEqual([
      'sensors[0].filters.humidity[0].average.window: 0 is too small (at least 1)',
      'sensors[0].filters.temprature: [{"offset":1}] is not a value of this sensor (its values: temperature, pressure, humidity; or all for every value)',
    ]);
  });
});
