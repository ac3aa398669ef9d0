// Part of the real-kernel tier: the iio and hwmon drivers on the kernel's own drivers. One boot:
// i2c-stub chips loaded from the register maps the simulated tests use (a BME280 at 0x76, an
// MCP9808 at 0x18, an LM75 at 0x48), bound to the kernel's bmp280 (IIO), jc42 and lm75 (hwmon)
// drivers with new_device; the built agent reads them with `iio` and `hwmon`
// (test/hil/guest/kernel-drivers-scenario.ts). The host computes what the direct drivers compute
// from the same maps, on the simulated bus, and compares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hilSkipReason, runGuest, stopAllGuests, type GuestResult } from './helpers/guest.js';
import { bundleGuestScript } from './helpers/guest-bundle.js';
import { recordHilResult } from '../helpers/results.js';
import type { PublishedReading } from './guest/kit.js';
import { cleanupChildAgents } from '../helpers/child-agent.js';
import { busFromFixture, createOn } from '../sensors/i2c-rig.js';
import { findDriver } from '../../src/sensors/registry.js';
import { roundToDecimals } from '../../src/sensors/rounding.js';

const skip = hilSkipReason();
const MAPS = ['test/fixtures/regmaps/bme280.yaml', 'test/fixtures/regmaps/mcp9808.yaml', 'test/fixtures/regmaps/lm75.yaml'];

interface CliOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}
type SensorState = { id: string; state: string; lastError: string | null; readingsAccepted: number };

interface KernelResults {
  error?: string;
  /** Clients the modules' detect routines bound at load (no new_device needed). */
  detectedAtLoad: string[];
  sysfs: Record<string, Record<string, string>>;
  published: PublishedReading[];
  status: SensorState[];
  unbound: SensorState[];
  recoveredReading: PublishedReading;
  scan: CliOutput;
  doctor: CliOutput;
}

/** What the direct drivers publish from the same register maps (simulated bus). */
async function directValues(): Promise<Record<string, Record<string, number>>> {
  const bme280 = await createOn(findDriver('bme280')!, await busFromFixture('bme280.yaml'), { address: 0x76 });
  const mcp9808 = await createOn(findDriver('mcp9808')!, await busFromFixture('mcp9808.yaml'), { address: 0x18 });
  return { air: await bme280.read(), board: await mcp9808.read() };
}

/** The file of the device named `name` in the guest's sysfs snapshot. */
function sysfsValue(results: KernelResults, name: string, file: string): number {
  const device = Object.entries(results.sysfs).find(([key]) => key.endsWith(`(${name})`));
  const text = device?.[1][file];
  if (text === undefined) throw new Error(`no ${file} for ${name} in ${JSON.stringify(results.sysfs)}`);
  return Number(text);
}

