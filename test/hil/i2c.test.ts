// Part 2 of the real-kernel tier: the agent on a real I2C adapter. One boot: i2c-stub chips at
// 0x76 and 0x40 on /dev/i2c-0 are loaded from the register-map files the simulated tests use, the
// built agent reads them through i2c-bus and publishes to a broker in the guest, then scan-i2c and
// doctor run (test/hil/guest/i2c-scenario.ts). The host runs the same sensors on the simulated bus
// from the same files and compares what both published.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hilSkipReason, runGuest, stopAllGuests, REPO_ROOT, type GuestResult } from './helpers/guest.js';
import { bundleGuestScript } from './helpers/guest-bundle.js';
import { recordHilResult } from '../helpers/results.js';
import { I2C_SENSORS } from './guest/i2c-stub-load.js';
import type { PublishedReading } from './guest/kit.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startSubscriber } from '../helpers/subscriber.js';
import { agentFolder, cleanupChildAgents, startChildAgent, writeConfig } from '../helpers/child-agent.js';

const skip = hilSkipReason();
const MAPS = { bme280: 'test/fixtures/regmaps/bme280.yaml', ina219: 'test/fixtures/regmaps/ina219.yaml' };

interface CliOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface I2cResults {
  error?: string;
  loaded: Record<string, number>;
  facts: { plainRead: string; plainWrite: string; absentByteRead: string; chipIdByte: number; ina219ConfigWord: number };
  agentStartMs: number;
  firstReadingMs: Record<string, number>;
  published: PublishedReading[];
  sensors: Array<{ id: string; state: string; lastError: string | null; failures: number; readingsAccepted: number }>;
  scan: CliOutput;
  doctorRoot: CliOutput;
  doctorNobody: CliOutput & { deviceMode: string };
}

function firstValues(readings: ReadonlyArray<{ sensor: string; v: Record<string, number> }>): Record<string, Record<string, number> | undefined> {
  return Object.fromEntries(['room', 'power'].map((id) => [id, readings.find((reading) => reading.sensor === id)?.v]));
}

/** The same sensors on the simulated bus, from the same map files (the BME280 on bus 0, the INA219 on bus 1). */
async function simulatedValues(broker: AedesBroker): Promise<Record<string, Record<string, number> | undefined>> {
  const dir = await agentFolder('hil-i2c-sim-');
  const busOf: Record<string, number> = { room: 0, power: 1, probe: 0 };
  const config = {
    device: { id: 'hil' },
    mqtt: { url: broker.url, qos: 1 },
    store: { path: join(dir, 'buffer') },
    status: { listen: '127.0.0.1:0' },
    simulate: { i2c: { 0: join(REPO_ROOT, MAPS.bme280), 1: join(REPO_ROOT, MAPS.ina219) } },
    sensors: I2C_SENSORS.map((sensor) => ({ ...sensor, bus: busOf[sensor.id] })),
  };
  const subscriber = await startSubscriber(broker.url, 'sensors/hil/+');
  const agent = await startChildAgent(await writeConfig(dir, config));
  try {
    const sensorOf = (topic: string): string => topic.split('/').pop() ?? '';
    await subscriber.waitFor(() => ['room', 'power'].every((id) => subscriber.readings.some((reading) => sensorOf(reading.topic) === id)), 20_000, 'simulated readings');
    return firstValues(subscriber.readings.map((reading) => ({ sensor: sensorOf(reading.topic), v: reading.v })));
  } finally {
    await agent.stop();
    await subscriber.stop();
  }
}

