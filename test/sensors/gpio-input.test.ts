// The gpio-input driver on simulated lines: state mode (level on change and as a heartbeat),
// counter mode (count and rate per interval; on a character-device line, edges lost to a kernel
// FIFO overflow), activeLow, debounce, and its options.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGpioInput, gpioInputDriver, gpioInputOptions } from '../../src/sensors/gpio-input.js';
import { createSimulatedGpio, type SimulatedGpioProvider } from '../../src/hardware/gpio/simulated-gpio.js';
import { simulatedGpioScript } from '../../src/hardware/gpio/simulated-gpio-script.js';
import type { GpioLine, Level } from '../../src/hardware/gpio/gpio.js';
import type { Hardware } from '../../src/hardware/hardware.js';
import type { Sensor, Values } from '../../src/sensors/types.js';
import { closestKey } from '../../src/config/suggest.js';
import { createCdevGpio } from '../../src/hardware/gpio/gpio-cdev.js';
import { fakeCdev } from '../helpers/fake-gpio-cdev.js';

function simulatedHardware(scripts: Record<number, unknown>): { hardware: Hardware; gpio: SimulatedGpioProvider } {
  const gpio = createSimulatedGpio(new Map(Object.entries(scripts).map(([pin, raw]) => [Number(pin), simulatedGpioScript.parse(raw)])));
  const hardware: Hardware = {
    i2c: () => Promise.reject(new Error('no I2C in this test')),
    gpio,
    oneWireRoot: '/nonexistent',
    iioRoot: '/nonexistent',
    hwmonRoot: '/nonexistent',
    close: async () => {},
  };
  return { hardware, gpio };
}

