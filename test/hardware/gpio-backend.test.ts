// hardware.gpio: which adapter real lines get (auto, cdev, sysfs), against a fake of our binding
// and a folder standing in for /dev (its gpiochipN entries are only listed; the fake describes them).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseGpioBackend, createRealGpio, type GpioBackendOptions } from '../../src/hardware/gpio/gpio-backend.js';
import type { OnoffGpioClass } from '../../src/hardware/gpio/onoff-gpio.js';
import { errnoError, fakeCdev, type FakeCdev } from '../helpers/fake-gpio-cdev.js';
import { makeTempDir } from '../helpers/temp-dir.js';

let dev: { path: string; cleanup(): Promise<void> };

beforeEach(async () => {
  dev = await makeTempDir('gpio-dev-');
});
afterEach(async () => {
  await dev.cleanup();
});

/** /dev with these chips (label, lines) as gpiochip0, 1, ... */
async function chips(...list: Array<[string, number]>): Promise<FakeCdev> {
  const addon = fakeCdev();
  for (const [index, [label, lines]] of list.entries()) {
    const path = join(dev.path, `gpiochip${index}`);
    await writeFile(path, '');
    addon.chips.set(path, { name: `gpiochip${index}`, label, lines });
  }
  return addon;
}

const options = (addon: FakeCdev | null, setting: GpioBackendOptions['setting'], extra: Partial<GpioBackendOptions> = {}): GpioBackendOptions => ({
  setting,
  sysfsRoot: '/nonexistent/gpio',
  cdevRoot: dev.path,
  loadAddon: async () => {
    if (!addon) throw new Error("Cannot find module 'gpio-cdev/build/Release/gpio_cdev.node'");
    return addon;
  },
  ...extra,
});

describe('hardware.gpio', () => {
  it('auto: the character device of the main controller, by label, beside other chips', async () => {
    const addon = await chips(['gpio-brcmstb@107d508500', 32], ['pinctrl-rp1', 54]);
    expect(await chooseGpioBackend(options(addon, 'auto'))).toMatchObject({ backend: 'cdev', chip: { path: join(dev.path, 'gpiochip1'), label: 'pinctrl-rp1', lines: 54 } });
  });

  it('auto: sysfs, with a warning, when the addon does not load', async () => {
    const choice = await chooseGpioBackend(options(null, 'auto'));
    expect(choice).toMatchObject({ backend: 'sysfs', warning: expect.stringMatching(/gpio-cdev addon did not load \(Cannot find module .*\); falling back to sysfs/) });
  });

  it('auto: sysfs, without a warning, when no character device could carry the BCM lines', async () => {
    const addon = await chips(['gpio-mockup', 8]);
    const choice = await chooseGpioBackend(options(addon, 'auto'));
    expect(choice).toMatchObject({ backend: 'sysfs', reason: expect.stringContaining('no Raspberry Pi GPIO controller among the character devices (found ') });
    expect(choice.warning).toBeUndefined();
  });

  it('sysfs: never loads the addon', async () => {
    let loaded = false;
    const choice = await chooseGpioBackend({ setting: 'sysfs', sysfsRoot: '/sys/class/gpio', loadAddon: async () => ((loaded = true), fakeCdev()) });
    expect(choice).toEqual({ backend: 'sysfs', reason: 'hardware.gpio: sysfs' });
    expect(loaded).toBe(false);
  });

  it('cdev: an addon that does not load is an error naming the fix, not a silent fallback', async () => {
    await expect(chooseGpioBackend(options(null, 'cdev'))).rejects.toMatchObject({ code: 'GPIO_CDEV_UNAVAILABLE', message: expect.stringContaining('set hardware.gpio: sysfs') });
  });

  it('cdev: an unknown board falls back to a chip with the header lines, with a warning', async () => {
    const addon = await chips(['gpio-mockup', 8], ['some-soc-gpio', 40]);
    expect(await chooseGpioBackend(options(addon, 'cdev'))).toMatchObject({ backend: 'cdev', chip: { label: 'some-soc-gpio' }, warning: expect.stringContaining('assuming') });
    await expect(chooseGpioBackend(options(await chips(['gpio-mockup', 8]), 'cdev'))).rejects.toMatchObject({ code: 'GPIO_CHIP_UNKNOWN' });
  });

  it('says once which backend real lines use, when the first one is opened', async () => {
    const addon = await chips(['pinctrl-bcm2711', 58]);
    const info: string[] = [];
    const gpio = createRealGpio(options(addon, 'auto', { info: (message) => info.push(message) }));
    expect(info).toEqual([]);
    await gpio.open(17, { direction: 'in', edge: 'both' });
    await gpio.open(27, { direction: 'in', edge: 'rising' });
    expect(addon.requests.map((request) => request.offset)).toEqual([17, 27]);
    expect(info).toEqual([`GPIO: character device ${join(dev.path, 'gpiochip0')} "pinctrl-bcm2711" (hardware.gpio: auto): every edge queued by the kernel`]);
  });

  it('falls back to onoff over sysfs when auto finds no addon, saying why', async () => {
    const info: string[] = [];
    const warnings: string[] = [];
    const loadGpio = async (): Promise<OnoffGpioClass> => {
      throw new Error('onoff reached');
    };
    const gpio = createRealGpio(options(null, 'auto', { info: (message) => info.push(message), warn: (message) => warnings.push(message), loadGpio }));
    // The sysfs root does not exist here: the onoff adapter's own error proves it was chosen.
    await expect(gpio.open(17, { direction: 'in' })).rejects.toMatchObject({ code: 'GPIO_SYSFS_MISSING' });
    expect(warnings).toEqual([expect.stringContaining('falling back to sysfs')]);
    expect(info).toEqual([expect.stringMatching(/^GPIO: sysfs at \/nonexistent\/gpio through onoff \(the gpio-cdev addon did not load/)]);
  });

  it('takes a line a dead sysfs run left exported: unexports it (with a warning) and requests it again', async () => {
    const addon = await chips(['pinctrl-bcm2711', 58]);
    const sysfs = join(dev.path, 'sysfs');
    await mkdir(join(sysfs, 'gpiochip512'), { recursive: true });
    await mkdir(join(sysfs, 'gpio529'));
    for (const [file, text] of [['base', '512'], ['label', 'pinctrl-bcm2711'], ['ngpio', '58']] as const) await writeFile(join(sysfs, 'gpiochip512', file), `${text}\n`);
    await writeFile(join(sysfs, 'unexport'), '');
    const warnings: string[] = [];
    const gpio = createRealGpio(options(addon, 'cdev', { sysfsRoot: sysfs, warn: (message) => warnings.push(message) }));
    // The kernel refuses the first request: sysfs holds BCM 17.
    addon.refuse.push(() => errnoError('EBUSY'));
    await gpio.open(17, { direction: 'in', edge: 'both' });
    expect(await readFile(join(sysfs, 'unexport'), 'utf8')).toBe('529');
    expect(warnings).toEqual(['GPIO: BCM 17 was still exported in sysfs (gpio529, left by an earlier run); released it for the character device']);
    expect(addon.line(17).closed).toBe(false);
    // Not exported, yet busy (another program, a driver): one attempt, the error names the line.
    addon.refuse.push(() => errnoError('EBUSY'));
    await expect(gpio.open(18, { direction: 'in' })).rejects.toMatchObject({ code: 'GPIO_BUSY' });
    expect(warnings).toHaveLength(1);
  });
});

