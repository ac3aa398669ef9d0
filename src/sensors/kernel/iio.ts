// The generic `iio` driver: any sensor the kernel's Industrial I/O subsystem drives (the Bosch
// BMP/BME family, BME680, BH1750, SCD30, ADCs, ...), read from <hardware.iioRoot>/iio:deviceN
// (/sys/bus/iio/devices) as the IIO ABI lays it out (Documentation/ABI/testing/sysfs-bus-iio):
// a channel is `in_<type>[N][_<modifier>]_input` (processed, in the ABI's unit) or
// `in_<type>[N][_<modifier>]_raw` with `_scale` and `_offset` (own or shared by the type:
// in_voltage_scale), value = (raw + offset) × scale. The value name is the product's
// (src/sensors/kernel/kernel-quantities.ts) with the kernel's index and modifier: in_voltage1_raw →
// voltage1, in_temp_ambient_input → temperatureAmbient.
import { readAttribute, type KernelDevice } from './kernel-device.js';
import { IIO_QUANTITIES } from './kernel-quantities.js';
import { createKernelSensor, kernelSensorOptions, kernelValueDefinitions, type KernelChannel, type KernelSensorOptions } from './kernel-sensor.js';
import type { DriverDefinition } from '../types.js';

const CHANNEL_FILE = /^in_([a-z]+?)(\d*)((?:_[a-z][a-z0-9]*)*)_(input|raw)$/;
/** Attribute words that are not modifiers: in_voltage0_mean_raw is a statistic of voltage0, not a channel. */
const NOT_MODIFIERS = new Set(['mean', 'peak', 'trough', 'average', 'calibbias', 'calibscale']);

export const iioOptions = kernelSensorOptions('IIO', 'bme280', 'iio:device0', ['temperature', 'pressure']);
export type IioOptions = KernelSensorOptions;

const camel = (modifier: string): string =>
  modifier
    .split('_')
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('');

/** The device's channels: `_input` where the kernel computes the value, else `_raw` with scale and offset. */
export function iioChannels(device: KernelDevice, files: readonly string[], what: string): KernelChannel[] {
  const present = new Set(files);
  const byPrefix = new Map<string, KernelChannel>();
  for (const file of [...files].sort()) {
    const match = CHANNEL_FILE.exec(file);
    if (!match) continue;
    const [, type = '', index = '', modifier = '', attribute] = match;
    const quantity = IIO_QUANTITIES[type];
    if (!quantity || modifier.split('_').some((word) => NOT_MODIFIERS.has(word))) continue;
    const prefix = `in_${type}${index}${modifier}`;
    if (byPrefix.has(prefix) && attribute === 'raw') continue; // _input wins
    const name = `${quantity.name}${index}${camel(modifier)}`;
    const label = `${what} ${name}`;
    if (attribute === 'input') {
      byPrefix.set(prefix, { name, quantity, read: () => readAttribute(device, file, label) });
      continue;
    }
    // Own attribute first, then the one the type shares (in_voltage_scale for every in_voltageN_raw).
    const shared = (suffix: string): string | undefined => [`${prefix}_${suffix}`, `in_${type}_${suffix}`].find((candidate) => present.has(candidate));
    const scaleFile = shared('scale');
    const offsetFile = shared('offset');
    byPrefix.set(prefix, {
      name,
      quantity,
      read: async () => {
        const [raw, scale, offset] = await Promise.all([
          readAttribute(device, file, label),
          scaleFile ? readAttribute(device, scaleFile, label) : 1,
          offsetFile ? readAttribute(device, offsetFile, label) : 0,
        ]);
        return (raw + offset) * scale;
      },
    });
  }
  return [...byPrefix.values()];
}

export const iioDriver: DriverDefinition<IioOptions> = {
  name: 'iio',
  readme: {
    options: '`device` (required: the IIO device\'s `name`, e.g. `bme280`, or its folder `iio:deviceN`), `channels` (all; or the values to publish, e.g. `[temperature, pressure]`)',
    values: 'from the kernel\'s channels: `temperature` (°C), `pressure` (hPa), `humidity` (%RH), `illuminance` (lux), `voltage` (V), `current` (A), `power` (W), with the kernel\'s index or modifier (`voltage1`, `temperatureAmbient`)',
    wiring: 'any chip a kernel IIO driver binds (see "Sensors the kernel drives" below)',
  },
  transport: 'host',
  options: iioOptions,
  values: (options) => kernelValueDefinitions(options, IIO_QUANTITIES),
  create: (options, { hardware }) =>
    createKernelSensor(options, { kind: { label: 'IIO', folderPattern: /^iio:device\d+$/ }, root: hardware.iioRoot, quantities: IIO_QUANTITIES, channels: iioChannels }),
};
