// Finds the Raspberry Pi's main GPIO controller among the character devices (/dev/gpiochipN), by
// the label the kernel reports through GPIO_GET_CHIPINFO_IOCTL. Its line N is BCM GPIO N: unlike
// sysfs there is no base to add, on any kernel.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CdevAddon } from './gpio-cdev-addon.js';
import { GpioError, HEADER_LINES, MAIN_CONTROLLER_LABELS } from './gpio-chip-base.js';

export const CDEV_ROOT = '/dev';

export interface CdevChip {
  /** e.g. /dev/gpiochip0 */
  path: string;
  label: string;
  lines: number;
}

export interface CdevChipChoice {
  chip: CdevChip;
  /** Set when the chip was picked by the fallback rule rather than a known label. */
  warning?: string;
}

function chipNumber(name: string): number {
  return Number(name.slice('gpiochip'.length));
}

/** Every /dev/gpiochipN the addon can describe, lowest N first; unreadable ones are listed in `failed`. */
export async function readCdevChips(addon: CdevAddon, root: string = CDEV_ROOT): Promise<{ chips: CdevChip[]; failed: string[] }> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    names = [];
  }
  const chips: CdevChip[] = [];
  const failed: string[] = [];
  for (const name of names.filter((entry) => /^gpiochip\d+$/.test(entry)).sort((a, b) => chipNumber(a) - chipNumber(b))) {
    const path = join(root, name);
    try {
      const info = addon.chipInfo(path);
      chips.push({ path, label: info.label, lines: info.lines });
    } catch (error) {
      failed.push(`${path} (${(error as Error).message})`);
    }
  }
  return { chips, failed };
}

/** The main controller: by label, else gpiochip0 (or the first chip) with at least 28 lines. */
export function chooseCdevChip(chips: readonly CdevChip[], failed: readonly string[] = []): CdevChipChoice {
  const known = chips.find((chip) => MAIN_CONTROLLER_LABELS.includes(chip.label));
  if (known) return { chip: known };
  const fallback = chips.find((chip) => chip.lines >= HEADER_LINES);
  if (!fallback) {
    const found = chips.length === 0 ? 'no readable gpiochip devices' : chips.map((chip) => `${chip.path} "${chip.label}" (${chip.lines} lines)`).join(', ');
    const unreadable = failed.length > 0 ? `; unreadable: ${failed.join(', ')}` : '';
    throw new GpioError('GPIO_CHIP_UNKNOWN', `no Raspberry Pi GPIO controller among the character devices (found ${found}${unreadable}; expected a label of ${MAIN_CONTROLLER_LABELS.join(', ')})`);
  }
  return {
    chip: fallback,
    warning: `GPIO: no known Raspberry Pi controller among the character devices; assuming ${fallback.path} "${fallback.label}" carries the BCM lines`,
  };
}
