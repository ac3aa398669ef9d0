// What the `iio` and `hwmon` drivers share: the options (`device`, optional `channels`), finding the
// device, choosing its channels, and one reading of every channel converted from the ABI's unit.
// Each driver only says how its ABI names channel files (src/sensors/kernel/iio.ts, src/sensors/kernel/hwmon.ts).
import { z } from 'zod';
import { findKernelDevice, listAttributes, type KernelDevice, type KernelDeviceKind } from './kernel-device.js';
import { KERNEL_VALUE_NAME, kernelValueDefinition, type Quantity } from './kernel-quantities.js';
import { roundToDecimals } from '../rounding.js';
import { SensorError, type Sensor, type ValueDefinitions, type Values } from '../types.js';

/** A device's name as its driver sets it (bme280, jc42) or its folder (iio:device0, hwmon2): no `/`, no spaces. */
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:,+-]*$/;

export function kernelSensorOptions(label: string, example: string, folder: string, channels: readonly string[]) {
  return z.strictObject({
    /** The device's `name` (as in <root>/<folder>/name) or its folder. */
    device: z
      .string({ error: (issue) => (issue.input === undefined ? `missing (expected the ${label} device's name such as ${example}, or its folder)` : `is not a ${label} device name such as ${example}`) })
      .regex(DEVICE_NAME, { error: `is not a ${label} device name such as ${example} or a folder name (letters, digits, _ . : , + -; no / or spaces)` })
      .meta({ description: `the ${label} device's name, e.g. ${example}, or its folder, e.g. ${folder} (required)`, examples: [example, folder] }),
    /** The values to publish (temperature, voltage1, ...); all the device has when absent. Naming them lets filters and Home Assistant know them. */
    channels: z
      .array(z.string().regex(KERNEL_VALUE_NAME, { error: 'is not a value name such as temperature, pressure, humidity, illuminance, voltage, current, power (with the index or modifier the kernel gives: voltage1, temperatureAmbient)' }), {
        error: 'is not a list of value names such as [temperature, pressure]',
      })
      .min(1, { error: 'is empty (leave it out to publish every channel)' })
      .refine((names) => new Set(names).size === names.length, { error: 'names a value twice' })
      .optional()
      .meta({ description: 'the values to publish, e.g. [temperature, pressure] (default: all the device has)', examples: [channels] }),
  });
}
export type KernelSensorOptions = z.infer<ReturnType<typeof kernelSensorOptions>>;

export interface KernelChannel {
  /** The published value name. */
  name: string;
  quantity: Quantity;
  /** The value in the ABI's unit (m°C, kPa, mV, µW ...). */
  read(): Promise<number>;
}

export interface KernelSensorSpec {
  kind: KernelDeviceKind;
  root: string;
  quantities: Readonly<Record<string, Quantity>>;
  /** The device's channels from its file names. */
  channels(device: KernelDevice, files: readonly string[], what: string): KernelChannel[];
}

/** The values named in `channels`, for filters and Home Assistant; undefined (not known before the device is read) without it. */
export function kernelValueDefinitions(options: KernelSensorOptions, quantities: Readonly<Record<string, Quantity>>): ValueDefinitions | undefined {
  if (!options.channels) return undefined;
  const definitions: ValueDefinitions = {};
  for (const name of options.channels) {
    const definition = kernelValueDefinition(name, quantities);
    if (definition) definitions[name] = definition;
  }
  return definitions;
}

export async function createKernelSensor(options: KernelSensorOptions, spec: KernelSensorSpec): Promise<Sensor> {
  const device = await findKernelDevice(spec.root, options.device, spec.kind);
  const what = `${spec.kind.label} device ${options.device} (${device.folder})`;
  const found = spec.channels(device, await listAttributes(device, what), what);
  const names = found.map((channel) => channel.name);
  if (found.length === 0) throw new SensorError('NO_CHANNELS', `${what} has no channel this driver reads (temperature, humidity, pressure, illuminance, voltage, current, power)`);
  const missing = (options.channels ?? []).filter((name) => !names.includes(name));
  if (missing.length > 0) throw new SensorError('CHANNEL_NOT_FOUND', `${what} has no ${missing.join(', ')} (its channels: ${names.join(', ')})`);
  const channels = options.channels ? found.filter((channel) => options.channels?.includes(channel.name)) : found;
  return {
    read: async (): Promise<Values> => {
      const raw = await Promise.all(channels.map((channel) => channel.read()));
      const values: Values = {};
      channels.forEach((channel, index) => {
        values[channel.name] = roundToDecimals((raw[index] ?? Number.NaN) * channel.quantity.factor, channel.quantity.decimals);
      });
      return values;
    },
  };
}
