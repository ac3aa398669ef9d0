// The kernel-driven sensors' fixture trees as cases found by listing (test/fixtures/sysfs/<kind>/<case>/):
// each case folder is a root as the kernel lays it out, with expected.json beside the tree saying
// what a sensor with given options reads there: its values, or the start of the error it fails with.
// Adding a case is adding a folder; a folder without expected.json fails here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindDriver } from '../../src/sensors/bound-driver.js';
import { sensorsSchema } from '../../src/config/sensor-schema.js';
import type { DriverContext } from '../../src/sensors/types.js';
import { caseFolders } from '../helpers/fixture-cases.js';
import { noHardwareContext } from '../helpers/driver-context.js';

interface ExpectedRead {
  options: Record<string, unknown>;
  values?: Record<string, number>;
  error?: string;
}

/** Each kind's folder: the driver that reads it and the hardware root a case folder stands for. */
const KINDS = [
  { kind: 'iio', driver: 'iio', root: 'iioRoot' },
  { kind: 'hwmon', driver: 'hwmon', root: 'hwmonRoot' },
  { kind: 'w1', driver: 'ds18b20', root: 'oneWireRoot' },
] as const;

function expectedReads(folder: string): ExpectedRead[] {
  const file = join(folder, 'expected.json');
  if (!existsSync(file)) throw new Error(`${folder}: no expected.json beside the tree`);
  const { reads } = JSON.parse(readFileSync(file, 'utf8')) as { reads: ExpectedRead[] };
  if (!Array.isArray(reads) || reads.length === 0) throw new Error(`${file}: no reads`);
  for (const read of reads) if ((read.values === undefined) === (read.error === undefined)) throw new Error(`${file}: each read gives values or error`);
  return reads;
}

async function readOnce(driver: string, options: Record<string, unknown>, context: DriverContext): Promise<Record<string, number>> {
  // Through config load, as the agent gets it: the driver's own schema validates and defaults the options.
  const [sensor] = sensorsSchema().parse([{ id: 'case', driver, ...options }]);
  const created = await bindDriver(sensor!).create(context);
  return created.read();
}

describe.each(KINDS)('sysfs cases: $kind', ({ kind, driver, root }) => {
  describe.each(caseFolders(`sysfs/${kind}`))('$name', ({ path }) => {
    const base = noHardwareContext();
    const context: DriverContext = { ...base, hardware: { ...base.hardware, [root]: path } };
    it.each(expectedReads(path).map((read) => [JSON.stringify(read.options), read] as const))('%s', async (_title, read) => {
      const result = readOnce(driver, read.options, context);
      if (read.error !== undefined) await expect(result).rejects.toThrow(read.error);
      else expect(await result).toEqual(read.values);
    });
  });
});
