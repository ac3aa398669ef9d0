// The command line of the built daemon (dist/sensor-agent.js) as a child process: version, help,
// exit codes, check-config's masked output, and broken configs rejected with exit 78 and one line
// per problem on stderr, before anything is touched.
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { driverDefinitions } from '../../src/sensors/registry.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli } from '../helpers/child-agent.js';

const EXIT_CONFIG = 78;
const SENSOR = '  - { id: greenhouse, driver: simulated }\n';
/** The driver names the loader lists, as the registry has them when the bundle was built. */
const DRIVERS = driverDefinitions.map((driver) => driver.name).join(', ');

beforeAll(async () => {
  await ensureBuilt();
});

afterAll(async () => {
  await cleanupChildAgents();
});

/** A temp folder holding `text` as config.yaml; returns the folder and the file. */
async function configIn(text: string): Promise<{ dir: string; file: string }> {
  const dir = await agentFolder('sensor-agent-cli-');
  const file = join(dir, 'config.yaml');
  await writeFile(file, text);
  return { dir, file };
}

describe('sensor-agent --version and --help', () => {
  it.concurrent.for(['--version', '-v'])('%s prints the package version', async (flag, { expect }) => {
    const result = await runCli([flag]);
    expect(result).toMatchObject({ code: 0, stdout: `${packageJson.version}\n` });
  });

  it.concurrent.for(['--help', '-h', 'help'])('%s exits 0 and describes run and check-config', async (flag, { expect }) => {
    const result = await runCli([flag]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sensor-agent run [--config FILE]');
    expect(result.stdout).toContain('sensor-agent check-config [--config FILE]');
    expect(result.stdout).toContain('SENSOR_AGENT_CONFIG');
  });

  // Usage mistakes are one line each, naming what is wrong and where help is (test/cli/usage.test.ts has more).
  it.concurrent('exits 1 with one line when no command is given', async ({ expect }) => {
    const result = await runCli([]);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: "sensor-agent: no command given (one of: run, check-config, doctor, scan-i2c, sign-config, fleet); see 'sensor-agent --help'\n" });
  });

  it.concurrent('exits 1 for an unknown command, naming it in one line', async ({ expect }) => {
    const result = await runCli(['frobnicate']);
    expect(result).toMatchObject({ code: 1, stderr: "sensor-agent: unknown command frobnicate; see 'sensor-agent --help'\n" });
  });

  it.concurrent('exits 1 for an unknown option', async ({ expect }) => {
    const result = await runCli(['run', '--frobnicate']);
    expect(result).toMatchObject({ code: 1, stderr: "sensor-agent: unknown option --frobnicate; see 'sensor-agent --help'\n" });
  });
});

