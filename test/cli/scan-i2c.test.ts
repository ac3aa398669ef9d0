// `sensor-agent scan-i2c` on the simulated bus a config names: the i2cdetect grid, chips named by
// the id registers that are safe to read (Bosch 0xD0, MCP9808 manufacturer id), guesses by address
// for the rest; exit 1 with how to enable I2C when the bus cannot be opened. One run goes through
// the real command line as a child process.
import { execFile } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { formatGrid, runScanI2c } from '../../src/cli/scan-i2c.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const regmap = (name: string): string => join(ROOT, 'test/fixtures/regmaps', name);

const BENCH_MAP = `devices:
  "0x18": { registerWidth: 2, registers: { "0x06": [0x00, 0x54] } }   # MCP9808: manufacturer id 0x0054, MSB first
  "0x1a": { registerWidth: 2, registers: { "0x06": [0x00, 0x00] } }   # something else at 0x18..0x1f
  "0x23": {}
  "0x44": {}
  "0x48": {}
  "0x60": {}
  "0x76": { registers: { "0xd0": [0x60] } }
  "0x77": { registers: { "0xd0": [0x58] } }
`;

const dirs: Array<{ cleanup(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => dir.cleanup()));
});

/** A config whose bus 1 is simulated by `mapText`, in a temp folder; returns the config file. */
async function configSimulating(mapText: string, extra = ''): Promise<string> {
  const dir = await makeTempDir('scan-i2c-');
  dirs.push(dir);
  await writeFile(join(dir.path, 'bench.yaml'), mapText);
  await copyFile(regmap('bme280.yaml'), join(dir.path, 'bme280.yaml'));
  const file = join(dir.path, 'config.yaml');
  await writeFile(file, `simulate:\n  i2c:\n    1: ./bench.yaml\n    3: ./bme280.yaml\n${extra}sensors:\n  - { id: room, driver: simulated }\n`);
  return file;
}

function capture(): { write(text: string): boolean; text(): string } {
  let text = '';
  return { write: (chunk: string) => ((text += chunk), true), text: () => text };
}

async function scan(options: { bus?: string; configFile?: string }): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await runScanI2c(options, out, err);
  return { code, out: out.text(), err: err.text() };
}

describe('scan-i2c', () => {
  it('lists every answering address of a simulated bus and names the chips', async () => {
    const { code, out, err } = await scan({ configFile: await configSimulating(BENCH_MAP) });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('bus 1 (simulated: ');
    expect(out).toContain(': 8 devices\n');
    expect(out).toContain('  0x18  MCP9808 (manufacturer id 0x0054), driver: mcp9808\n');
    expect(out).toContain('  0x1a  maybe MCP9808 (driver: mcp9808)\n');
    expect(out).toContain('  0x23  maybe BH1750 (driver: bh1750)\n');
    expect(out).toContain('  0x44  maybe SHT3x or SHT4x (driver: sht3x or sht4x), or INA219 (driver: ina219)\n');
    expect(out).toContain('  0x48  maybe ADS1115 (driver: ads1115), or INA219 (driver: ina219)\n');
    expect(out).toContain('  0x60  unknown chip\n');
    expect(out).toContain('  0x76  BME280 (chip id 0x60), driver: bme280\n');
    expect(out).toContain('  0x77  BMP280 (chip id 0x58), driver: bmp280\n');
  });

  it('names the chips of the shipped register maps (16-bit MCP9808, INA219 and ADS1115 registers)', async () => {
    const maps = await Promise.all(['mcp9808.yaml', 'ina219.yaml', 'ads1115.yaml'].map(async (name) => parse(await readFile(regmap(name), 'utf8')) as { devices: object }));
    const { code, out } = await scan({ configFile: await configSimulating(stringify({ devices: Object.assign({}, ...maps.map((map) => map.devices)) })) });
    expect(code).toBe(0);
    expect(out).toContain('  0x18  MCP9808 (manufacturer id 0x0054), driver: mcp9808\n');
    expect(out).toContain('  0x40  maybe INA219 (driver: ina219)\n');
    expect(out).toContain('  0x48  maybe ADS1115 (driver: ads1115), or INA219 (driver: ina219)\n');
  });

  it('prints the i2cdetect grid', async () => {
    const { out } = await scan({ bus: '3', configFile: await configSimulating(BENCH_MAP) });
    expect(out.startsWith(formatGrid([0x76]))).toBe(true);
    expect(out).toContain('70: -- -- -- -- -- -- 76 --');
    expect(out).toContain('  0x76  BME280 (chip id 0x60), driver: bme280\n');
  });

  it('exits 0 and says so when nothing answers', async () => {
    const { code, out } = await scan({ configFile: await configSimulating('devices: {}\n') });
    expect(code).toBe(0);
    expect(out).toMatch(/no device answered \(check wiring, power and pull-ups/);
  });

  it('exits 1 with how to enable I2C when /dev/i2c-N cannot be opened', async () => {
    const { code, out, err } = await scan({ bus: '99' });
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^scan-i2c: cannot open \/dev\/i2c-99 \(/);
    expect(err).toContain('sudo raspi-config nonint do_i2c 0');
    expect(err).toContain('dtparam=i2c_arm=on to /boot/firmware/config.txt');
  });

  it('rejects a bus that is not a number, and a bad config as a config error', async () => {
    expect(await scan({ bus: 'one' })).toMatchObject({ code: 1, err: expect.stringMatching(/--bus one is not a bus number/) });
    const badConfig = await configSimulating(BENCH_MAP, 'nonsense: true\n');
    await expect(scan({ configFile: badConfig })).rejects.toBeInstanceOf(ConfigError);
  });

  it('runs from the command line: sensor-agent scan-i2c --config FILE', async () => {
    const file = await configSimulating(BENCH_MAP);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'scan-i2c', '--config', file], { cwd: ROOT });
    expect(stdout).toContain('  0x76  BME280 (chip id 0x60), driver: bme280\n');
    expect(stdout).toContain(': 8 devices\n');
  });

  it('shows the chips a kernel driver holds as UU, with the iio or hwmon driver to use instead', async () => {
    const i2cDevicesRoot = join(ROOT, 'test/fixtures/sysfs/i2c-devices');
    const { code, out } = await scan({ configFile: await configSimulating(BENCH_MAP, `hardware:\n  i2cDevicesRoot: ${i2cDevicesRoot}\n`) });
    expect(code).toBe(0);
    expect(out).toMatch(/^10: -- -- -- -- -- -- -- -- UU -- 1a /m);
    expect(out).toMatch(/^70: -- -- -- -- -- -- UU 77 /m);
    expect(out).toContain("  0x18  held by the kernel's jc42 driver (jc42): the direct drivers cannot use it (the kernel owns it); use driver: hwmon, device: jc42\n");
    expect(out).toContain("  0x76  held by the kernel's bmp280 driver (bme280): the direct drivers cannot use it (the kernel owns it); use driver: iio, device: bme280\n");
    // Unbound (1-0048 has no driver link) and unheld chips are named as before.
    expect(out).toContain('  0x48  maybe ADS1115 (driver: ads1115), or INA219 (driver: ina219)\n');
    expect(out).toContain('  0x77  BMP280 (chip id 0x58), driver: bmp280\n');
  });
});