describe.skipIf(skip !== null)(`iio and hwmon on the kernel's own drivers (i2c-stub)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let run: GuestResult & { resultsDir: string; cleanup(): Promise<void> };
  let results: KernelResults;
  const first = (id: string): Record<string, number> | undefined => results.published.find((reading) => reading.sensor === id)?.v;

  beforeAll(async () => {
    await bundleGuestScript('kernel-drivers-scenario');
    run = await runGuest({
      timeoutMs: 300_000,
      script: ['set -e', 'dev=$(hil_i2c_stub 0x76,0x18,0x48)', 'echo "i2c $dev"', `node dist/hil/kernel-drivers-scenario.mjs "\${dev#/dev/i2c-}" ${MAPS.join(' ')}`].join('\n'),
    });
    results = JSON.parse(await readFile(join(run.resultsDir, 'kernel-drivers.json'), 'utf8').catch(() => '{"error":"no kernel-drivers.json"}')) as KernelResults;
    if (results.error !== undefined || run.exitCode !== 0) throw new Error(`guest scenario failed (exit ${run.exitCode}): ${results.error ?? ''}\n${run.console.split('\n').slice(-40).join('\n')}`);
  }, 330_000);

  afterAll(async () => {
    await cleanupChildAgents();
    await stopAllGuests();
    await run?.cleanup();
  });

  it('publishes exactly what the kernel drivers put in sysfs, converted to the product units', () => {
    expect(first('air')).toEqual({
      temperature: roundToDecimals(sysfsValue(results, 'bme280', 'in_temp_input') / 1000, 3),
      pressure: roundToDecimals(sysfsValue(results, 'bme280', 'in_pressure_input') * 10, 3),
      humidity: roundToDecimals(sysfsValue(results, 'bme280', 'in_humidityrelative_input') / 1000, 3),
    });
    expect(first('board')).toEqual({ temperature: roundToDecimals(sysfsValue(results, 'jc42', 'temp1_input') / 1000, 3) });
    expect(first('case')).toEqual({ temperature: roundToDecimals(sysfsValue(results, 'lm75', 'temp1_input') / 1000, 3) });
  });

  it('agrees with what the direct drivers compute from the same register maps', async () => {
    const direct = await directValues();
    const air = first('air')!;
    const difference = Object.fromEntries(Object.entries(direct.air!).map(([name, value]) => [name, roundToDecimals(Math.abs((air[name] ?? Number.NaN) - value), 6)]));
    recordHilResult({
      scenario: 'hil-kernel-drivers-values',
      promise: "The iio and hwmon drivers on the kernel's bmp280, jc42 and lm75 drivers (i2c-stub loaded from the register maps) publish what the direct drivers compute from the same maps.",
      kernel: { air, board: first('board'), case: first('case') },
      direct,
      difference,
      sysfs: results.sysfs,
      detectedAtLoad: results.detectedAtLoad,
      bootMs: run.bootMs,
      guestTotalMs: run.totalMs,
      boots: 1,
    });
    // The kernel compensates with the datasheet's integer code (t_fine, 1/256 Pa, 1/1024 %RH), the
    // direct driver with its floating-point code, published to 0.01: they agree to that step.
    for (const name of ['temperature', 'pressure', 'humidity']) expect(difference[name], name).toBeLessThanOrEqual(0.01);
    // The MCP9808's 23.5 °C and the LM75's (0x1780 >> 7) × 0.5 °C are exact in m°C.
    expect(first('board')).toEqual(direct.board);
    expect(first('case')).toEqual({ temperature: 23.5 });
  });

  it('fails the direct driver on the chip the kernel holds (EBUSY), and the iio sensor while its client is deleted, then finds it again', () => {
    const direct = results.status.find((sensor) => sensor.id === 'direct');
    const air = results.unbound.find((sensor) => sensor.id === 'air');
    recordHilResult({
      scenario: 'hil-kernel-drivers-held-and-unbound',
      promise: 'A direct driver on a chip the kernel holds fails with I2C_ADDRESS_BUSY; an iio sensor whose client is deleted fails and publishes again once it is instantiated again.',
      direct,
      airWhileDeleted: air,
      recoveredReading: results.recoveredReading,
    });
    expect(direct).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^I2C_ADDRESS_BUSY: bme280: 0x76 on bus \d+ is held by a kernel driver/) });
    expect(air).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^SENSOR_NOT_FOUND: IIO device bme280/) });
    expect(results.recoveredReading.v).toEqual(first('air'));
  });

  it('scan-i2c shows the held chips as UU with the driver to use, and doctor fails the direct sensor', () => {
    const { scan, doctor } = results;
    recordHilResult({ scenario: 'hil-kernel-drivers-scan-doctor', promise: 'scan-i2c and doctor say which chips the kernel holds and which driver to use instead.', scan: scan.stdout.split('\n'), doctor: doctor.stdout.split('\n') });
    expect(scan.code, scan.stdout + scan.stderr).toBe(0);
    expect(scan.stdout).toMatch(/^10: (-- ){8}UU/m);
    expect(scan.stdout).toMatch(/0x18 {2}held by the kernel's jc42 driver \(jc42\): .*use driver: hwmon, device: jc42/);
    expect(scan.stdout).toMatch(/0x48 {2}held by the kernel's lm75 driver \(lm75\): .*use driver: hwmon, device: lm75/);
    expect(scan.stdout).toMatch(/0x76 {2}held by the kernel's bmp280 driver \(bme280\): .*use driver: iio, device: bme280/);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL\s+bme280 sensor direct: 0x76 on \/dev\/i2c-\d+ is held by the kernel's bmp280 driver/);
    expect(doctor.stdout).toMatch(/ok\s+IIO device bme280 is \/sys\/bus\/iio\/devices\/iio:device\d+/);
    expect(doctor.stdout).toMatch(/ok\s+hwmon device jc42 is \/sys\/class\/hwmon\/hwmon\d+/);
  });
});
