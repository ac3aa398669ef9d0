// `sensor-agent scan-i2c [--bus N] [--config FILE]`: like i2cdetect, lists the addresses that
// answer on /dev/i2c-N and names the chips likely to be there, from the drivers' definitions: the
// addresses each chip can have, and the chip-id probe a driver offers where reading it is safe
// (the Bosch chip id at 0x76/0x77, the MCP9808 manufacturer id at 0x18..0x1f).
// With --config, a bus the config's `simulate.i2c` names is scanned on its register map.
// A chip a kernel driver holds (src/hardware/i2c/i2c-kernel-holder.ts, under hardware.i2cDevicesRoot)
// does not answer user space: it is shown as UU, as i2cdetect does, with the agent driver to use.
import { access, constants } from 'node:fs/promises';
import type { Hardware } from '../hardware/hardware.js';
import { hex, type I2cBus } from '../hardware/i2c/i2c-bus.js';
import { createHardware } from '../hardware/create-hardware.js';
import { openRealI2cBus } from '../hardware/i2c/real-i2c.js';
import { loadConfig } from '../config/load.js';
import { describeHolder, I2C_DEVICES_ROOT, kernelHoldersOn } from '../hardware/i2c/i2c-kernel-holder.js';
import { i2cChips } from '../sensors/registry.js';
import type { ChipProbe } from '../sensors/types.js';

export const DEFAULT_SCAN_BUS = 1;
const DEV_I2C = '/dev/i2c-';

export interface ScannedDevice {
  address: number;
  /** What is likely there: "BME280 (chip id 0x60), driver: bme280", or candidates for the address. */
  description: string;
  /** A kernel driver holds it (i2cdetect's UU). */
  held?: boolean;
}

/** The chips that may sit at `address`, a family's chips in one guess: "maybe SHT3x or SHT4x (driver: sht3x or sht4x), or INA219 (driver: ina219)". */
function candidatesAt(address: number): string {
  const groups: Array<{ family: string | undefined; chips: string[]; drivers: string[] }> = [];
  for (const chip of i2cChips().filter((candidate) => candidate.addresses.includes(address))) {
    const last = groups.at(-1);
    if (last && chip.family !== undefined && last.family === chip.family) {
      last.chips.push(chip.chip);
      last.drivers.push(chip.driver);
    } else groups.push({ family: chip.family, chips: [chip.chip], drivers: [chip.driver] });
  }
  const names = groups.map((group) => `${group.chips.join(' or ')} (driver: ${group.drivers.join(' or ')})`);
  return names.length > 0 ? `maybe ${names.join(', or ')}` : 'unknown chip';
}

/** What the first probe of the chips at `address` says; an id we cannot read leaves the guess by address. */
async function identify(bus: I2cBus, address: number): Promise<string | undefined> {
  const probes = new Set<ChipProbe>();
  for (const chip of i2cChips()) if (chip.probe && chip.addresses.includes(address)) probes.add(chip.probe);
  for (const probe of probes) {
    try {
      const found = await probe(bus, address);
      if (found !== undefined) return found;
    } catch {
      // try the next probe, then the guess by address
    }
  }
  return undefined;
}

/** The answering addresses, named; and the chips kernel drivers hold on `busNumber` under `i2cDevicesRoot`, as held. */
export async function scanBus(bus: I2cBus, kernel?: { busNumber: number; i2cDevicesRoot: string }): Promise<ScannedDevice[]> {
  const holders = kernel ? await kernelHoldersOn(kernel.busNumber, kernel.i2cDevicesRoot) : [];
  const held = new Map(holders.map((holder) => [holder.address, holder]));
  const devices: ScannedDevice[] = [];
  for (const address of await bus.scan()) {
    const holder = held.get(address);
    // The kernel's driver owns a held chip: reading its id from here is refused (EBUSY) or would race it.
    if (holder) devices.push({ address, description: describeHolder(holder), held: true });
    else devices.push({ address, description: (await identify(bus, address)) ?? candidatesAt(address) });
  }
  for (const holder of holders) {
    if (!devices.some((device) => device.address === holder.address)) devices.push({ address: holder.address, description: describeHolder(holder), held: true });
  }
  return devices.sort((a, b) => a.address - b.address);
}

