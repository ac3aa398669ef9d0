// Turns a BCM pin number into the kernel's sysfs GPIO number. Kernels before 6.6 number the Pi's
// main controller from 0; 6.6 and later give it a dynamic base (512 on a Pi 4, 571 on a Pi 5,
// whose first chips are the SoC's own brcmstb banks). We read every `gpiochipN/{base,label,ngpio}`
// under the sysfs root, pick the main controller by its label, and add the pin to its base.
// Pure file reads: tests point the root at fixture folders (test/fixtures/sysfs/gpio/<case>/).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorCodeOf } from '../../errors/catalogue.js';

/** Labels of the Raspberry Pi's main GPIO controller, whose line N is BCM GPIO N. */
export const MAIN_CONTROLLER_LABELS: readonly string[] = [
  'pinctrl-bcm2835', // Pi 0-3
  'pinctrl-bcm2711', // Pi 4, CM4, Pi 400
  'pinctrl-rp1', // Pi 5, CM5 (header GPIOs live on the RP1 south bridge)
];

/** The fewest lines a chip needs to carry the 40-pin header (BCM 0-27) in the fallback. */
export const HEADER_LINES = 28;

export class GpioError extends Error {
  constructor(
    readonly code: ErrorCodeOf<'gpio'>,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'GpioError';
  }
}

export interface GpioChip {
  /** Folder name under the sysfs root, e.g. gpiochip512. */
  name: string;
  base: number;
  label: string;
  ngpio: number;
}

export interface ChipChoice {
  chip: GpioChip;
  /** Set when the chip was picked by the fallback rule rather than a known label. */
  warning?: string;
}

export function sysfsMissing(root: string): GpioError {
  return new GpioError('GPIO_SYSFS_MISSING', `GPIO sysfs not available at ${root} (kernel without CONFIG_GPIO_SYSFS?)`);
}

async function readTrimmed(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

/** Every gpiochipN under the root, lowest base first. A missing root is GPIO_SYSFS_MISSING. */
export async function readGpioChips(root: string): Promise<GpioChip[]> {
  let names: string[];
  try {
    if (!(await stat(root)).isDirectory()) throw sysfsMissing(root);
    names = await readdir(root);
  } catch (error) {
    if (error instanceof GpioError) throw error;
    throw sysfsMissing(root);
  }
  const chips: GpioChip[] = [];
  for (const name of names.filter((entry) => /^gpiochip\d+$/.test(entry))) {
    const folder = join(root, name);
    try {
      const [base, label, ngpio] = await Promise.all([readTrimmed(join(folder, 'base')), readTrimmed(join(folder, 'label')), readTrimmed(join(folder, 'ngpio'))]);
      chips.push({ name, base: Number(base), label, ngpio: Number(ngpio) });
    } catch (error) {
      throw new GpioError('GPIO_CHIP_UNREADABLE', `cannot read ${folder}/base, label and ngpio (${(error as Error).message})`);
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

function describe(chips: readonly GpioChip[]): string {
  return chips.length === 0 ? 'no gpiochip folders' : chips.map((chip) => `${chip.name} "${chip.label}" (${chip.ngpio} lines)`).join(', ');
}

/** The Pi's main controller among the chips: by label, else base 0, else the first with ≥ 28 lines. */
export function chooseMainChip(chips: readonly GpioChip[], root: string): ChipChoice {
  const known = chips.find((chip) => MAIN_CONTROLLER_LABELS.includes(chip.label));
  if (known) return { chip: known };
  const fallback = chips.find((chip) => chip.base === 0) ?? chips.find((chip) => chip.ngpio >= HEADER_LINES);
  if (!fallback) {
    throw new GpioError(
      'GPIO_CHIP_UNKNOWN',
      `no Raspberry Pi GPIO controller under ${root} (found ${describe(chips)}; expected a label of ${MAIN_CONTROLLER_LABELS.join(', ')})`,
    );
  }
  return {
    chip: fallback,
    warning: `GPIO: no known Raspberry Pi controller under ${root}; assuming ${fallback.name} "${fallback.label}" (base ${fallback.base}) carries the BCM lines`,
  };
}

export interface SysfsNumber {
  /** The number onoff and /sys/class/gpio/export take. */
  sysfsNumber: number;
  chip: GpioChip;
  warning?: string;
}

/** sysfs number = base + BCM, checked against the chip's line count. */
export function sysfsNumberFor(choice: ChipChoice, pin: number): SysfsNumber {
  const { chip } = choice;
  if (!Number.isInteger(pin) || pin < 0 || pin >= chip.ngpio) {
    throw new GpioError('GPIO_PIN_RANGE', `BCM pin ${pin} does not exist on ${chip.name} "${chip.label}" (lines 0-${chip.ngpio - 1})`);
  }
  return { sysfsNumber: chip.base + pin, chip, ...(choice.warning !== undefined ? { warning: choice.warning } : {}) };
}

/** Reads the chips under `root` and resolves one BCM pin. */
export async function resolveSysfsNumber(root: string, pin: number): Promise<SysfsNumber> {
  return sysfsNumberFor(chooseMainChip(await readGpioChips(root), root), pin);
}
