// The generic `hwmon` driver: any sensor a kernel hwmon driver exposes (jc42 for the MCP9808 and
// other JC-42.4 chips, lm75, tmp102, sht3x, ina2xx, ...), read from <hardware.hwmonRoot>/hwmonN
// (/sys/class/hwmon) as Documentation/hwmon/sysfs-interface lays it out: `tempN_input` (m°C),
// `humidityN_input` (m%RH), `inN_input` (mV), `currN_input` (mA), `powerN_input` (µW). A type the
// device has once is published under its bare name (temperature); a type it has several times
// keeps hwmon's index (an INA219's in0 shunt and in1 bus voltage: voltage0, voltage1).
import { readAttribute, type KernelDevice } from './kernel-device.js';
import { HWMON_QUANTITIES } from './kernel-quantities.js';
import { createKernelSensor, kernelSensorOptions, kernelValueDefinitions, type KernelChannel, type KernelSensorOptions } from './kernel-sensor.js';
import type { DriverDefinition } from '../types.js';

const CHANNEL_FILE = /^([a-z]+)(\d+)_input$/;

export const hwmonOptions = kernelSensorOptions('hwmon', 'jc42', 'hwmon2', ['temperature']);
export type HwmonOptions = KernelSensorOptions;

export function hwmonChannels(device: KernelDevice, files: readonly string[], what: string): KernelChannel[] {
  const found = files
    .map((file) => ({ file, match: CHANNEL_FILE.exec(file) }))
    .flatMap(({ file, match }) => {
      const quantity = match ? HWMON_QUANTITIES[match[1] ?? ''] : undefined;
      return quantity && match ? [{ file, type: match[1] ?? '', index: Number(match[2]), quantity }] : [];
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.index - b.index);
  const countOf = (type: string): number => found.filter((channel) => channel.type === type).length;
  return found.map(({ file, type, index, quantity }) => {
    const name = countOf(type) > 1 ? `${quantity.name}${index}` : quantity.name;
    return { name, quantity, read: () => readAttribute(device, file, `${what} ${name}`) };
  });
}

export const hwmonDriver: DriverDefinition<HwmonOptions> = {
  name: 'hwmon',
  readme: {
    options: '`device` (required: the hwmon `name`, e.g. `jc42`, `lm75`, or its folder `hwmonN`), `channels` (as `iio`)',
    values: '`temperature`, `humidity`, `voltage`, `current`, `power`; a type the device has several times keeps hwmon\'s index (`voltage0`, `voltage1`)',
    wiring: 'any chip a kernel hwmon driver binds',
  },
  transport: 'host',
  options: hwmonOptions,
  values: (options) => kernelValueDefinitions(options, HWMON_QUANTITIES),
  create: (options, { hardware }) =>
    createKernelSensor(options, { kind: { label: 'hwmon', folderPattern: /^hwmon\d+$/ }, root: hardware.hwmonRoot, quantities: HWMON_QUANTITIES, channels: hwmonChannels }),
};