/** The i2cdetect grid: the address where a chip answered, `UU` where a kernel driver holds it, `--` where none did. */
export function formatGrid(addresses: readonly number[], heldAddresses: readonly number[] = []): string {
  const found = new Set(addresses);
  const held = new Set(heldAddresses);
  const lines = [`    ${Array.from({ length: 16 }, (_, column) => ` ${column.toString(16)}`).join(' ')}`];
  for (let row = 0; row < 0x80; row += 0x10) {
    const cells = Array.from({ length: 16 }, (_, column) => {
      const address = row + column;
      if (address < 0x03 || address > 0x77) return '  ';
      if (held.has(address)) return 'UU';
      return found.has(address) ? address.toString(16).padStart(2, '0') : '--';
    });
    lines.push(`${row.toString(16).padStart(2, '0')}: ${cells.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatScan(busName: string, devices: readonly ScannedDevice[]): string {
  const grid = formatGrid(
    devices.map((device) => device.address),
    devices.filter((device) => device.held).map((device) => device.address),
  );
  if (devices.length === 0) {
    return `${grid}\n${busName}: no device answered (check wiring, power and pull-ups; a chip that is busy may not answer)\n`;
  }
  const list = devices.map((device) => `  ${hex(device.address)}  ${device.description}`).join('\n');
  return `${grid}\n${busName}: ${devices.length} device${devices.length === 1 ? '' : 's'}\n${list}\n`;
}

export function cannotOpenMessage(busNumber: number, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return (
    `scan-i2c: cannot open /dev/i2c-${busNumber} (${reason})\n` +
    '  enable I2C: sudo raspi-config nonint do_i2c 0, or add dtparam=i2c_arm=on to /boot/firmware/config.txt (/boot/config.txt before Bookworm), then reboot\n' +
    `  if /dev/i2c-${busNumber} exists: add the user to the i2c group (sudo usermod -aG i2c $USER) and log in again\n`
  );
}

interface Output {
  write(text: string): unknown;
}

function parseBus(raw: string | undefined): number | undefined {
  if (raw === undefined) return DEFAULT_SCAN_BUS;
  return /^\d{1,3}$/.test(raw) ? Number(raw) : undefined;
}

/** Runs the command; 0 when the scan ran, 1 when the bus cannot be opened or --bus is bad. */
export async function runScanI2c(options: { bus?: string; configFile?: string }, out: Output, err: Output): Promise<number> {
  const busNumber = parseBus(options.bus);
  if (busNumber === undefined) {
    err.write(`scan-i2c: --bus ${options.bus ?? ''} is not a bus number (the N of /dev/i2c-N, such as 1)\n`);
    return 1;
  }
  // Loaded before anything is opened: a bad config throws ConfigError, which the CLI maps to 78.
  const config = options.configFile === undefined ? undefined : await loadConfig(options.configFile);
  const mapFile = config?.simulate.i2c[String(busNumber)];
  const hardware: Hardware | undefined = config ? createHardware(config) : undefined;
  let bus: I2cBus;
  try {
    // i2c-bus opens the device file lazily and its scan skips every failure, so a missing
    // /dev/i2c-N would look like an empty bus: check it first.
    if (mapFile === undefined) await access(`${DEV_I2C}${busNumber}`, constants.R_OK | constants.W_OK);
    bus = hardware ? await hardware.i2c(busNumber) : await openRealI2cBus(busNumber);
  } catch (error) {
    await hardware?.close();
    err.write(cannotOpenMessage(busNumber, error));
    return 1;
  }
  try {
    const busName = mapFile === undefined ? `/dev/i2c-${busNumber}` : `bus ${busNumber} (simulated: ${mapFile})`;
    out.write(formatScan(busName, await scanBus(bus, { busNumber, i2cDevicesRoot: config?.hardware.i2cDevicesRoot ?? I2C_DEVICES_ROOT })));
    return 0;
  } finally {
    await (hardware ? hardware.close() : bus.close());
  }
}