describe.skipIf(skip !== null)(`I2C on a real kernel adapter (i2c-stub)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let run: GuestResult & { resultsDir: string; cleanup(): Promise<void> };
  let results: I2cResults;

  beforeAll(async () => {
    await bundleGuestScript('i2c-scenario');
    run = await runGuest({
      timeoutMs: 300_000,
      script: [
        'set -e',
        'dev=$(hil_i2c_stub 0x76,0x40)',
        'echo "i2c $dev"',
        `node dist/hil/i2c-scenario.mjs "\${dev#/dev/i2c-}" ${MAPS.bme280} ${MAPS.ina219}`,
      ].join('\n'),
    });
    results = JSON.parse(await readFile(join(run.resultsDir, 'i2c.json'), 'utf8').catch(() => '{"error":"no i2c.json"}')) as I2cResults;
    if (results.error !== undefined || run.exitCode !== 0) throw new Error(`guest scenario failed (exit ${run.exitCode}): ${results.error ?? ''}\n${run.console.split('\n').slice(-40).join('\n')}`);
  }, 330_000);

  afterAll(async () => {
    await cleanupChildAgents();
    await stopAllGuests();
    await run?.cleanup();
  });

  it('publishes exactly the values it publishes on the simulated bus, from i2c-stub chips loaded from the same register maps', async () => {
    const broker = await startAedes();
    let simulated;
    try {
      simulated = await simulatedValues(broker);
    } finally {
      await broker.stop();
    }
    const real = firstValues(results.published);
    recordHilResult({
      scenario: 'hil-i2c-values',
      promise: 'The agent on /dev/i2c-0 (i2c-stub loaded from the register maps) publishes exactly what it publishes on the simulated bus from the same files.',
      real,
      simulated,
      stubWrites: results.loaded,
      stubFacts: results.facts,
      agentStartMs: results.agentStartMs,
      firstReadingMs: results.firstReadingMs,
      bootMs: run.bootMs,
      guestTotalMs: run.totalMs,
      boots: 1,
    });
    expect(results.facts).toMatchObject({ plainRead: expect.stringMatching(/^E(OPNOTSUPP|NOTSUP)$/), absentByteRead: 'ENODEV', chipIdByte: 0x60 });
    expect(real.room).toBeDefined();
    expect(real.power).toBeDefined();
    expect(real).toEqual(simulated);
  });

  it('makes a sensor at an absent address failed with a clear message while the others continue', () => {
    const probe = results.sensors.find((sensor) => sensor.id === 'probe');
    const others = results.sensors.filter((sensor) => sensor.id !== 'probe');
    recordHilResult({
      scenario: 'hil-i2c-absent',
      promise: 'A sensor at an address no chip answers on /dev/i2c-0 is failed with a clear message; the others keep publishing.',
      probe,
      others: others.map(({ id, state, readingsAccepted }) => ({ id, state, readingsAccepted })),
    });
    expect(probe).toMatchObject({ state: 'failed' });
    expect(probe?.lastError).toMatch(/SENSOR_NOT_FOUND.*no device at 0x18 on bus 0.*scan-i2c --bus 0/);
    for (const sensor of others) {
      expect(sensor.state).toBe('ok');
      expect(sensor.readingsAccepted).toBeGreaterThanOrEqual(2);
    }
  });

  it('scan-i2c lists 0x40 and 0x76 and names the chips', () => {
    const { scan } = results;
    const listed = [...scan.stdout.matchAll(/^\s*(0x[0-9a-f]{2})\b.*$/gim)].map((match) => match[0].trim());
    recordHilResult({ scenario: 'hil-i2c-scan', promise: 'scan-i2c on /dev/i2c-0 lists 0x40 and 0x76 and names the chips.', exitCode: scan.code, listed });
    expect(scan.code, scan.stdout + scan.stderr).toBe(0);
    expect(scan.stdout).toMatch(/0x76.*BME280 \(chip id 0x60\), driver: bme280/);
    expect(scan.stdout).toMatch(/0x40.*INA219/);
    expect(listed.map((line) => line.slice(0, 4))).toEqual(['0x40', '0x76']);
  });

  it("doctor passes, and fails with the fix when /dev/i2c-0 is not readable by the agent's user", () => {
    const { doctorRoot, doctorNobody } = results;
    recordHilResult({
      scenario: 'hil-i2c-doctor',
      promise: "doctor passes on /dev/i2c-0, and fails with the fix when the agent's user cannot open it.",
      rootExit: doctorRoot.code,
      rootOutput: doctorRoot.stdout.trim().split('\n'),
      nobodyExit: doctorNobody.code,
      nobodyOutput: doctorNobody.stdout.trim().split('\n'),
      deviceMode: doctorNobody.deviceMode,
    });
    expect(doctorRoot.code, doctorRoot.stdout + doctorRoot.stderr).toBe(0);
    expect(doctorRoot.stdout).toMatch(/ok\s+\/dev\/i2c-0 is accessible/);
    expect(doctorRoot.stdout).toMatch(/ok\s+broker mqtt:\/\/127\.0\.0\.1:\d+ accepts the connection/);
    expect(doctorRoot.stdout).toMatch(/nothing stops the agent here/);
    expect(doctorNobody.code, doctorNobody.stdout + doctorNobody.stderr).toBe(1);
    expect(doctorNobody.stdout).toMatch(/FAIL\s+\/dev\/i2c-0 is not readable and writable by this user\n\s+fix: add the service user to the i2c group/);
  });
});
