// Loading valid configs: defaults, resolved units and paths, secrets read from files, and the
// file-level failures (missing file, YAML syntax).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, maskSecrets, parseConfig } from '../../src/config/load.js';
import { maskUrlCredentials } from '../../src/config/mask-url.js';
import { MINIMAL, configFile, tempFolder } from './fixture.js';

const load = (file: string, env: NodeJS.ProcessEnv = {}) => loadConfig(file, env, { hostname: 'Greenhouse.Local' });

describe('loadConfig', () => {
  it('fills every default for a minimal config', async () => {
    const config = await load(await configFile(MINIMAL));
    expect(config).toEqual({
      device: { id: 'greenhouse-local' },
      mqtt: {
        url: 'mqtt://127.0.0.1:1883',
        clientId: 'sensor-agent-greenhouse-local',
        password: undefined,
        passwordFile: undefined,
        tls: { rejectUnauthorized: true },
        protocolVersion: 5,
        keepalive: 30_000,
        topicPrefix: 'sensors/greenhouse-local',
        qos: 1,
        retain: false,
        maxInflight: undefined,
        maxPacketSize: undefined,
        brokerProfile: undefined,
        reconnect: { min: 1000, max: 60_000 },
        healthInterval: 60_000,
      },
      store: { path: '/var/lib/sensor-agent/buffer', maxBytes: 256_000_000, keepFree: { percent: 5 }, overflow: 'drop-oldest', commitInterval: 5000 },
      status: { listen: '0.0.0.0:8080', maxClients: 16, token: undefined, tokenFile: undefined },
      log: { level: 'info' },
      hardware: { gpio: 'auto', gpioRoot: '/sys/class/gpio', oneWireRoot: '/sys/bus/w1/devices', iioRoot: '/sys/bus/iio/devices', hwmonRoot: '/sys/class/hwmon', i2cDevicesRoot: '/sys/bus/i2c/devices' },
      simulate: { i2c: {}, gpio: {} },
      homeassistant: { enabled: false, discoveryPrefix: 'homeassistant', retain: true, statusTopic: 'homeassistant/status', discovery: 'device', announceDelay: 5000 },
      remote: { config: false, locked: ['mqtt.url', 'mqtt.username', 'mqtt.password', 'mqtt.passwordFile', 'mqtt.tls'], healthTimeout: 60_000 },
      sensors: [
        {
          id: 'greenhouse',
          driver: 'simulated',
          interval: 10_000,
          options: { signal: 'sine', burst: 1, min: 0, max: 100, period: 60_000, decimals: 2 },
        },
      ],
      outputs: [],
    });
  });

  it('resolves a full config: durations to ms, sizes to bytes, {deviceId} in the topic prefix', async () => {
    const file = await configFile(`
device: { id: greenhouse-07 }
mqtt:
  url: mqtts://broker.example:8883
  clientId: gh7
  username: agent
  password: s3cret
  protocolVersion: 4
  keepalive: 1m
  topicPrefix: farm/{deviceId}/data
  qos: 2
  retain: true
  maxInflight: 10
  reconnect: { min: 500ms, max: 2m }
store: { path: buffer, maxBytes: 1GiB, keepFree: 200MB, maxReadings: 100000, overflow: drop-newest, commitInterval: 250 }
status: { listen: "[::1]:0", token: abc }
log: { level: debug }
sensors:
  - { id: cpu, driver: system, interval: 1m, qos: 0, retain: false, topic: farm/cpu, thermalZone: 1 }
  - { id: wave, driver: simulated, signal: step, period: 10s }
`);
    const config = await load(file);
    expect(config.device.id).toBe('greenhouse-07');
    expect(config.mqtt).toMatchObject({
      url: 'mqtts://broker.example:8883', clientId: 'gh7', username: 'agent', password: 's3cret', protocolVersion: 4,
      keepalive: 60_000, topicPrefix: 'farm/greenhouse-07/data', qos: 2, retain: true, maxInflight: 10,
      reconnect: { min: 500, max: 120_000 },
    });
    expect(config.store).toEqual({
      path: join(file, '..', 'buffer'), maxBytes: 1024 ** 3, keepFree: { bytes: 200_000_000 }, maxReadings: 100_000, overflow: 'drop-newest', commitInterval: 250,
    });
    expect(config.status).toMatchObject({ listen: '[::1]:0', token: 'abc' });
    expect(config.log.level).toBe('debug');
    expect(config.sensors).toEqual([
      { id: 'cpu', driver: 'system', interval: 60_000, qos: 0, retain: false, topic: 'farm/cpu',
        options: { sysfsRoot: '/sys', procRoot: '/proc', thermalZone: 1 } },
      { id: 'wave', driver: 'simulated', interval: 10_000,
        options: { signal: 'step', burst: 1, min: 0, max: 100, period: 10_000, decimals: 2 } },
    ]);
  });

  it('reads JSON as well as YAML', async () => {
    const file = await configFile(JSON.stringify({ $schema: './sensor-agent.schema.json', sensors: [{ id: 'a', driver: 'simulated' }] }), 'config.json');
    expect((await load(file)).sensors[0]?.id).toBe('a');
  });

  it.each(['off', ':8080', '127.0.0.1:0', '[::]:8080'])('accepts status.listen %s', async (listen) => {
    const config = await load(await configFile(`status: { listen: "${listen}" }\n${MINIMAL}`));
    expect(config.status.listen).toBe(listen);
  });

  it('takes status.maxClients, a whole number from 1', async () => {
    expect((await load(await configFile(`status: { maxClients: 250 }\n${MINIMAL}`))).status.maxClients).toBe(250);
    await expect(load(await configFile(`status: { maxClients: 0 }\n${MINIMAL}`))).rejects.toThrow(/status\.maxClients/);
    await expect(load(await configFile(`status: { maxClients: 2.5 }\n${MINIMAL}`))).rejects.toThrow(/status\.maxClients/);
  });

  it('treats an empty section as absent', async () => {
    const config = await load(await configFile(`mqtt:\nstatus:\n${MINIMAL}`));
    expect(config.mqtt.url).toBe('mqtt://127.0.0.1:1883');
  });

  it('keeps the buffer in $STATE_DIRECTORY when systemd sets it', async () => {
    const config = await load(await configFile(MINIMAL), { STATE_DIRECTORY: '/var/lib/sensor-agent:/var/lib/other' });
    expect(config.store.path).toBe('/var/lib/sensor-agent/buffer');
    const other = await load(await configFile(MINIMAL), { STATE_DIRECTORY: '/srv/state' });
    expect(other.store.path).toBe('/srv/state/buffer');
  });

  it('reads passwordFile and tokenFile, expanding ${VAR} and trimming the trailing newline', async () => {
    const credentials = await tempFolder({ 'mqtt-password': 'pa ss\n', token: 'tok\r\n' });
    const file = await configFile(
      `mqtt:\n  passwordFile: \${CREDENTIALS_DIRECTORY}/mqtt-password\nstatus:\n  tokenFile: ${join(credentials, 'token')}\n${MINIMAL}`,
    );
    const config = await load(file, { CREDENTIALS_DIRECTORY: credentials });
    expect(config.mqtt.password).toBe('pa ss');
    expect(config.mqtt.passwordFile).toBe(join(credentials, 'mqtt-password'));
    expect(config.status.token).toBe('tok');
  });

  it('resolves TLS files against the config file folder', async () => {
    const file = await configFile(`mqtt:\n  tls: { ca: ca.pem, cert: c.pem, key: k.pem, rejectUnauthorized: false }\n${MINIMAL}`, 'config.yaml', {
      'ca.pem': 'CA', 'c.pem': 'CERT', 'k.pem': 'KEY',
    });
    const dir = join(file, '..');
    expect((await load(file)).mqtt.tls).toEqual({
      ca: join(dir, 'ca.pem'), cert: join(dir, 'c.pem'), key: join(dir, 'k.pem'), rejectUnauthorized: false,
    });
  });

  it('reports a missing config file', async () => {
    const dir = await tempFolder();
    const file = join(dir, 'nope.yaml');
    await expect(load(file)).rejects.toThrow(new ConfigError([`config file ${file}: not found`]));
  });

  it('reports a YAML syntax error with its line and column', async () => {
    const file = await configFile('mqtt:\n  url: mqtt://a: b\nsensors: []\n');
    await expect(load(file)).rejects.toMatchObject({
      problems: [`config file ${file}: line 2, column 8: Nested mappings are not allowed in compact mappings`],
    });
  });

  it('reports duplicate keys as YAML errors', async () => {
    const file = await configFile('log: { level: info }\nlog: { level: debug }\n' + MINIMAL);
    await expect(load(file)).rejects.toMatchObject({ problems: [expect.stringContaining(`config file ${file}: line 2, column 1:`)] });
  });

  it('rejects a file whose top level is not a mapping', async () => {
    const file = await configFile('- a\n- b\n');
    await expect(load(file)).rejects.toThrow(`config file ${file}: the top level is a list, not a mapping of settings`);
  });
});

