// The fleet view (`sensor-agent fleet`, docs/fleet.md) against a real broker (Aedes) holding the
// retained health and status messages of several devices: fake ones published here, and a real
// agent in-process. One row per device, worst first, with the status page's own verdict words;
// exit 0 when all are good, 2 when one is offline, unwell or needs attention (or none is found),
// 1 when the broker cannot be reached; the built CLI as a child process, and the built daemon
// killed with SIGKILL (its last will makes it offline).
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runFleet } from '../../src/cli/fleet.js';
import { fleetExitCode, fleetRows } from '../../src/cli/fleet-view.js';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { encodeHealth, type HealthMessage } from '../../src/health/health-message.js';
import { HealthFacts } from '../../src/health/health-facts.js';
import { StatusHub } from '../../src/status/status-hub.js';
import { ALL_GOOD, problems } from '../../src/status/page/verdict.js';
import type { BufferStats } from '../../src/buffer/index.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli, startChildAgent } from '../helpers/child-agent.js';
import { silentLog } from '../helpers/publisher-rig.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const NOW = Date.now();

/** A device's health as an agent would send it: all good unless `change` says otherwise. */
function health(device: string, change: (message: HealthMessage) => void = () => undefined): HealthMessage {
  const message: HealthMessage = {
    format: 1,
    device,
    version: '0.1.0',
    ts: NOW - 1000,
    uptime: 3600,
    interval: 60,
    healthy: true,
    link: { since: NOW - 3_600_000, reconnects: 0, lastError: null },
    buffer: { backlog: 0, oldestAge: null, dropped: 0, cap: 256_000_000, writeFailures: 0, writeFailing: false },
    sensors: { total: 3, ok: 3, failed: {} },
    outputs: {},
    clock: { synchronized: true, plausible: true },
    diskFreeMB: 12_000,
    memoryAvailableMB: 3000,
    cpuTemperature: 48.3,
    epoch: 0,
    lastSeq: 18_234,
  };
  change(message);
  return message;
}

