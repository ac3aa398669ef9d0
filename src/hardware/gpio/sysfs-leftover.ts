// A line the sysfs interface still holds blocks the character device (EBUSY). That happens after
// moving from sysfs to cdev when the last sysfs run died without unexporting (kill -9, power cut):
// the export outlives the process. Given the chip's label, find its sysfs base and release the
// line, so the character device can take it. Only lines of that chip that are exported are touched.
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readGpioChips } from './gpio-chip-base.js';

/** Unexports BCM `pin` of the chip labelled `label` under the sysfs root; the sysfs number, or null if it was not exported. */
export async function releaseSysfsExport(sysfsRoot: string, label: string, pin: number): Promise<number | null> {
  const chip = (await readGpioChips(sysfsRoot).catch(() => [])).find((candidate) => candidate.label === label);
  if (!chip || pin >= chip.ngpio) return null;
  const sysfsNumber = chip.base + pin;
  try {
    await access(join(sysfsRoot, `gpio${sysfsNumber}`));
  } catch {
    return null;
  }
  await writeFile(join(sysfsRoot, 'unexport'), String(sysfsNumber));
  return sysfsNumber;
}
