// The `simulated` driver: a signal generator for demos, tests and load (burst = readings per tick).
import { z } from 'zod';
import { duration } from '../schema/units.js';
import type { DriverDefinition, Sensor, ValueDefinition, ValueDefinitions, Values } from './types.js';
import { roundValues } from './rounding.js';
import { KIND_BY_UNIT } from './value-kinds.js';

export const simulatedOptions = z.strictObject({
  signal: z.enum(['sine', 'random', 'counter', 'step']).default('sine').meta({ description: 'the signal: sine, random, counter or step (default: sine)', examples: ['sine', 'counter'] }),
  /** Readings per tick: the sampler accepts this many readings each interval (load testing). */
  burst: z.number().int().min(1).max(100_000).default(1).meta({ description: 'readings per tick, 1 to 100000 (default: 1)', examples: [1, 100] }),
  min: z.number().default(0).meta({ description: 'the lowest value (default: 0)', examples: [0, 18] }),
  max: z.number().default(100).meta({ description: 'the highest value (default: 100)', examples: [100, 26] }),
  /** Period of the sine, and of one full step cycle. */
  period: duration(1).default(60_000).meta({ description: 'period of the sine, and of one full step cycle (default: 60s)', examples: ['60s', '10m'] }),
  /** Decimal places the value is rounded to, like a real sensor's resolution. */
  decimals: z.number().int().min(0).max(6).default(2).meta({ description: 'decimal places the value is rounded to, 0 to 6 (default: 2)', examples: [2, 0] }),
  /** What the simulated value stands for, so consumers (Home Assistant) can show it as such: `°C`, `%RH`, `hPa`, `V`... */
  unit: z.string().min(1).optional().meta({ description: 'what the value stands for: °C, %RH, hPa, V... (default: none)', examples: ['°C', '%RH'] }),
});
export type SimulatedOptions = z.infer<typeof simulatedOptions>;

export function createSimulated(options: SimulatedOptions, now: () => number = Date.now): Sensor {
  const span = options.max - options.min;
  let count = 0;
  const sample = (): number => {
    switch (options.signal) {
      case 'sine':
        return options.min + (span * (1 + Math.sin((2 * Math.PI * now()) / options.period))) / 2;
      case 'random':
        return options.min + Math.random() * span;
      case 'counter':
        return options.min + count++;
      case 'step': {
        const phase = Math.floor((now() % options.period) / (options.period / 2));
        return phase === 0 ? options.min : options.max;
      }
    }
  };
  const definitions = simulatedValues(options);
  return {
    readingsPerTick: options.burst,
    read: async (): Promise<Values> => roundValues({ value: sample() }, definitions),
  };
}

/** A counter only grows (a total); another signal is what its unit says it is, or a plain number. */
function simulatedMeaning(options: SimulatedOptions): Omit<ValueDefinition, 'decimals'> {
  if (options.signal === 'counter') return options.unit === undefined ? { kind: 'count' } : { kind: 'count', unit: options.unit };
  if (options.unit === undefined) return {};
  const kind = KIND_BY_UNIT[options.unit];
  return kind === undefined ? { unit: options.unit } : { unit: options.unit, kind };
}

function simulatedValues(options: SimulatedOptions): ValueDefinitions {
  return { value: { decimals: options.decimals, ...simulatedMeaning(options) } };
}

export const simulatedDriver: DriverDefinition<SimulatedOptions> = {
  name: 'simulated',
  readme: {
    options: '`signal`: `sine`, `random`, `counter`, `step` (`sine`); `min` (0), `max` (100), `period` (`60s`), `decimals` (2), `burst` (readings per tick, 1), `unit` (none; `°C`, `%RH`, `hPa`, `V`...: what the value stands for)',
    values: '`value`',
    wiring: 'none: for demos and load tests',
  },
  transport: 'none',
  options: simulatedOptions,
  values: simulatedValues,
  create: async (options) => createSimulated(options),
};
