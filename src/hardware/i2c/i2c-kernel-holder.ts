// Whether a kernel driver holds an I2C chip: the kernel lists each I2C client it knows as
// <root>/<bus>-<address as 4 hex digits> (/sys/bus/i2c/devices/1-0076), and a `driver` link in
// that folder means a driver is bound to it. Then /dev/i2c-N refuses the address to user space
// (I2C_SLAVE answers EBUSY, i2cdetect prints UU), so the agent's direct driver cannot read the
// chip, while the kernel publishes it as an IIO or hwmon device that the `iio`/`hwmon` drivers read.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

export const I2C_DEVICES_ROOT = '/sys/bus/i2c/devices';

export interface KernelHolder {
  address: number;
  /** The bound kernel driver (the `driver` link's target name): bmp280, jc42. */
  driver: string;
  /** The client's name as instantiated (bme280, mcp9808), when the kernel says. */
  client?: string;
  /** Where the kernel publishes it: the agent driver and device to use, when found. */
  publishedAs?: { agentDriver: 'iio' | 'hwmon'; device: string };
}

const clientFolder = (bus: number, address: number): string => `${bus}-${address.toString(16).padStart(4, '0')}`;

async function readTrimmed(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').then(
    (text) => text.trim() || undefined,
    () => undefined,
  );
}

async function publishedAs(folder: string): Promise<KernelHolder['publishedAs']> {
  const entries = await readdir(folder).catch((): string[] => []);
  const iio = entries.find((entry) => /^iio:device\d+$/.test(entry));
  if (iio) return { agentDriver: 'iio', device: (await readTrimmed(join(folder, iio, 'name'))) ?? iio };
  const hwmon = (await readdir(join(folder, 'hwmon')).catch((): string[] => [])).find((entry) => /^hwmon\d+$/.test(entry));
  if (hwmon) return { agentDriver: 'hwmon', device: (await readTrimmed(join(folder, 'hwmon', hwmon, 'name'))) ?? hwmon };
  return undefined;
}

/** The kernel driver bound to the chip at `address` on bus `bus`, or undefined when none is. */
export async function kernelHolderAt(bus: number, address: number, root = I2C_DEVICES_ROOT): Promise<KernelHolder | undefined> {
  const folder = join(root, clientFolder(bus, address));
  const link = join(folder, 'driver');
  let driver: string;
  try {
    driver = basename(await readlink(link));
  } catch (error) {
    // EINVAL: `driver` is there but not a link (a copied tree): bound, by a driver we cannot name.
    if ((error as { code?: unknown }).code !== 'EINVAL') return undefined;
    driver = 'a kernel driver';
  }
  const client = await readTrimmed(join(folder, 'name'));
  const published = await publishedAs(folder);
  return { address, driver, ...(client ? { client } : {}), ...(published ? { publishedAs: published } : {}) };
}

/** Every chip on bus `bus` a kernel driver holds. */
export async function kernelHoldersOn(bus: number, root = I2C_DEVICES_ROOT): Promise<KernelHolder[]> {
  const prefix = `${bus}-`;
  const addresses = (await readdir(root).catch((): string[] => []))
    .filter((entry) => entry.startsWith(prefix) && /^\d+-[0-9a-f]{4}$/.test(entry))
    .map((entry) => Number.parseInt(entry.slice(prefix.length), 16))
    .sort((a, b) => a - b);
  const holders = await Promise.all(addresses.map((address) => kernelHolderAt(bus, address, root)));
  return holders.filter((holder): holder is KernelHolder => holder !== undefined);
}

/** "held by the kernel's bmp280 driver (bme280): ... use driver: iio, device: bme280". */
export function describeHolder(holder: KernelHolder): string {
  const what = `held by the kernel's ${holder.driver} driver${holder.client ? ` (${holder.client})` : ''}`;
  const use = holder.publishedAs
    ? `use driver: ${holder.publishedAs.agentDriver}, device: ${holder.publishedAs.device}`
    : 'use the iio or hwmon driver with the device it publishes';
  return `${what}: the direct drivers cannot use it (the kernel owns it); ${use}`;
}
