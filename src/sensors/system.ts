// The `system` driver: the host's own health. Each value is skipped, never faked, when the host
// lacks its source (no thermal zone in a VM, no /proc on another OS).
import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DriverDefinition, Sensor, Values } from './types.js';
import { roundValues } from './rounding.js';
import { measured } from './value-kinds.js';

export const systemOptions = z.strictObject({
  /** Roots of sysfs and procfs; tests point them at fixture folders. */
  sysfsRoot: z.string().default('/sys').meta({ description: 'root of sysfs (default: /sys)', examples: ['/sys'] }),
  procRoot: z.string().default('/proc').meta({ description: 'root of procfs (default: /proc)', examples: ['/proc'] }),
  thermalZone: z.number().int().min(0).default(0).meta({ description: 'the thermal zone read for the CPU temperature: N of class/thermal/thermal_zoneN (default: 0)', examples: [0, 1] }),
});
export type SystemOptions = z.infer<typeof systemOptions>;

/** What each value is published with; a value the host lacks is skipped. */
const SYSTEM_VALUES = {
  temperature: measured('temperature', 1),
  load1: measured('load', 2), load5: measured('load', 2), load15: measured('load', 2),
  memoryAvailableMB: measured('dataSize', 1), memoryUsedPercent: measured('percent', 1),
  diskFreeMB: measured('dataSize', 1), diskUsedPercent: measured('percent', 1),
  uptime: measured('duration', 0),
};

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function cpuTemperature(options: SystemOptions, values: Values): Promise<void> {
  const text = await readText(join(options.sysfsRoot, `class/thermal/thermal_zone${options.thermalZone}/temp`));
  const trimmed = text?.trim();
  // Number('') is 0: an empty file must not become 0 °C.
  if (!trimmed) return;
  const milliCelsius = Number(trimmed);
  if (Number.isFinite(milliCelsius)) values.temperature = milliCelsius / 1000;
}

async function loadAverage(options: SystemOptions, values: Values): Promise<void> {
  const fields = (await readText(join(options.procRoot, 'loadavg')))?.trim().split(/\s+/);
  if (!fields || fields.length < 3) return;
  const [load1, load5, load15] = fields.map(Number);
  if ([load1, load5, load15].every((n) => Number.isFinite(n))) {
    Object.assign(values, { load1, load5, load15 });
  }
}

async function memory(options: SystemOptions, values: Values): Promise<void> {
  const text = await readText(join(options.procRoot, 'meminfo'));
  if (!text) return;
  const kib = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const total = kib('MemTotal');
  const available = kib('MemAvailable');
  if (total && available !== undefined) {
    // MB as everywhere in the agent: 10^6 bytes (/proc's "kB" is KiB).
    values.memoryAvailableMB = (available * 1024) / 1e6;
    values.memoryUsedPercent = (100 * (total - available)) / total;
  }
}

async function disk(storePath: string, values: Values): Promise<void> {
  try {
    const stats = await statfs(storePath);
    const total = stats.blocks * stats.bsize;
    if (total > 0) {
      values.diskFreeMB = (stats.bavail * stats.bsize) / 1e6;
      values.diskUsedPercent = (100 * (stats.blocks - stats.bfree)) / stats.blocks;
    }
  } catch {
    // the store's folder may not exist yet or the platform lacks statfs: skip the values
  }
}

async function uptime(options: SystemOptions, values: Values): Promise<void> {
  const seconds = Number((await readText(join(options.procRoot, 'uptime')))?.split(/\s+/)[0]);
  if (Number.isFinite(seconds) && seconds > 0) values.uptime = seconds;
}

export function createSystem(options: SystemOptions, storePath: string): Sensor {
  return {
    read: async () => {
      const values: Values = {};
      await Promise.all([
        cpuTemperature(options, values),
        loadAverage(options, values),
        memory(options, values),
        disk(storePath, values),
        uptime(options, values),
      ]);
      return roundValues(values, SYSTEM_VALUES);
    },
  };
}

export const systemDriver: DriverDefinition<SystemOptions> = {
  name: 'system',
  readme: {
    options: '`sysfsRoot` (`/sys`), `procRoot` (`/proc`), `thermalZone` (0)',
    values: '`temperature` (°C, CPU), `load1`/`load5`/`load15`, `memoryAvailableMB`, `memoryUsedPercent`, `diskFreeMB`, `diskUsedPercent` (the store\'s file system), `uptime` (s); MB are 10^6 bytes; each skipped when the host lacks it',
    wiring: 'none',
  },
  options: systemOptions,
  transport: 'host',
  values: () => SYSTEM_VALUES,
  create: async (options, context) => createSystem(options, context.storePath),
};
