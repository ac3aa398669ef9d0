// The onoff adapter without onoff: number resolution, busy recovery and release against a fake
// sysfs folder and a fake Gpio class that behaves like the kernel (onoff itself needs a real
// kernel; the real-kernel tier covers it).
import { cp, readFile } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOnoffGpio, sysfsDirection, type OnoffGpio, type OnoffGpioClass } from '../../src/hardware/gpio/onoff-gpio.js';
import type { Level } from '../../src/hardware/gpio/gpio.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fixtures = fileURLToPath(new URL('../fixtures/sysfs/gpio/', import.meta.url));

function busyError(): Error {
  return Object.assign(new Error('EBUSY: resource busy or locked, write'), { code: 'EBUSY', errno: -16, syscall: 'write' });
}

interface FakeKernel {
  Gpio: OnoffGpioClass;
  constructed: Array<{ gpio: number; direction: string; edge: string; options: object }>;
  released: number[];
  watchers: Array<(error: Error | null | undefined, value: Level) => void>;
}

/**
 * A kernel in a folder: a `gpioN/` left exported by a crashed run keeps the line busy until N is
 * written to `unexport`; `stuck` lines stay busy (a driver or another program holds them).
 */
function fakeKernel(root: string, behaviour: { accessible?: boolean; stuck?: boolean } = {}): FakeKernel {
  const kernel: FakeKernel = { Gpio: undefined as unknown as OnoffGpioClass, constructed: [], released: [], watchers: [] };
  class FakeGpio implements OnoffGpio {
    static readonly accessible = behaviour.accessible ?? true;
    constructor(
      private readonly gpio: number,
      direction: 'in' | 'out' | 'high' | 'low',
      edge: string,
      options: object,
    ) {
      kernel.constructed.push({ gpio, direction, edge, options });
      const folder = join(root, `gpio${gpio}`);
      if (behaviour.stuck) throw busyError();
      if (existsSync(folder)) {
        if (readFileSync(join(root, 'unexport'), 'utf8') !== String(gpio)) throw busyError();
        rmSync(folder, { recursive: true });
      }
      mkdirSync(folder);
    }
    async read(): Promise<Level> {
      return 1;
    }
    async write(): Promise<void> {}
    watch(callback: (error: Error | null | undefined, value: Level) => void): void {
      kernel.watchers.push(callback);
    }
    unexport(): void {
      kernel.released.push(this.gpio);
      rmSync(join(root, `gpio${this.gpio}`), { recursive: true, force: true });
    }
  }
  kernel.Gpio = FakeGpio;
  return kernel;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function sysfsCopy(fixture: string): Promise<string> {
  const dir = await makeTempDir('gpio-sysfs-');
  cleanups.push(dir.cleanup);
  await cp(join(fixtures, fixture), dir.path, { recursive: true });
  return dir.path;
}

describe('onoff GPIO adapter', () => {
  it('opens BCM 17 on a Pi 4 with kernel 6.6 as sysfs gpio529, passing edge, activeLow and debounce to onoff', async () => {
    const root = await sysfsCopy('pi4-6.6');
    const kernel = fakeKernel(root);
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    const line = await gpio.open(17, { direction: 'in', edge: 'falling', activeLow: true, debounceMs: 20 });
    expect(line.pin).toBe(17);
    expect(kernel.constructed).toEqual([{ gpio: 529, direction: 'in', edge: 'falling', options: { activeLow: true, debounceTimeout: 20 } }]);
    expect(await line.read()).toBe(1);
  });

  it('opens BCM 17 on a Pi 5 as sysfs gpio588 and outputs with edge none', async () => {
    const root = await sysfsCopy('pi5-6.6');
    const kernel = fakeKernel(root);
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    await gpio.open(17, { direction: 'out', edge: 'both' });
    // `low`: direction and level in one sysfs write, so the line never shows another level first.
    expect(kernel.constructed[0]).toMatchObject({ gpio: 588, direction: 'low', edge: 'none' });
  });

  it("turns an output's logical initial level into the wire level sysfs sets with the direction", () => {
    expect(sysfsDirection({ direction: 'out', initial: 1 })).toBe('high');
    expect(sysfsDirection({ direction: 'out', initial: 1, activeLow: true })).toBe('low');
    expect(sysfsDirection({ direction: 'out', initial: 0, activeLow: true })).toBe('high');
    expect(sysfsDirection({ direction: 'in', initial: 1 })).toBe('in');
  });

  it('reports every event of a single edge watched without debounce as that edge, even when the pulse ended before onoff read the level', async () => {
    // A 5 ms pulse (100 pulses/s) is over by the time a busy event loop reads the value: onoff's own
    // rising filter would drop the event (the real-kernel tier counted 879 of 1,000 pulses so).
    const root = await sysfsCopy('pi4-6.6');
    const kernel = fakeKernel(root);
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    const line = await gpio.open(27, { direction: 'in', edge: 'rising', debounceMs: 0 });
    expect(kernel.constructed[0]).toMatchObject({ gpio: 539, edge: 'both' });
    expect(await readFile(join(root, 'gpio539', 'edge'), 'utf8')).toBe('rising');
    const levels: Level[] = [];
    line.watch((level) => levels.push(level));
    kernel.watchers[0]?.(null, 0);
    kernel.watchers[0]?.(null, 1);
    expect(levels).toEqual([1, 1]);
  });

  it('leaves the level check to onoff when a single edge is debounced: a glitch shorter than the debounce is no edge', async () => {
    const root = await sysfsCopy('pi4-6.6');
    const kernel = fakeKernel(root);
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    const line = await gpio.open(27, { direction: 'in', edge: 'rising', debounceMs: 20 });
    expect(kernel.constructed[0]).toMatchObject({ gpio: 539, edge: 'rising' });
    const levels: Level[] = [];
    line.watch((level) => levels.push(level));
    kernel.watchers[0]?.(null, 1);
    expect(levels).toEqual([1]);
  });

  it('recovers a line a crashed run left exported: unexports it and retries once', async () => {
    const root = await sysfsCopy('pi4-6.6-busy');
    expect(existsSync(join(root, 'gpio529'))).toBe(true);
    const kernel = fakeKernel(root);
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    const line = await gpio.open(17, { direction: 'in', edge: 'both' });
    expect(await readFile(join(root, 'unexport'), 'utf8')).toBe('529');
    expect(kernel.constructed.map((call) => call.gpio)).toEqual([529, 529]);
    await line.close();
    expect(kernel.released).toEqual([529]);
  });

  it('gives up with GPIO_BUSY when the line is still busy after the unexport', async () => {
    const root = await sysfsCopy('pi4-6.6-busy');
    const kernel = fakeKernel(root, { stuck: true });
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    await expect(gpio.open(17, { direction: 'in', edge: 'both' })).rejects.toThrow(
      'GPIO_BUSY: BCM 17 (sysfs gpio529) is still busy after unexporting it: another program or a kernel driver (a dtoverlay) holds it',
    );
    expect(kernel.constructed).toHaveLength(2);
    expect(await readFile(join(root, 'unexport'), 'utf8')).toBe('529');
  });

  it('releases the line on close, once, and stops reporting edges', async () => {
    const root = await sysfsCopy('pi3-4.19');
    const kernel = fakeKernel(root);
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    const line = await gpio.open(4, { direction: 'in', edge: 'both' });
    const levels: Level[] = [];
    line.watch((level) => levels.push(level));
    kernel.watchers[0]?.(null, 1);
    kernel.watchers[0]?.(new Error('epoll failed'), 0);
    await line.close();
    await line.close();
    kernel.watchers[0]?.(null, 0);
    expect(levels).toEqual([1]);
    expect(kernel.released).toEqual([4]);
    expect(existsSync(join(root, 'gpio4'))).toBe(false);
  });

  it('says so when the user may not export lines (Gpio.accessible is false)', async () => {
    const root = await sysfsCopy('pi4-6.6');
    const kernel = fakeKernel(root, { accessible: false });
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn: () => {} });
    await expect(gpio.open(17, { direction: 'in' })).rejects.toThrow(/GPIO_ACCESS: cannot write \/sys\/class\/gpio\/export/);
    expect(kernel.constructed).toHaveLength(0);
  });

  it('fails clearly without loading onoff when the sysfs root is missing', async () => {
    const loadGpio = vi.fn(async (): Promise<OnoffGpioClass> => fakeKernel('/nowhere').Gpio);
    const gpio = createOnoffGpio({ sysfsRoot: '/nonexistent/class/gpio', loadGpio });
    await expect(gpio.open(17, { direction: 'in' })).rejects.toThrow('GPIO sysfs not available at /nonexistent/class/gpio (kernel without CONFIG_GPIO_SYSFS?)');
    expect(loadGpio).not.toHaveBeenCalled();
    // The production adapter (real onoff loader) fails the same way before touching onoff.
    await expect(createOnoffGpio({ sysfsRoot: '/nonexistent/class/gpio' }).open(17, { direction: 'in' })).rejects.toThrow(/GPIO_SYSFS_MISSING/);
  });

  it('warns once about a fallback chip choice, and about a root onoff does not use', async () => {
    const root = await sysfsCopy('legacy-bcm2708');
    const kernel = fakeKernel(root);
    const warn = vi.fn();
    const gpio = createOnoffGpio({ sysfsRoot: root, loadGpio: async () => kernel.Gpio, warn });
    await gpio.open(17, { direction: 'in' });
    await gpio.open(18, { direction: 'in' });
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringContaining('assuming gpiochip0 "bcm2708_gpio"'),
      expect.stringContaining('onoff always uses /sys/class/gpio'),
    ]);
    expect(kernel.constructed.map((call) => call.gpio)).toEqual([17, 18]);
  });
});
