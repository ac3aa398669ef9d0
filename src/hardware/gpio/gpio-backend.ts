// Chooses how real GPIO lines are reached (`hardware.gpio`): the character device through our
// addon (`cdev`), onoff over sysfs (`sysfs`), or `auto`: cdev when the addon loads and a
// /dev/gpiochipN of the Pi's main controller is there, else sysfs. The choice is made when the
// first real line is opened (simulated-only configs never load either adapter) and logged once.
import type { GpioBackendSetting, GpioLine, GpioLineOptions, GpioProvider } from './gpio.js';
import { loadCdevAddon, type CdevAddon } from './gpio-cdev-addon.js';
import { CDEV_ROOT, chooseCdevChip, readCdevChips, type CdevChip } from './gpio-cdev-chips.js';
import { createCdevGpio } from './gpio-cdev.js';
import { GpioError } from './gpio-chip-base.js';
import { createOnoffGpio, type OnoffGpioClass } from './onoff-gpio.js';
import { releaseSysfsExport } from './sysfs-leftover.js';

export interface GpioBackendOptions {
  setting: GpioBackendSetting;
  /** sysfs GPIO root (hardware.gpioRoot). */
  sysfsRoot: string;
  /** Where /dev/gpiochipN live; tests point it at a folder of their own. */
  cdevRoot?: string;
  loadAddon?: () => Promise<CdevAddon>;
  loadGpio?: () => Promise<OnoffGpioClass>;
  info?: (message: string) => void;
  warn?: (message: string) => void;
}

export type GpioBackendChoice =
  | { backend: 'cdev'; addon: CdevAddon; chip: CdevChip; warning?: string; reason: string }
  | { backend: 'sysfs'; reason: string; warning?: string };

/** The backend the setting selects on this machine; rejects only for an explicit `cdev` that cannot work. */
export async function chooseGpioBackend(options: GpioBackendOptions): Promise<GpioBackendChoice> {
  if (options.setting === 'sysfs') return { backend: 'sysfs', reason: 'hardware.gpio: sysfs' };
  let addon: CdevAddon;
  try {
    addon = await (options.loadAddon ?? loadCdevAddon)();
  } catch (error) {
    const why = `the gpio-cdev addon did not load (${(error as Error).message.split('\n')[0]})`;
    if (options.setting === 'cdev') throw new GpioError('GPIO_CDEV_UNAVAILABLE', `hardware.gpio is cdev, but ${why}; reinstall the package, or set hardware.gpio: sysfs`);
    return { backend: 'sysfs', reason: why, warning: `GPIO: ${why}; falling back to sysfs` };
  }
  const root = options.cdevRoot ?? CDEV_ROOT;
  const { chips, failed } = await readCdevChips(addon, root);
  try {
    const choice = chooseCdevChip(chips, failed);
    return { backend: 'cdev', addon, chip: choice.chip, reason: `hardware.gpio: ${options.setting}`, ...(choice.warning !== undefined ? { warning: choice.warning } : {}) };
  } catch (error) {
    if (options.setting === 'cdev') throw error;
    return { backend: 'sysfs', reason: (error as Error).message.replace(/^GPIO_CHIP_UNKNOWN: /, '') };
  }
}

/** A provider that makes the choice on the first open (once; an explicit cdev that failed is retried). */
export function createRealGpio(options: GpioBackendOptions): GpioProvider {
  const info = options.info ?? (() => undefined);
  const warn = options.warn ?? ((message: string) => process.emitWarning(message, { code: 'GPIO' }));
  let provider: Promise<GpioProvider> | null = null;

  const choose = async (): Promise<GpioProvider> => {
    const choice = await chooseGpioBackend(options);
    if (choice.warning !== undefined) warn(choice.warning);
    if (choice.backend === 'cdev') {
      info(`GPIO: character device ${choice.chip.path} "${choice.chip.label}" (${choice.reason}): every edge queued by the kernel`);
      const { chip } = choice;
      const releaseBusy = async (pin: number): Promise<boolean> => {
        const released = await releaseSysfsExport(options.sysfsRoot, chip.label, pin).catch(() => null);
        if (released !== null) warn(`GPIO: BCM ${pin} was still exported in sysfs (gpio${released}, left by an earlier run); released it for the character device`);
        return released !== null;
      };
      return createCdevGpio({ addon: choice.addon, chip: { chip }, releaseBusy });
    }
    info(`GPIO: sysfs at ${options.sysfsRoot} through onoff (${choice.reason})`);
    return createOnoffGpio({ sysfsRoot: options.sysfsRoot, warn, ...(options.loadGpio ? { loadGpio: options.loadGpio } : {}) });
  };

  return {
    open: async (pin: number, lineOptions: GpioLineOptions): Promise<GpioLine> => {
      if (!provider) {
        provider = choose();
        provider.catch(() => (provider = null));
      }
      return (await provider).open(pin, lineOptions);
    },
  };
}
