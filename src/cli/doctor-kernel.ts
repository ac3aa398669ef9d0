// doctor's checks of what the kernel's own drivers hold: a chip a direct driver (bme280,
// mcp9808...) is configured for but a kernel driver is bound to (it cannot be read from user
// space), and the IIO/hwmon device each `iio`/`hwmon` sensor names (there, or which overlay binds it).
import type { Config } from '../config/schema.js';
import { describeHolder, kernelHolderAt } from '../hardware/i2c/i2c-kernel-holder.js';
import { hex } from '../hardware/i2c/i2c-bus.js';
import { findKernelDevice, overlayHint, type KernelDeviceKind } from '../sensors/kernel/kernel-device.js';
import { bindDriver } from '../sensors/bound-driver.js';
import type { CheckResult } from './doctor-result.js';

const KINDS: Readonly<Record<'iio' | 'hwmon', { kind: KernelDeviceKind; root: (config: Config) => string }>> = {
  iio: { kind: { label: 'IIO', folderPattern: /^iio:device\d+$/ }, root: (config) => config.hardware.iioRoot },
  hwmon: { kind: { label: 'hwmon', folderPattern: /^hwmon\d+$/ }, root: (config) => config.hardware.hwmonRoot },
};

async function checkHeldChips(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const sensor of config.sensors) {
    const use = bindDriver(sensor).where();
    if (use?.kind !== 'i2c' || config.simulate.i2c[String(use.bus)] !== undefined) continue;
    const { bus, address } = use;
    const holder = await kernelHolderAt(bus, address, config.hardware.i2cDevicesRoot);
    if (!holder) continue;
    results.push({
      verdict: 'fail',
      what: `${sensor.driver} sensor ${sensor.id}: ${hex(address)} on /dev/i2c-${bus} is ${describeHolder(holder)}`,
      fix: holder.publishedAs
        ? `set driver: ${holder.publishedAs.agentDriver} and device: ${holder.publishedAs.device} for ${sensor.id}, or remove the dtoverlay=i2c-sensor line that binds the chip`
        : `remove the dtoverlay line that binds the chip, or read it with the iio or hwmon driver`,
      sensors: [sensor.id],
    });
  }
  return results;
}

async function checkKernelDevices(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const sensor of config.sensors) {
    if (sensor.driver !== 'iio' && sensor.driver !== 'hwmon') continue;
    const spec = KINDS[sensor.driver];
    const device = sensor.options.device;
    try {
      const found = await findKernelDevice(spec.root(config), device, spec.kind);
      results.push({ verdict: 'ok', what: `${spec.kind.label} device ${device} is ${found.folder}` });
    } catch (error) {
      results.push({ verdict: 'fail', what: (error as Error).message.replace(/^[A-Z_]+: /, '').replace(/; add .*$/, ''), fix: overlayHint(device), sensors: [sensor.id] });
    }
  }
  return results;
}

export async function checkKernelDrivers(config: Config): Promise<CheckResult[]> {
  return [...(await checkHeldChips(config)), ...(await checkKernelDevices(config))];
}
