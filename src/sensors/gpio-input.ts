// The `gpio-input` driver: one GPIO input line (BCM `pin`). In `state` mode (door contacts,
// buttons) it publishes `{ level }` on every change, pushed through onReading, and as a heartbeat
// on every interval. In `counter` mode (pulse meters: S0 outputs, reed switches on gas and water
// meters) it counts the edges the line reports and publishes `{ count, rate }` each interval:
// count since start, rate in pulses/s over the last interval. On the character device the kernel
// queues every edge with a sequence number; a gap means its FIFO overflowed: the dropped edges are
// still counted (each number is one edge), logged, and published as `overflows`.
import { z } from 'zod';
import { duration } from '../schema/units.js';
import { expecting } from '../schema/fields.js';
import type { GpioLine, Level } from '../hardware/gpio/gpio.js';
import type { DriverDefinition, Sensor, ValueDefinitions, Values } from './types.js';
import { roundToDecimals } from './rounding.js';
import { measured } from './value-kinds.js';

/** BCM numbers of the Pi's main controller (the header uses 0-27; the Pi 5's RP1 has 54 lines). */
export const MAX_BCM_PIN = 53;
/** Counter mode: `count` and the kernel's dropped edges as integers, `rate` to 0.001 pulses/s. */
const COUNTER_VALUES = {
  count: measured('count', 0),
  rate: measured('rate', 3),
  overflows: measured('count', 0, { diagnostic: true }),
} satisfies ValueDefinitions;

export const gpioInputOptions = z.strictObject({
  /** BCM number (GPIO17 = pin 11 on the header = `pin: 17`). */
  pin: z.number(expecting('a BCM pin number such as 17')).int().min(0).max(MAX_BCM_PIN).meta({ description: 'BCM pin number (GPIO17 = pin 11 on the header = 17; required)', examples: [17, 27] }),
  /** Which edges count as a change (state) or a pulse (counter). */
  edge: z.enum(['rising', 'falling', 'both']).default('both').meta({ description: 'which edges count as a change (state) or a pulse (counter): rising, falling or both (default: both)', examples: ['both', 'falling'] }),
  /** The level must be stable this long before an edge counts (contact bounce). */
  debounce: duration(0).default(20).meta({ description: 'the level must be stable this long before an edge counts (default: 20ms)', examples: ['20ms', '5ms'] }),
  /** Invert the level: a contact switching to ground reads 1 when closed. */
  activeLow: z.boolean(expecting('true or false')).default(false).meta({ description: 'invert the level: a contact switching to ground reads 1 when closed (default: false)', examples: [true] }),
  mode: z.enum(['state', 'counter']).default('state').meta({ description: 'state (level on every change) or counter (count and rate of pulses) (default: state)', examples: ['state', 'counter'] }),
});
export type GpioInputOptions = z.output<typeof gpioInputOptions>;


function stateSensor(line: GpioLine, edge: GpioInputOptions['edge'], initial: Level): Sensor {
  let lastLevel = initial;
  const listeners: Array<(values: Values, ts: number) => void> = [];
  line.watch((level, ts) => {
    // With both edges every real change alternates the level; a repeat is a bounce that settled back.
    if (edge === 'both' && level === lastLevel) return;
    lastLevel = level;
    for (const listener of listeners) listener({ level }, ts);
  });
  return {
    read: async (): Promise<Values> => {
      lastLevel = await line.read();
      return { level: lastLevel };
    },
    onReading: (listener) => {
      listeners.push(listener);
    },
    close: () => line.close(),
  };
}

function counterSensor(line: GpioLine, now: () => number, warn: (message: string) => void): Sensor {
  let count = 0;
  let countAtLastRead = 0;
  let lastReadAt = now();
  let overflows = 0;
  line.watch((_level, _ts, lost) => {
    count += 1 + lost;
    if (lost > 0) {
      overflows += lost;
      warn(`GPIO_EVENTS_OVERFLOW: the kernel's event buffer for BCM ${line.pin} overflowed and dropped ${lost} edge${lost === 1 ? '' : 's'} (counted from the sequence gap; ${overflows} since start)`);
    }
  });
  return {
    read: async (): Promise<Values> => {
      const at = now();
      const seconds = (at - lastReadAt) / 1000;
      const rate = seconds > 0 ? roundToDecimals((count - countAtLastRead) / seconds, COUNTER_VALUES.rate.decimals) : 0;
      countAtLastRead = count;
      lastReadAt = at;
      // Only a line that queues events can tell; elsewhere the value would claim a certainty it lacks.
      return line.queuesEvents === true ? { count, rate, overflows } : { count, rate };
    },
    close: () => line.close(),
  };
}

/** Builds the sensor over an opened line (tests pass a simulated one and a clock). */
export async function createGpioInput(
  options: GpioInputOptions,
  line: GpioLine,
  now: () => number = Date.now,
  warn: (message: string) => void = (message) => process.emitWarning(message),
): Promise<Sensor> {
  try {
    return options.mode === 'counter' ? counterSensor(line, now, warn) : stateSensor(line, options.edge, await line.read());
  } catch (error) {
    await line.close();
    throw error;
  }
}

export const gpioInputDriver: DriverDefinition<GpioInputOptions> = {
  name: 'gpio-input',
  readme: {
    options: '`pin` (BCM, required), `edge`: `rising`, `falling`, `both` (`both`), `debounce` (`20ms`), `activeLow` (false), `mode`: `state` or `counter` (`state`)',
    values: '`level` (0/1) on every change and every `interval`; counter mode: `count`, `rate` (pulses/s) every `interval`, and on the character device `overflows` (edges the kernel\'s event buffer dropped; they are still in `count`)',
    wiring: 'a contact to GND with the internal or an external pull-up: use `activeLow: true`',
  },
  transport: 'gpio',
  where: (options) => ({ kind: 'gpio', pin: options.pin }),
  options: gpioInputOptions,
  values: (options): ValueDefinitions => (options.mode === 'counter' ? COUNTER_VALUES : { level: measured('level', 0) }),
  create: async (options, { hardware, log }) => {
    const line = await hardware.gpio.open(options.pin, {
      direction: 'in',
      edge: options.edge,
      activeLow: options.activeLow,
      debounceMs: options.debounce,
    });
    return createGpioInput(options, line, Date.now, (message) => log.warn(message));
  },
};