/** A closed loopback port: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function output(): { text: string; write(chunk: string): void } {
  return { text: '', write(chunk: string) { this.text += chunk; } };
}

describe('sensor-agent fleet', () => {
  let broker: AedesBroker;
  let publisher: mqtt.MqttClient;

  const retain = (topic: string, payload: string): Promise<unknown> => publisher.publishAsync(topic, payload, { qos: 1, retain: true });
  const device = async (id: string, message: HealthMessage | null, status: 'online' | 'offline' | null = 'online', prefix = 'sensors'): Promise<void> => {
    if (message) await retain(`${prefix}/${id}/health`, encodeHealth(message));
    if (status) await retain(`${prefix}/${id}/status`, JSON.stringify({ state: status }));
  };

  beforeAll(async () => {
    await ensureBuilt();
  });

  afterAll(async () => {
    await cleanupChildAgents();
  });

  beforeEach(async () => {
    broker = await startAedes();
    publisher = await mqtt.connectAsync(broker.url, { clientId: `fleet-devices-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  });

  afterEach(async () => {
    await publisher.endAsync(true);
    await broker.stop();
  });

  it('prints one row per device, worst first, with the page verdict, and exits 2 when any is not all good (the built CLI)', async () => {
    await device('pi-good', health('pi-good'));
    await device('pi-gone', health('pi-gone'), 'offline');
    await device('pi-probe', health('pi-probe', (m) => ((m.sensors.ok = 2), (m.sensors.failed = { probe: 'SENSOR_NOT_FOUND' }))));
    await device('pi-full', health('pi-full', (m) => ((m.healthy = false), (m.reason = 'buffer is refusing writes: disk full'), (m.buffer.writeFailing = true), (m.buffer.dropped = 40))));
    await device('pi-two', health('pi-two', (m) => ((m.buffer.dropped = 3), (m.clock.synchronized = false))));
    // Another prefix: not part of this fleet.
    await device('elsewhere', health('elsewhere'), 'offline', 'other');

    const result = await runCli(['fleet', '--broker', broker.url, '--wait', '1s']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^DEVICE\s+SENSORS\s+BACKLOG\s+UPTIME\s+VERSION\s+VERDICT$/);
    const order = lines.filter((line) => /^pi-/.test(line)).map((line) => line.split(/\s+/)[0]);
    expect(order).toEqual(['pi-gone', 'pi-full', 'pi-two', 'pi-probe', 'pi-good']);
    expect(result.stdout).not.toContain('elsewhere');
    const row = (id: string): string => lines.find((line) => line.startsWith(`${id} `))!;
    expect(row('pi-good')).toMatch(/3\/3 ok\s+0\s+1 h 00 min\s+0\.1\.0\s+All good: readings are taken, stored and published\.$/);
    expect(row('pi-gone')).toContain('Offline: the broker holds its last will (status offline).');
    expect(row('pi-full')).toContain('Unhealthy: buffer is refusing writes: disk full.');
    expect(row('pi-two')).toContain('Needs attention (2):');
    expect(row('pi-probe')).toContain('Needs attention (1):');
    // The problem lines are the status page's, under their device.
    const probeAt = lines.indexOf(row('pi-probe'));
    expect(lines[probeAt + 1]).toMatch(/^ {4}- Sensor probe fails: SENSOR_NOT_FOUND What to do \(SENSOR_NOT_FOUND\): /);
    expect(result.stdout).toContain("    - The device's clock is not synchronized yet");
    expect(result.stdout).toContain('    - 3 readings were dropped because the buffer was full or failing.');
    expect(lines).toContain('5 devices: 1 offline, 1 unwell, 2 needing attention, 1 all good');
  });

  it('exits 0 when every device is all good, with --prefix and --json', async () => {
    await device('a', health('a'), 'online', 'site-3');
    await device('b', health('b'), 'online', 'site-3');
    await device('c', health('c'), 'offline', 'sensors');
    const stdout = output();
    const stderr = output();
    expect(await runFleet({ broker: broker.url, prefix: 'site-3', wait: '500ms', json: true }, stdout, stderr)).toBe(0);
    const rows = JSON.parse(stdout.text) as Array<{ device: string; standing: string; verdict: string }>;
    expect(rows.map((row) => [row.device, row.standing, row.verdict])).toEqual([
      ['a', 'good', ALL_GOOD],
      ['b', 'good', ALL_GOOD],
    ]);
  });

  it('exits 1 when the broker cannot be reached, and 2 when no device is found under the prefix', async () => {
    const port = await closedPort();
    const unreachable = await runCli(['fleet', '--broker', `mqtt://127.0.0.1:${port}`, '--wait', '200ms']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^sensor-agent fleet: cannot reach the broker at mqtt:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    const help = await runCli(['--help']);
    expect(help.stdout).toContain('sensor-agent fleet --broker URL [--prefix PREFIX] [--wait DURATION] [--json]');
    const stdout = output();
    expect(await runFleet({ broker: broker.url, prefix: 'nobody', wait: '200ms', json: false }, stdout, output())).toBe(2);
    expect(stdout.text).toContain('No device has a health or status message under nobody/+');
  });

  it('refuses bad arguments with one line', async () => {
    const cases: Array<[Parameters<typeof runFleet>[0], RegExp]> = [
      [{ broker: undefined, prefix: undefined, wait: undefined, json: false }, /needs --broker URL/],
      [{ broker: 'not a url', prefix: undefined, wait: undefined, json: false }, /--broker not a url is not a URL/],
      [{ broker: broker.url, prefix: 'sensors/#', wait: undefined, json: false }, /must not contain the MQTT wildcards/],
      [{ broker: broker.url, prefix: undefined, wait: '5', json: false }, /--wait 5 is not a duration with its unit/],
    ];
    for (const [args, message] of cases) {
      const stderr = output();
      expect(await runFleet(args, output(), stderr)).toBe(1);
      expect(stderr.text).toMatch(message);
    }
  });

  it('counts a device with a status but no health, or an unreadable one, as unwell', () => {
    const rows = fleetRows(new Map([
      ['sensors/old/status', '{"state":"online","version":"0.0.9"}'],
      ['sensors/odd/health', '{"format":1,"device":"odd"}'],
      ['sensors/new/health', '{"format":2}'],
      ['sensors/ok/health', encodeHealth(health('ok'))],
      ['sensors/gone/health', ''], // a cleared retained message
    ]), 'sensors', NOW);
    expect(rows.map((row) => [row.device, row.standing])).toEqual([['new', 'unwell'], ['odd', 'unwell'], ['old', 'unwell'], ['ok', 'good']]);
    expect(rows[0]!.verdict).toBe('Unreadable health message: health format 2, this version reads 1.');
    expect(rows[2]!.verdict).toMatch(/^No health message/);
    expect(fleetExitCode(rows)).toBe(2);
    // A device online whose message stopped coming (its clock synchronized, so the age can be trusted).
    const stale = fleetRows(new Map([['sensors/quiet/health', encodeHealth(health('quiet', (m) => (m.ts = NOW - 3_600_000)))]]), 'sensors', NOW);
    expect(stale[0]!.verdict.replaceAll('\u00a0', ' ')).toBe('No health message for 1 h 00 min (expected every 1 min 00 s).');
  });

  it("words a device's problems exactly as its status page does", () => {
    let time = NOW;
    const stats: BufferStats = { backlog: 12, bytes: 900, lastSeq: 40, epoch: 1, dropped: 7, droppedHigh: 0, highBacklog: 0, oldestTs: NOW - 600_000, maxBytes: 256_000_000, writeFailing: false, recoveredFrom: '/var/lib/x.corrupt', syncs: 0 };
    const hub = new StatusHub({ device: 'pi-9', version: '0.1.0', mqttUrl: 'mqtt://broker', bufferStats: () => stats, now: () => time, hostInfo: () => ({ addresses: [], clock: { plausible: true, synchronized: false } }) });
    hub.registerSensor('probe', 'ds18b20');
    hub.registerSensor('air', 'bme280');
    hub.sensorReading('air', { ts: NOW, values: { temperature: 21 } });
    hub.sensorFailed('probe', 'SENSOR_NOT_FOUND: no 1-Wire device 28-0316a2790dff');
    hub.mqttConnected();
    hub.mqttRefusal({ reasonCode: 0x87, reason: 'Not authorized', topic: 'sensors/pi-9/air', inARow: 4, persistent: true, at: NOW }, 4);
    time = NOW + 5000;
    const message = new HealthFacts({ snapshot: () => hub.snapshot(), health: () => hub.health(), intervalMs: 60_000, storePath: '/tmp' }).collect();
    const page = problems(hub.snapshot());
    const [row] = fleetRows(new Map([['sensors/pi-9/health', encodeHealth(message)]]), 'sensors', time);
    expect(page.length).toBe(6);
    // The page keeps the whole error message; the health message its code (the page's help line is the same).
    expect(row!.problems).toEqual(page.map((line) => line.replace('SENSOR_NOT_FOUND: no 1-Wire device 28-0316a2790dff', 'SENSOR_NOT_FOUND')));
    expect(row!.verdict).toBe('Needs attention (6):');
  });

  it('sees the built daemon all good, then offline once it is killed (its last will), both through the built CLI', async () => {
    const dir = await agentFolder('fleet-daemon-');
    const file = join(dir, 'config.yaml');
    await writeFile(file, [
      'device: { id: daemon-1 }',
      `mqtt: { url: "${broker.url}", keepalive: 2s }`,
      `store: { path: "${join(dir, 'buffer')}" }`,
      'status: { listen: "127.0.0.1:0" }',
      'sensors:',
      '  - { id: air, driver: simulated, interval: 200ms }',
      '',
    ].join('\n'));
    const daemon = await startChildAgent(file);
    await daemon.waitForStatus((status) => status.mqtt.connected && status.sensors.every((sensor) => sensor.state === 'ok'));
    let fleet = await runCli(['fleet', '--broker', broker.url, '--wait', '500ms', '--json']);
    for (let attempt = 0; attempt < 20 && !fleet.stdout.includes('"standing": "good"'); attempt += 1) fleet = await runCli(['fleet', '--broker', broker.url, '--wait', '500ms', '--json']);
    expect(fleet.code).toBe(0);
    expect((JSON.parse(fleet.stdout) as Array<{ device: string; standing: string }>).map((row) => [row.device, row.standing])).toEqual([['daemon-1', 'good']]);

    await daemon.kill();
    // The broker publishes the will once it sees the socket closed (at once on loopback, at the latest after 1.5 keepalives).
    for (let attempt = 0; attempt < 40; attempt += 1) {
      fleet = await runCli(['fleet', '--broker', broker.url, '--wait', '300ms']);
      if (fleet.code === 2) break;
    }
    expect(fleet.code).toBe(2);
    expect(fleet.stdout).toMatch(/^daemon-1 .*Offline: the broker holds its last will \(status offline\)\.$/m);
    expect(fleet.stdout).toContain('    - Its last health message (');
  });

  describe('with a real agent', () => {
    let dir: { path: string; cleanup(): Promise<void> };
    let agent: RunningAgent | null = null;

    beforeEach(async () => {
      dir = await makeTempDir('fleet-agent-');
    });

    afterEach(async () => {
      await agent?.stop();
      agent = null;
      await dir.cleanup();
    });

    it("shows the agent's own health message among fake devices, and offline once it stopped", async () => {
      const config = parseConfig(
        { device: { id: 'real-1' }, mqtt: { url: broker.url }, store: { path: 'buffer' }, status: { listen: 'off' }, sensors: [{ id: 'air', driver: 'simulated', interval: '200ms' }] },
        { env: {}, baseDir: dir.path, hostname: 'test-host' },
      );
      agent = await startAgent(config, silentLog);
      await device('pi-gone', health('pi-gone'), 'offline');
      let stdout = output();
      // Its first message may come before the first reading (sensor starting): poll until it shows 1/1 ok.
      for (let attempt = 0; attempt < 20; attempt += 1) {
        stdout = output();
        await runFleet({ broker: broker.url, prefix: undefined, wait: '300ms', json: true }, stdout, output());
        if ((JSON.parse(stdout.text) as Array<{ device: string; standing: string }>).some((row) => row.device === 'real-1' && row.standing === 'good')) break;
      }
      const rows = JSON.parse(stdout.text) as Array<{ device: string; standing: string; health: HealthMessage | null }>;
      expect(rows.map((row) => [row.device, row.standing])).toEqual([['pi-gone', 'offline'], ['real-1', 'good']]);
      expect(rows[1]!.health).toMatchObject({ device: 'real-1', sensors: { total: 1, ok: 1, failed: {} } });

      await agent.stop();
      agent = null;
      stdout = output();
      expect(await runFleet({ broker: broker.url, prefix: undefined, wait: '300ms', json: true }, stdout, output())).toBe(2);
      const after = JSON.parse(stdout.text) as Array<{ device: string; standing: string }>;
      expect(after.map((row) => [row.device, row.standing])).toEqual([['pi-gone', 'offline'], ['real-1', 'offline']]);
    });
  });
});
