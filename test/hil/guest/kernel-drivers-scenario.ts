// Runs inside the guest (test/hil/kernel-drivers.test.ts boots it): loads i2c-stub chips from the
// register maps (a BME280 at 0x76, an MCP9808 at 0x18, an LM75 at 0x48), binds the kernel's own
// drivers to them (bmp280-i2c, jc42, lm75: modprobe, then new_device), records what the kernel
// publishes in sysfs, and runs the built agent with the iio and hwmon drivers on them, plus the
// direct bme280 driver on the chip the kernel now holds. Then the BME280's client is deleted and
// instantiated again (the agent marks the sensor failed and finds it again), and scan-i2c and
// doctor run. Writes /tmp/hil/kernel-drivers.json.
// Usage: node dist/hil/kernel-drivers-scenario.mjs BUS MAP.yaml...
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRealI2cBus } from '../../../src/hardware/i2c/real-i2c.js';
import { loadRegisterMap } from '../../../src/hardware/i2c/register-map.js';
import { until } from '../../helpers/poll.js';
import { cleanupChildAgents, startChildAgent, writeConfig } from '../../helpers/child-agent.js';
import { cli, guestAgentConfig, runScenario, startCapturingBroker } from './kit.js';
import { loadStub } from './i2c-stub-load.js';

/** The kernel clients: i2c-stub chip, the name new_device instantiates it with, its module. */
const KERNEL_CLIENTS = [
  { address: 0x76, name: 'bme280', module: 'bmp280-i2c' },
  { address: 0x18, name: 'jc42', module: 'jc42' },
  { address: 0x48, name: 'lm75', module: 'lm75' },
];

const waitUntil = (what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> => until(done, timeoutMs, what, 50);

const clientFolder = (bus: number, address: number): string => `/sys/bus/i2c/devices/${bus}-${address.toString(16).padStart(4, '0')}`;

/** Every attribute file of the devices the kernel published, as text (what the agent reads). */
function sysfsSnapshot(): Record<string, Record<string, string>> {
  const snapshot: Record<string, Record<string, string>> = {};
  const read = (root: string, pattern: RegExp, files: RegExp): void => {
    for (const folder of readdirSync(root).filter((entry) => pattern.test(entry))) {
      const path = join(root, folder);
      const name = readFileSync(join(path, 'name'), 'utf8').trim();
      snapshot[`${folder} (${name})`] = Object.fromEntries(readdirSync(path).filter((file) => files.test(file)).map((file) => [file, readFileSync(join(path, file), 'utf8').trim()]));
    }
  };
  read('/sys/bus/iio/devices', /^iio:device\d+$/, /^in_.*_(input|raw|scale|offset)$/);
  read('/sys/class/hwmon', /^hwmon\d+$/, /_input$/);
  return snapshot;
}

await runScenario('kernel-drivers.json', async () => {
  const [busArg, ...mapFiles] = process.argv.slice(2);
  const busNumber = Number(busArg);
  const bus = await openRealI2cBus(busNumber);
  for (const file of mapFiles) await loadStub(bus, await loadRegisterMap(file));
  await bus.close();

  const bind = (client: (typeof KERNEL_CLIENTS)[number]): void => writeFileSync(`/sys/bus/i2c/devices/i2c-${busNumber}/new_device`, `${client.name} 0x${client.address.toString(16)}`);
  // jc42 and lm75 have detect routines and i2c-stub's adapter class allows probing: loading the
  // module may already bind the chip (then new_device answers EBUSY). Which ones it did is recorded.
  const detectedAtLoad: string[] = [];
  for (const client of KERNEL_CLIENTS) {
    execFileSync('modprobe', [client.module]);
    if (existsSync(clientFolder(busNumber, client.address))) detectedAtLoad.push(client.name);
    else bind(client);
  }
  for (const client of KERNEL_CLIENTS) await waitUntil(`${client.name} bound`, () => existsSync(join(clientFolder(busNumber, client.address), 'driver')));
  const sysfs = sysfsSnapshot();

  const broker = await startCapturingBroker();
  const dir = '/tmp/hil-kernel-agent';
  mkdirSync(dir, { recursive: true });
  const sensors = [
    { id: 'air', driver: 'iio', device: 'bme280', interval: '2s' },
    { id: 'board', driver: 'hwmon', device: 'jc42', interval: '2s' },
    { id: 'case', driver: 'hwmon', device: 'lm75', interval: '2s' },
    { id: 'direct', driver: 'bme280', bus: busNumber, address: 0x76, interval: '2s' },
  ];
  const configFile = await writeConfig(dir, guestAgentConfig(broker.url, dir, sensors));
  const agent = await startChildAgent(configFile, { startTimeoutMs: 60_000 });
  let status;
  let unbound;
  let recoveredReading;
  try {
    for (const id of ['air', 'board', 'case']) await broker.waitFor((reading) => reading.sensor === id, 60_000);
    status = await agent.waitForStatus((snapshot) => snapshot.sensors.some((sensor) => sensor.id === 'direct' && sensor.state === 'failed'), 30_000, 'direct failed');

    // The BME280's client goes away (as when its driver unbinds), then comes back.
    writeFileSync(`/sys/bus/i2c/devices/i2c-${busNumber}/delete_device`, '0x76');
    unbound = await agent.waitForStatus((snapshot) => snapshot.sensors.some((sensor) => sensor.id === 'air' && sensor.state === 'failed'), 30_000, 'air failed');
    const before = broker.readings.length;
    bind(KERNEL_CLIENTS[0]!);
    recoveredReading = await broker.waitFor((reading) => reading.sensor === 'air', 60_000, before);
    await agent.waitForStatus((snapshot) => snapshot.sensors.some((sensor) => sensor.id === 'air' && sensor.state === 'ok'), 30_000, 'air ok again');
  } finally {
    await agent.stop(30_000).catch(() => agent.kill());
  }
  const published = broker.readings.slice();
  await broker.stop();
  const scan = await cli(['scan-i2c', '--bus', String(busNumber)]);
  const doctor = await cli(['doctor', '--config', configFile]);
  const pick = (snapshot: typeof status) => snapshot.sensors.map(({ id, state, lastError, readingsAccepted }) => ({ id, state, lastError, readingsAccepted }));
  return { detectedAtLoad, sysfs, published, status: pick(status), unbound: pick(unbound), recoveredReading, scan, doctor };
});
await cleanupChildAgents();
