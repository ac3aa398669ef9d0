// Finding a device a kernel driver publishes in sysfs (an IIO device under /sys/bus/iio/devices,
// a hwmon device under /sys/class/hwmon) by its `name` file or its folder name, and reading its
// attribute files, with errors a technician can act on: which overlay line binds the chip, which
// devices are there instead. The folder is looked up again at every (re)start, since a driver that
// unbinds and binds again may come back under another number.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SensorError } from '../types.js';

export interface KernelDeviceKind {
  /** `iio` or `hwmon`, for messages. */
  label: string;
  /** The device folders in the root: iio:device0, hwmon3. */
  folderPattern: RegExp;
}

export interface KernelDevice {
  folder: string;
  /** iio:device0 / hwmon3 */
  folderName: string;
  name: string;
}

const CONFIG_TXT = '/boot/firmware/config.txt (/boot/config.txt before Bookworm)';

/** Raspberry Pi's `i2c-sensor` overlay parameters (its README, "Name: i2c-sensor"), as the kernel names the devices. */
const I2C_SENSOR_OVERLAY_CHIPS = new Set([
  'bh1750', 'bme280', 'bme680', 'bmp085', 'bmp180', 'bmp280', 'ccs811', 'ds1621', 'hdc100x', 'htu21', 'lm75', 'max17040', 'sht3x', 'si7020', 'sps30', 'sgp30', 'tmp102', 'tsl4531', 'veml6070',
]);

/** The config.txt line that makes the kernel bind the chip, or how to find it. */
export function overlayHint(device: string): string {
  if (I2C_SENSOR_OVERLAY_CHIPS.has(device)) return `add dtoverlay=i2c-sensor,${device} (and addr=0x.. if not the default) to ${CONFIG_TXT} and reboot`;
  return `add its overlay to ${CONFIG_TXT} (for most I2C sensors dtoverlay=i2c-sensor,<chip>; see "dtoverlay -h i2c-sensor"), or bind it with "echo <chip> 0x<addr> > /sys/bus/i2c/devices/i2c-1/new_device"`;
}

const errnoOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** ENOENT/ENODEV: the file or its device is gone (the driver unbound, the chip was removed). */
export const isGone = (error: unknown): boolean => ['ENOENT', 'ENODEV', 'ENXIO'].includes(errnoOf(error) ?? '');

async function readName(folder: string): Promise<string | undefined> {
  return readFile(join(folder, 'name'), 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
}

/** The device whose folder is `device` (iio:device0) or whose `name` file reads `device` (bme280). */
export async function findKernelDevice(root: string, device: string, kind: KernelDeviceKind): Promise<KernelDevice> {
  const what = `${kind.label} device ${device}`;
  let entries: string[];
  try {
    entries = (await readdir(root)).filter((entry) => kind.folderPattern.test(entry));
  } catch (error) {
    if (!isGone(error) && errnoOf(error) !== 'ENOTDIR') throw new SensorError('IO_ERROR', `${what}: cannot list ${root} (${(error as Error).message})`);
    throw new SensorError('SENSOR_NOT_FOUND', `${what}: ${root} does not exist, no ${kind.label} driver has bound a device; ${overlayHint(device)}`);
  }
  entries.sort((a, b) => Number(/\d+$/.exec(a)?.[0]) - Number(/\d+$/.exec(b)?.[0]));
  const devices: KernelDevice[] = [];
  for (const folderName of entries) {
    const folder = join(root, folderName);
    const name = await readName(folder);
    if (name !== undefined) devices.push({ folder, folderName, name });
  }
  const byFolder = devices.find((candidate) => candidate.folderName === device);
  if (byFolder) return byFolder;
  const byName = devices.filter((candidate) => candidate.name === device);
  if (byName.length > 1) {
    throw new SensorError('AMBIGUOUS_DEVICE', `${what}: ${byName.length} devices in ${root} have that name (${byName.map((d) => d.folderName).join(', ')}); set device to one of the folders`);
  }
  const [only] = byName;
  if (only) return only;
  const present = devices.map((candidate) => `${candidate.folderName} (${candidate.name})`).join(', ') || 'none';
  throw new SensorError('SENSOR_NOT_FOUND', `${what} not found in ${root} (present: ${present}): the chip is absent or its kernel driver is not bound; ${overlayHint(device)}`);
}

/** One attribute as a number; a vanished file is SENSOR_NOT_FOUND (the sampler re-finds the device). */
export async function readAttribute(device: KernelDevice, file: string, what: string): Promise<number> {
  let text: string;
  try {
    text = (await readFile(join(device.folder, file), 'utf8')).trim();
  } catch (error) {
    if (isGone(error)) throw new SensorError('SENSOR_NOT_FOUND', `${what}: ${join(device.folder, file)} is gone: the device was removed or its driver unbound`);
    throw new SensorError('IO_ERROR', `${what}: reading ${file} failed (${errnoOf(error) ?? (error as Error).message}): the kernel driver could not read the chip`);
  }
  // Number('') is 0: an empty file must not become a reading.
  const value = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new SensorError('BAD_DATA', `${what}: ${file} holds ${JSON.stringify(text.slice(0, 40))}, not a number`);
  return value;
}

/** The folder's file names, for the channel lists. */
export async function listAttributes(device: KernelDevice, what: string): Promise<string[]> {
  try {
    return await readdir(device.folder);
  } catch (error) {
    if (isGone(error)) throw new SensorError('SENSOR_NOT_FOUND', `${what}: ${device.folder} is gone: the device was removed or its driver unbound`);
    throw new SensorError('IO_ERROR', `${what}: cannot list ${device.folder} (${(error as Error).message})`);
  }
}