async function create(options: Record<string, unknown>, scripts: Record<number, unknown>) {
  const { hardware, gpio } = simulatedHardware(scripts);
  const sensor = await gpioInputDriver.create(gpioInputOptions.parse(options), { sensorId: 'door', storePath: '/tmp', log: pino({ level: 'silent' }), hardware });
  const pushed: Array<{ values: Values; ts: number }> = [];
  sensor.onReading?.((values, ts) => pushed.push({ values, ts }));
  return { sensor, pushed, gpio };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 2_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('gpio-input options', () => {
  it('defaults to both edges, 20 ms debounce, active high, state mode', () => {
    expect(gpioInputOptions.parse({ pin: 17 })).toEqual({ pin: 17, edge: 'both', debounce: 20, activeLow: false, mode: 'state' });
    expect(gpioInputOptions.parse({ pin: 4, edge: 'falling', debounce: '50ms', activeLow: true, mode: 'counter' })).toEqual({
      pin: 4, edge: 'falling', debounce: 50, activeLow: true, mode: 'counter',
    });
  });

  it('requires a BCM pin and rejects what is not one', () => {
    expect(gpioInputOptions.safeParse({}).error?.issues[0]).toMatchObject({ path: ['pin'], message: 'missing (expected a BCM pin number such as 17)' });
    expect(gpioInputOptions.safeParse({ pin: 54 }).success).toBe(false);
    expect(gpioInputOptions.safeParse({ pin: 17, edge: 'none' }).success).toBe(false);
  });

  it("rejects the issue's spelling active-low, which the config's typo hint maps to activeLow", () => {
    expect(gpioInputOptions.safeParse({ pin: 17, 'active-low': true }).error?.issues[0]?.code).toBe('unrecognized_keys');
    expect(closestKey('active-low', Object.keys(gpioInputOptions.shape))).toBe('activeLow');
  });
});

describe('gpio-input in state mode', () => {
  it('opens the pin with its edge, debounce and activeLow, and reads the level as a heartbeat', async () => {
    const { sensor, gpio } = await create({ pin: 17, edge: 'both', debounce: '30ms' }, { 17: { level: 1 } });
    expect(await sensor.read()).toEqual({ level: 1 });
    gpio.line(17)?.drive(0);
    expect(await sensor.read()).toEqual({ level: 0 });
  });

  it('pushes { level } on every change of a door contact toggling every 30 s', async () => {
    const { pushed } = await create({ pin: 17 }, { 17: { level: 0, toggle: '30s' } });
    await vi.advanceTimersByTimeAsync(90_020);
    expect(pushed).toEqual([
      { values: { level: 1 }, ts: 2_030_020 },
      { values: { level: 0 }, ts: 2_060_020 },
      { values: { level: 1 }, ts: 2_090_020 },
    ]);
  });

  it('inverts with activeLow: a contact pulling the line to ground reads 1', async () => {
    const { sensor, pushed, gpio } = await create({ pin: 5, activeLow: true }, { 5: { level: 1 } });
    expect(await sensor.read()).toEqual({ level: 0 });
    gpio.line(5)?.drive(0);
    await vi.advanceTimersByTimeAsync(20);
    expect(pushed.map((reading) => reading.values)).toEqual([{ level: 1 }]);
  });

  it('ignores contact bounce shorter than the debounce time', async () => {
    const { pushed, gpio } = await create({ pin: 17, debounce: '20ms' }, {});
    const line = gpio.line(17);
    for (const level of [1, 0, 1, 0] as const) {
      line?.drive(level);
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(100);
    expect(pushed).toEqual([]);
    line?.drive(1);
    await vi.advanceTimersByTimeAsync(5);
    line?.drive(0);
    await vi.advanceTimersByTimeAsync(5);
    line?.drive(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(pushed.map((reading) => reading.values)).toEqual([{ level: 1 }]);
  });

  it('with both edges, drops a repeated level (a bounce onoff reports after settling back)', async () => {
    const listeners: Array<(level: Level, ts: number, lost: number) => void> = [];
    const line: GpioLine = { pin: 6, read: async () => 0, write: async () => {}, watch: (listener) => void listeners.push(listener), close: async () => {} };
    const sensor: Sensor = await createGpioInput(gpioInputOptions.parse({ pin: 6 }), line);
    const levels: Values[] = [];
    sensor.onReading?.((values) => levels.push(values));
    for (const level of [0, 1, 1, 0] as const) listeners.forEach((listener) => listener(level, 1, 0));
    expect(levels).toEqual([{ level: 1 }, { level: 0 }]);
  });

  it('releases the line on close, and when the first read fails', async () => {
    const { sensor, gpio } = await create({ pin: 17 }, { 17: { toggle: '1s' } });
    await sensor.close?.();
    expect(gpio.line(17)?.isClosed).toBe(true);
    const close = vi.fn(async () => {});
    const broken: GpioLine = { pin: 9, read: () => Promise.reject(new Error('EIO')), write: async () => {}, watch: () => {}, close };
    await expect(createGpioInput(gpioInputOptions.parse({ pin: 9 }), broken)).rejects.toThrow('EIO');
    expect(close).toHaveBeenCalledOnce();
  });
});

describe('gpio-input in counter mode', () => {
  it('publishes the count since start and the rate over the last interval, on every read', async () => {
    const { sensor, pushed } = await create({ pin: 27, mode: 'counter', edge: 'rising' }, { 27: { pulses: { every: '250ms' } } });
    expect(sensor.onReading).toBeUndefined();
    expect(await sensor.read()).toEqual({ count: 0, rate: 0 });
    await vi.advanceTimersByTimeAsync(10_000);
    // Pulses at 0.25 s ... 9.75 s are counted; the one at 10 s is still inside its debounce.
    expect(await sensor.read()).toEqual({ count: 39, rate: 3.9 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await sensor.read()).toEqual({ count: 79, rate: 4 });
    expect(pushed).toEqual([]);
  });

  it('shows a rate of 0 over an interval without pulses, keeping the count', async () => {
    const { sensor, gpio } = await create({ pin: 22, mode: 'counter', edge: 'falling', debounce: 0 }, {});
    const meter = gpio.line(22);
    for (let pulse = 0; pulse < 3; pulse += 1) {
      meter?.drive(1);
      meter?.drive(0);
    }
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await sensor.read()).toEqual({ count: 3, rate: 1.5 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await sensor.read()).toEqual({ count: 3, rate: 0 });
  });

  it('counts both edges of each pulse when edge is both', async () => {
    const { sensor } = await create({ pin: 27, mode: 'counter' }, { 27: { pulses: { every: '1s', width: '100ms' } } });
    await vi.advanceTimersByTimeAsync(5_500);
    expect(await sensor.read()).toEqual({ count: 10, rate: 1.818 });
  });

  it('on a line that queues events, counts the edges a kernel FIFO overflow dropped, warns, and publishes overflows', async () => {
    const addon = fakeCdev({ '/dev/gpiochip0': { name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 } });
    const gpio = createCdevGpio({ addon, chip: { chip: { path: '/dev/gpiochip0', label: 'pinctrl-bcm2711', lines: 58 } } });
    const warnings: string[] = [];
    const line = await gpio.open(27, { direction: 'in', edge: 'rising', debounceMs: 0 });
    const sensor = await createGpioInput(gpioInputOptions.parse({ pin: 27, mode: 'counter', edge: 'rising', debounce: 0 }), line, Date.now, (message) => warnings.push(message));
    addon.emit(27, [{ lineSeqno: 1 }, { lineSeqno: 2 }, { lineSeqno: 3 }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await sensor.read()).toEqual({ count: 3, rate: 3, overflows: 0 });
    expect(warnings).toEqual([]);
    // Edges 4-1027 fell out of the kernel's 1,024-event FIFO; 1028-2051 arrive.
    addon.emit(27, Array.from({ length: 1024 }, (_, index) => ({ lineSeqno: 1028 + index })));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await sensor.read()).toEqual({ count: 2051, rate: 2048, overflows: 1024 });
    expect(warnings).toEqual([expect.stringMatching(/^GPIO_EVENTS_OVERFLOW: .*BCM 27 .*dropped 1024 edges /)]);
    await sensor.close?.();
  });

  it('publishes no overflows value on lines that cannot tell (sysfs, simulated)', async () => {
    const { sensor } = await create({ pin: 27, mode: 'counter' }, { 27: { level: 0 } });
    expect(Object.keys(await sensor.read())).toEqual(['count', 'rate']);
  });
});