describe('the shipped configs', () => {
  it('config/demo.yaml is valid', async () => {
    const config = await load(fileURLToPath(new URL('../../config/demo.yaml', import.meta.url)));
    expect(config.sensors.length).toBeGreaterThan(0);
  });
});

describe('parseConfig', () => {
  it('validates config data built in code', () => {
    const config = parseConfig({ sensors: [{ id: 'a', driver: 'simulated', interval: 50 }] }, { env: {}, baseDir: '/', hostname: 'h' });
    expect(config.sensors[0]?.interval).toBe(50);
  });
});

describe('maskSecrets', () => {
  it('hides the password and the token, and only them', async () => {
    const config = await load(await configFile(`mqtt: { password: pw, username: u }\nstatus: { token: tk }\n${MINIMAL}`));
    const masked = maskSecrets(config);
    expect(masked.mqtt).toMatchObject({ password: '***', username: 'u' });
    expect(masked.status.token).toBe('***');
    expect(config.mqtt.password).toBe('pw');
  });

  it('masks a password inside mqtt.url, keeping the user name, host and port', async () => {
    const config = await load(await configFile(`mqtt: { url: "mqtt://user:urlpass@127.0.0.1:1883" }\n${MINIMAL}`));
    expect(maskSecrets(config).mqtt.url).toBe('mqtt://user:***@127.0.0.1:1883');
    expect(config.mqtt.url).toBe('mqtt://user:urlpass@127.0.0.1:1883');
  });

  it.each([
    ['wss://broker.example/mqtt?x-amz-customauthorizer-signature=abc&token=t0k&clientTag=a', 'wss://broker.example/mqtt?x-amz-customauthorizer-signature=***&token=***&clientTag=a'],
    ['mqtt://broker:1883', 'mqtt://broker:1883'],
    ['mqtts://only-user@broker:8883', 'mqtts://only-user@broker:8883'],
    ['mqtt://u:p%40ss@broker', 'mqtt://u:***@broker'],
    ['not a url://u:secret@x', 'not a url://u:***@x'],
  ])('maskUrlCredentials(%j) → %j', (url, shown) => {
    expect(maskUrlCredentials(url)).toBe(shown);
  });

  it('leaves unset secrets unset', async () => {
    const masked = maskSecrets(await load(await configFile(MINIMAL)));
    expect(masked.mqtt.password).toBeUndefined();
    expect(masked.status.token).toBeUndefined();
  });
});
