// SENSOR_AGENT_* environment overrides of single keys.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { MINIMAL, configFile } from './fixture.js';

const loadWith = async (env: NodeJS.ProcessEnv, text = MINIMAL) => loadConfig(await configFile(text), env, { hostname: 'h' });

async function envProblems(env: NodeJS.ProcessEnv, text = MINIMAL): Promise<string[]> {
  const error = await loadWith(env, text).then(() => undefined, (rejection: unknown) => rejection);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('environment overrides', () => {
  it('sets a key by its path, case-insensitively and ignoring _', async () => {
    const config = await loadWith({
      SENSOR_AGENT_MQTT__URL: 'mqtt://broker:1883',
      SENSOR_AGENT_MQTT__CLIENT_ID: 'from-env',
      SENSOR_AGENT_MQTT__RECONNECT__MAX: '30s',
      SENSOR_AGENT_LOG__LEVEL: 'debug',
    });
    expect(config.mqtt).toMatchObject({ url: 'mqtt://broker:1883', clientId: 'from-env', reconnect: { max: 30_000 } });
    expect(config.log.level).toBe('debug');
  });

  it('accepts the key without underscores too', async () => {
    const config = await loadWith({ SENSOR_AGENT_MQTT__CLIENTID: 'x', SENSOR_AGENT_STORE__MAX_BYTES: '1MB' });
    expect(config.mqtt.clientId).toBe('x');
    expect(config.store.maxBytes).toBe(1_000_000);
  });

  it('parses values as YAML scalars', async () => {
    const config = await loadWith({ SENSOR_AGENT_MQTT__QOS: '2', SENSOR_AGENT_MQTT__RETAIN: 'true', SENSOR_AGENT_MQTT__KEEPALIVE: '5000' });
    expect(config.mqtt).toMatchObject({ qos: 2, retain: true, keepalive: 5000 });
  });

  it('keeps string-only values as written', async () => {
    const config = await loadWith({ SENSOR_AGENT_MQTT__PASSWORD: '0123', SENSOR_AGENT_MQTT__USERNAME: 'true' });
    expect(config.mqtt).toMatchObject({ password: '0123', username: 'true' });
  });

  it('overrides a sensor by its index, including its driver options', async () => {
    const config = await loadWith({ SENSOR_AGENT_SENSORS__0__INTERVAL: '5s', SENSOR_AGENT_SENSORS__0__SIGNAL: 'counter' });
    expect(config.sensors[0]).toMatchObject({ id: 'greenhouse', interval: 5000, options: { signal: 'counter' } });
  });

  it('adds the next sensor of the list', async () => {
    const config = await loadWith({ SENSOR_AGENT_SENSORS__1__ID: 'cpu', SENSOR_AGENT_SENSORS__1__DRIVER: 'system' });
    expect(config.sensors.map((sensor) => sensor.id)).toEqual(['greenhouse', 'cpu']);
  });

  it('ignores SENSOR_AGENT_CONFIG, the CLI config path', async () => {
    await expect(loadWith({ SENSOR_AGENT_CONFIG: '/etc/sensor-agent/config.yaml' })).resolves.toBeDefined();
  });

  it.each([
    [{ SENSOR_AGENT_MQTT__QSO: '1' }, 'SENSOR_AGENT_MQTT__QSO: unknown key mqtt.qso (did you mean mqtt.qos?)'],
    [{ SENSOR_AGENT_MQTT__CLIENT_IDD: 'x' }, 'SENSOR_AGENT_MQTT__CLIENT_IDD: unknown key mqtt.client_idd (did you mean mqtt.clientId?)'],
    [{ SENSOR_AGENT_BROKER: 'x' }, 'SENSOR_AGENT_BROKER: unknown key broker'],
    [{ SENSOR_AGENT_SENSORS__0__SYSFS_ROOT: '/x' }, 'SENSOR_AGENT_SENSORS__0__SYSFS_ROOT: unknown key sensors[0].sysfs_root'],
    [{ SENSOR_AGENT_SENSORS__FIRST__ID: 'x' }, 'SENSOR_AGENT_SENSORS__FIRST__ID: sensors is a list: expected an index, not "FIRST"'],
    [{ SENSOR_AGENT_SENSORS__5__ID: 'x' }, 'SENSOR_AGENT_SENSORS__5__ID: sensors[5] does not exist (the list has 1 entries; add them in order)'],
    [{ SENSOR_AGENT_MQTT__URL__HOST: 'x' }, 'SENSOR_AGENT_MQTT__URL__HOST: unknown key mqtt.url.host'],
    [{ SENSOR_AGENT_MQTT__QOS: '3' }, 'mqtt.qos: 3 is not one of 0, 1, 2'],
  ])('%j → %s', async (env, expected) => {
    expect(await envProblems(env)).toEqual([expected]);
  });

  it('reports override problems together with the file problems', async () => {
    const problems = await envProblems({ SENSOR_AGENT_LOG__LEVL: 'debug' }, `mqtt: { qos: 7 }\n${MINIMAL}`);
    expect(problems).toEqual([
      'SENSOR_AGENT_LOG__LEVL: unknown key log.levl (did you mean log.level?)',
      'mqtt.qos: 7 is not one of 0, 1, 2',
    ]);
  });
});