describe('sensor-agent check-config', () => {
  const VALID = [
    'device: { id: greenhouse-7 }',
    'mqtt:',
    '  url: mqtt://broker.local:1883',
    '  username: agent',
    '  password: hunter2',
    '  keepalive: 15s',
    'store: { path: data/buffer }',
    'status: { listen: "127.0.0.1:0", token: s3cret-token }',
    'sensors:',
    '  - { id: greenhouse, driver: simulated, interval: 2s, signal: sine }',
    '',
  ].join('\n');

  it.concurrent('prints the effective config with defaults filled in and secrets masked', async ({ expect }) => {
    const { dir, file } = await configIn(VALID);
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout).not.toContain('s3cret-token');
    expect(result.stderr).toBe(`${file}: ok\n`);
    const printed = JSON.parse(result.stdout) as Record<string, Record<string, unknown>>;
    expect(printed.mqtt?.url).toBe('mqtt://broker.local:1883');
    expect(printed.mqtt).toMatchObject({
      url: 'mqtt://broker.local:1883',
      username: 'agent',
      password: '***',
      clientId: 'sensor-agent-greenhouse-7',
      topicPrefix: 'sensors/greenhouse-7',
      keepalive: 15_000,
      qos: 1,
    });
    expect(printed.status).toMatchObject({ listen: '127.0.0.1:0', token: '***' });
    expect(printed.store).toMatchObject({ path: join(dir, 'data/buffer'), overflow: 'drop-oldest' });
    expect(printed.sensors).toEqual([
      { id: 'greenhouse', driver: 'simulated', interval: 2000, options: { signal: 'sine', burst: 1, min: 0, max: 100, period: 60_000, decimals: 2 } },
    ]);
    // check-config only reads: the store folder is not created.
    expect(await readdir(dir)).toEqual(['config.yaml']);
  });

  it.concurrent('warns (exit 0) where the config asks for more than mqtt.brokerProfile allows', async ({ expect }) => {
    const text = [
      'mqtt: { url: "mqtt://broker.local:1883", brokerProfile: azure-iot-hub, qos: 2, maxPacketSize: 1MB }',
      'sensors:',
      '  - { id: door, driver: simulated, retain: true }',
      '  - { id: air, driver: simulated, qos: 1 }',
      '',
    ].join('\n');
    const { file } = await configIn(text);
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('warning: '))).toEqual([
      'warning: mqtt.qos: 2 is more than mqtt.brokerProfile azure-iot-hub allows (QoS 1); published at QoS 1',
      'warning: sensors[0].retain (door): true is more than mqtt.brokerProfile azure-iot-hub allows (no retained messages); published without retain',
      'warning: mqtt.maxPacketSize: 1000000 bytes is more than mqtt.brokerProfile azure-iot-hub allows (262144 bytes); larger messages are refused or dropped',
    ]);
    expect(result.stderr).toContain(`${file}: ok`);
  });

  it.concurrent('prints the line each calibrate filter fits', async ({ expect }) => {
    const { file } = await configIn('sensors:\n  - { id: room, driver: bme280, filters: { humidity: [{ calibrate: [[20, 22.5], [80, 79.1]] }] } }\n');
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`sensors[0].filters.humidity[0].calibrate: true = 0.943333 × raw + 3.63333 (worst residual 0)\n${file}: ok\n`);
  });

  it.concurrent('reads the config named by SENSOR_AGENT_CONFIG when --config is absent', async ({ expect }) => {
    const { file } = await configIn(VALID);
    const result = await runCli(['check-config'], { env: { SENSOR_AGENT_CONFIG: file } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`${file}: ok\n`);
    expect(JSON.parse(result.stdout)).toMatchObject({ device: { id: 'greenhouse-7' } });
  });

  it.concurrent('prefers --config over SENSOR_AGENT_CONFIG', async ({ expect }) => {
    const { file } = await configIn(VALID);
    const result = await runCli(['check-config', '--config', file], { env: { SENSOR_AGENT_CONFIG: '/nonexistent/other.yaml' } });
    expect(result.code).toBe(0);
  });

  it.concurrent('applies SENSOR_AGENT_* overrides to the printed config', async ({ expect }) => {
    const { file } = await configIn(VALID);
    const result = await runCli(['check-config', '-c', file], { env: { SENSOR_AGENT_MQTT__QOS: '2', SENSOR_AGENT_MQTT__PASSWORD: 'from-env' } });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('from-env');
    expect(JSON.parse(result.stdout)).toMatchObject({ mqtt: { qos: 2, password: '***' } });
  });

  it.concurrent.for(['check-config', 'run'])('%s: a missing config file exits 78 naming the file', async (command, { expect }) => {
    const dir = await agentFolder('sensor-agent-cli-');
    const file = join(dir, 'missing.yaml');
    const viaFlag = await runCli([command, '--config', file], { env: { STATE_DIRECTORY: join(dir, 'state') } });
    expect(viaFlag).toMatchObject({ code: EXIT_CONFIG, stderr: `config file ${file}: not found\n` });
    const viaEnv = await runCli([command], { env: { SENSOR_AGENT_CONFIG: file, STATE_DIRECTORY: join(dir, 'state') } });
    expect(viaEnv).toMatchObject({ code: EXIT_CONFIG, stderr: `config file ${file}: not found\n` });
    expect(await readdir(dir)).toEqual([]);
  });

  it.skipIf(existsSync('/etc/sensor-agent/config.yaml'))('falls back to /etc/sensor-agent/config.yaml', async () => {
    const result = await runCli(['check-config']);
    expect(result).toMatchObject({ code: EXIT_CONFIG, stderr: 'config file /etc/sensor-agent/config.yaml: not found\n' });
  });
});

