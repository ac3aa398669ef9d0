// Runs inside the guest (test/hil/i2c.test.ts boots it): loads the i2c-stub chips on /dev/i2c-0
// from register-map files, records what the kernel's stub answers, runs the built agent on the real
// adapter with a sensor at an absent address beside the two present ones, then scan-i2c and doctor
// (as root, and as `nobody` with /dev/i2c-0 at mode 600). Writes /tmp/hil/i2c.json.
// Usage: node dist/hil/i2c-scenario.mjs BUS MAP.yaml...
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { openRealI2cBus } from '../../../src/hardware/i2c/real-i2c.js';
import { loadRegisterMap } from '../../../src/hardware/i2c/register-map.js';
import { cleanupChildAgents, startChildAgent, writeConfig } from '../../helpers/child-agent.js';
import { cli, guestAgentConfig, type PublishedReading, runScenario, startCapturingBroker } from './kit.js';
import { I2C_SENSORS, loadStub } from './i2c-stub-load.js';

async function errorCodeOf(transfer: () => Promise<unknown>): Promise<string> {
  try {
    await transfer();
    return 'no error';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? (error as Error).message);
  }
}

await runScenario('i2c.json', async () => {
  const [busArg, ...mapFiles] = process.argv.slice(2);
  const busNumber = Number(busArg);
  const bus = await openRealI2cBus(busNumber);
  const loaded: Record<string, number> = {};
  for (const file of mapFiles) loaded[file] = await loadStub(bus, await loadRegisterMap(file));
  // The stub's own behaviour, as the issue states it: plain transfers refused, an absent chip ENODEV.
  const facts = {
    plainRead: await errorCodeOf(() => bus.i2cRead(0x76, 1)),
    plainWrite: await errorCodeOf(() => bus.i2cWrite(0x76, Buffer.from([0xd0]))),
    absentByteRead: await errorCodeOf(() => bus.readByte(0x18, 0x05)),
    chipIdByte: await bus.readByte(0x76, 0xd0),
    ina219ConfigWord: await bus.readWord(0x40, 0x00),
  };
  await bus.close();

  const broker = await startCapturingBroker();
  const dir = '/tmp/hil-i2c-agent';
  mkdirSync(dir, { recursive: true });
  const sensors = I2C_SENSORS.map((sensor) => ({ ...sensor, bus: busNumber }));
  const configFile = await writeConfig(dir, guestAgentConfig(broker.url, dir, sensors));
  const startedAt = Date.now();
  const agent = await startChildAgent(configFile, { startTimeoutMs: 60_000 });
  const agentStartMs = Date.now() - startedAt;
  const firstReadingMs: Record<string, number> = {};
  let published: PublishedReading[];
  let status;
  try {
    // Two readings each: the present sensors keep going while the absent one fails.
    for (const id of ['room', 'power']) {
      const first = await broker.waitFor((reading) => reading.sensor === id, 60_000);
      firstReadingMs[id] = first.receivedAt - startedAt;
      await broker.waitFor((reading) => reading.sensor === id && reading.seq > first.seq, 60_000);
    }
    status = await agent.waitForStatus((snapshot) => snapshot.sensors.some((sensor) => sensor.id === 'probe' && sensor.state === 'failed'), 30_000, 'probe failed');
    published = broker.readings.slice();
  } finally {
    await agent.stop(30_000).catch(() => agent.kill());
  }
  const scan = await cli(['scan-i2c', '--bus', String(busNumber)]);
  const doctorRoot = await cli(['doctor', '--config', configFile]);
  await broker.stop();

  // doctor as an unprivileged user that cannot open the bus: its config and store under /tmp.
  const userDir = '/tmp/hil-i2c-nobody';
  mkdirSync(userDir, { recursive: true });
  chmodSync(userDir, 0o1777);
  const userConfig = await writeConfig(userDir, guestAgentConfig('mqtt://127.0.0.1:1', userDir, sensors));
  chmodSync(userConfig, 0o644);
  const device = `/dev/i2c-${busNumber}`;
  chmodSync(device, 0o600);
  const doctorNobody = await cli(['doctor', '--config', userConfig], 65534);

  return {
    loaded,
    facts,
    agentStartMs,
    firstReadingMs,
    published,
    sensors: status.sensors.map(({ id, state, lastError, failures, readingsAccepted }) => ({ id, state, lastError, failures, readingsAccepted })),
    scan,
    doctorRoot,
    doctorNobody: { ...doctorNobody, deviceMode: (statSync(device).mode & 0o777).toString(8) },
  };
});
await cleanupChildAgents();