/** Broken configs and the single line each must produce (wording from test/config/errors.test.ts). */
const BROKEN: Array<[string, string | ((dir: string) => string)]> = [
  ['mqtt:\n  qos: 3\nsensors:\n' + SENSOR, 'mqtt.qos: 3 is not one of 0, 1, 2'],
  ['mqtt:\n  qso: 1\nsensors:\n' + SENSOR, 'mqtt.qso: unknown key (did you mean mqtt.qos?)'],
  ['mqtt:\n  url: http://broker\nsensors:\n' + SENSOR, 'mqtt.url: "http://broker" has the scheme http (expected mqtt, mqtts, ws or wss)'],
  ['mqtt:\n  keepalive: 500ms\nsensors:\n' + SENSOR, 'mqtt.keepalive: "500ms" is too short (at least 1000ms)'],
  ['mqtt:\n  topicPrefix: sensors/#\nsensors:\n' + SENSOR, 'mqtt.topicPrefix: "sensors/#" must not contain the MQTT wildcards + or #'],
  ['mqtt:\n  reconnect: { min: 2m, max: 1m }\nsensors:\n' + SENSOR, 'mqtt.reconnect.min: "2m" is longer than mqtt.reconnect.max (60000ms)'],
  ['mqtt:\n  tls: { cert: /dev/null }\nsensors:\n' + SENSOR, 'mqtt.tls.key: missing (mqtt.tls.cert needs its private key file)'],
  ['mqtt:\n  password: 1234\nsensors:\n' + SENSOR, 'mqtt.password: "***" is not a password'],
  ['device:\n  id: Green House\nsensors:\n' + SENSOR, 'device.id: "Green House" is not a valid id (lowercase letters, digits, _ and -)'],
  ['store:\n  maxBytes: 1KB\nsensors:\n' + SENSOR, 'store.maxBytes: "1KB" is too small (at least 64000 bytes)'],
  ['status:\n  listen: "8080"\nsensors:\n' + SENSOR, 'status.listen: "8080" is not "off" or host:port (examples: 0.0.0.0:8080, [::1]:8080)'],
  ['status:\n  tokenFile: token.txt\nsensors:\n' + SENSOR, (dir) => `status.tokenFile: "token.txt" cannot be read (${dir}/token.txt: not found)`],
  ['log:\n  level: verbose\nsensors:\n' + SENSOR, 'log.level: "verbose" is not one of fatal, error, warn, info, debug, trace, silent'],
  ['sensors: []\n', 'sensors: [] is empty (expected at least 1 sensor)'],
  ['mqtt: {}\n', 'sensors: missing (expected a list of sensors)'],
  ['sensors:\n  - { id: a, driver: bme999 }\n', `sensors[0].driver: "bme999" is not a known driver (one of: ${DRIVERS})`],
  ['sensors:\n  - { id: a, driver: simulated }\n  - { id: b, driver: simulated }\n  - { id: c, driver: simulated, interval: 5 min }\n',
    'sensors[2].interval: "5 min" is not a duration (examples: 500ms, 5s, 1m)'],
  ['sensors:\n  - { id: a, driver: simulated, intervall: 5s }\n', 'sensors[0].intervall: unknown key (did you mean sensors[0].interval?)'],
  ['sensors:\n  - { id: x, driver: simulated }\n  - { id: x, driver: system }\n', 'sensors[1].id: "x" is already used by sensors[0]'],
  ['color: blue\nsensors:\n' + SENSOR, 'color: unknown key'],
];

describe.each([['check-config'], ['run']])('sensor-agent %s with a broken config', (command) => {
  it.concurrent.for(BROKEN)('%j → exit 78, one line on stderr', async ([text, expected], { expect }) => {
    const { dir, file } = await configIn(text);
    // The default store folder would be <dir>/state/buffer: a bad config must not create it.
    const result = await runCli([command, '--config', file], { env: { STATE_DIRECTORY: join(dir, 'state') } });
    expect(result.code).toBe(EXIT_CONFIG);
    expect(result.stderr).toBe(`${typeof expected === 'function' ? expected(dir) : expected}\n`);
    expect(result.stdout).toBe('');
    expect(await readdir(dir)).toEqual(['config.yaml']);
  });
});

describe('sensor-agent run with several problems', () => {
  it('prints every problem, one per line, and touches nothing', async () => {
    const { dir, file } = await configIn('mqtt:\n  qos: 3\n  qso: 1\nlog:\n  level: loud\nstore: { path: buffer }\nsensors:\n  - { id: A, driver: nope }\n');
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(EXIT_CONFIG);
    expect(result.stderr.split('\n')).toEqual([
      'mqtt.qos: 3 is not one of 0, 1, 2',
      'mqtt.qso: unknown key (did you mean mqtt.qos?)',
      'log.level: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
      `sensors[0].driver: "nope" is not a known driver (one of: ${DRIVERS})`,
      '',
    ]);
    expect(await readdir(dir)).toEqual(['config.yaml']);
  });
});
