// Broken configs and the exact line each produces: the wording is what a technician reads, so it
// is specified here line by line.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { configFile } from './fixture.js';
import { driverDefinitions } from '../../src/sensors/registry.js';

const DRIVERS = driverDefinitions.map((driver) => driver.name).join(', ');

const SENSOR = '  - { id: greenhouse, driver: simulated }\n';

/** The problems loading `text` gives (it must be rejected). */
async function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const file = await configFile(text);
  const error = await loadConfig(file, env, { hostname: 'test-host' }).then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('broken configs', () => {
  it.each([
    ['mqtt:\n  qos: 3\nsensors:\n' + SENSOR, 'mqtt.qos: 3 is not one of 0, 1, 2'],
    ['mqtt:\n  qso: 1\nsensors:\n' + SENSOR, 'mqtt.qso: unknown key (did you mean mqtt.qos?)'],
    ['mqtt:\n  brokerz: x\nsensors:\n' + SENSOR, 'mqtt.brokerz: unknown key'],
    ['mqtt:\n  url: http://broker\nsensors:\n' + SENSOR, 'mqtt.url: "http://broker" has the scheme http (expected mqtt, mqtts, ws or wss)'],
    ['mqtt:\n  url: broker\nsensors:\n' + SENSOR, 'mqtt.url: "broker" is not a URL such as mqtt://broker:1883'],
    ['mqtt:\n  url: 1883\nsensors:\n' + SENSOR, 'mqtt.url: 1883 is not a URL such as mqtt://broker:1883'],
    ['mqtt:\n  protocolVersion: 3\nsensors:\n' + SENSOR, 'mqtt.protocolVersion: 3 is not one of 4, 5'],
    ['mqtt:\n  keepalive: 500ms\nsensors:\n' + SENSOR, 'mqtt.keepalive: "500ms" is too short (at least 1000ms)'],
    ['mqtt:\n  topicPrefix: sensors/#\nsensors:\n' + SENSOR, 'mqtt.topicPrefix: "sensors/#" must not contain the MQTT wildcards + or #'],
    ['mqtt:\n  topicPrefix: /sensors\nsensors:\n' + SENSOR, 'mqtt.topicPrefix: "/sensors" must not start or end with \'/\''],
    ['mqtt:\n  maxInflight: 0\nsensors:\n' + SENSOR, 'mqtt.maxInflight: 0 is too small (at least 1)'],
    ['mqtt:\n  maxInflight: 70000\nsensors:\n' + SENSOR, 'mqtt.maxInflight: 70000 is too large (at most 65535)'],
    ['mqtt:\n  maxInflight: 1.5\nsensors:\n' + SENSOR, 'mqtt.maxInflight: 1.5 is not a whole number'],
    ['mqtt:\n  retain: "yes"\nsensors:\n' + SENSOR, 'mqtt.retain: "yes" is not true or false'],
    ['sensors:\n  - { id: door, driver: simulated, priority: urgent }\n', 'sensors[0].priority: "urgent" is not a priority (expected normal or high)'],
    ['sensors:\n' + SENSOR + 'outputs:\n  - { id: pump, driver: gpio-output, pin: 22, priority: 1 }\n', 'outputs[0].priority: 1 is not a priority (expected normal or high)'],
    ['mqtt:\n  reconnect: { min: 2m, max: 1m }\nsensors:\n' + SENSOR, 'mqtt.reconnect.min: "2m" is longer than mqtt.reconnect.max (60000ms)'],
    ['mqtt:\n  tls: { cert: /dev/null }\nsensors:\n' + SENSOR, 'mqtt.tls.key: missing (mqtt.tls.cert needs its private key file)'],
    ['mqtt: 5\nsensors:\n' + SENSOR, 'mqtt: 5 is not a mapping of MQTT settings'],
    ['device:\n  id: Green House\nsensors:\n' + SENSOR, 'device.id: "Green House" is not a valid id (lowercase letters, digits, _ and -)'],
    ['store:\n  maxBytes: 1KB\nsensors:\n' + SENSOR, 'store.maxBytes: "1KB" is too small (at least 64000 bytes)'],
    ['store:\n  maxBytes: lots\nsensors:\n' + SENSOR, 'store.maxBytes: "lots" is not a size (examples: 64KB, 256MB, 1GB)'],
    ['store:\n  maxReadings: 0\nsensors:\n' + SENSOR, 'store.maxReadings: 0 is too small (at least 1)'],
    ['store:\n  overflow: drop-all\nsensors:\n' + SENSOR, 'store.overflow: "drop-all" is not one of drop-oldest, drop-newest, downsample'],
    ['store:\n  commitInterval: 1ms\nsensors:\n' + SENSOR, 'store.commitInterval: "1ms" is too short (at least 10ms)'],
    ['status:\n  listen: "8080"\nsensors:\n' + SENSOR, 'status.listen: "8080" is not "off" or host:port (examples: 0.0.0.0:8080, [::1]:8080)'],
    ['status:\n  listen: 0.0.0.0:70000\nsensors:\n' + SENSOR, 'status.listen: "0.0.0.0:70000" has port 70000, out of range (0 to 65535; 0 picks a free port)'],
    ['status:\n  listen: 127.0.0.1:99999\nsensors:\n' + SENSOR, 'status.listen: "127.0.0.1:99999" has port 99999, out of range (0 to 65535; 0 picks a free port)'],
    ['mqtt:\n  url: mqtt://broker:99999\nsensors:\n' + SENSOR, 'mqtt.url: "mqtt://broker:99999" has port 99999, out of range (1 to 65535)'],
    // A URL is echoed with its password masked, as check-config prints it.
    ['mqtt:\n  url: "mqtt://agent:urlpass@broker:99999"\nsensors:\n' + SENSOR, 'mqtt.url: "mqtt://agent:***@broker:99999" has port 99999, out of range (1 to 65535)'],
    ['mqtt:\n  url: "http://agent:urlpass@broker"\nsensors:\n' + SENSOR, 'mqtt.url: "http://agent:***@broker" has the scheme http (expected mqtt, mqtts, ws or wss)'],
    ['status:\n  tokenFile: token.txt\nsensors:\n' + SENSOR, 'status.tokenFile: "token.txt" cannot be read (TMP/token.txt: not found)'],
    ['hardware:\n  gpio: cdevv\nsensors:\n' + SENSOR, 'hardware.gpio: "cdevv" is not one of auto, cdev, sysfs (did you mean cdev?)'],
    ['hardware:\n  gpio: gpiod\nsensors:\n' + SENSOR, 'hardware.gpio: "gpiod" is not one of auto, cdev, sysfs'],
    ['log:\n  level: verbose\nsensors:\n' + SENSOR, 'log.level: "verbose" is not one of fatal, error, warn, info, debug, trace, silent'],
    ['sensors: []\n', 'sensors: [] is empty (expected at least 1 sensor)'],
    ['mqtt: {}\n', 'sensors: missing (expected a list of sensors)'],
    ['sensors: greenhouse\n', 'sensors: "greenhouse" is not a list of sensors'],
    // Found by the fault suite (test/faults/bad-input.test.ts): a mapping crashed the id check; a
    // delay past Node's timer limit would fire after 1 ms.
    ['sensors:\n  a: { driver: simulated }\n', 'sensors: {"a":{"driver":"simulated"}} is not a list of sensors'],
    ['sensors:\n  - { id: a, driver: simulated, interval: 30d }\n', 'sensors[0].interval: "30d" is too long (at most 24d)'],
    ['sensors:\n  - { id: a, driver: bme999 }\n', `sensors[0].driver: "bme999" is not a known driver (one of: ${DRIVERS})`],
    ['sensors:\n  - { id: a }\n', `sensors[0].driver: missing (expected one of: ${DRIVERS})`],
    ['sensors:\n  - { driver: simulated }\n', 'sensors[0].id: missing (expected a valid id (lowercase letters, digits, _ and -))'],
    ['sensors:\n  - { id: a, driver: simulated }\n  - { id: b, driver: simulated }\n  - { id: c, driver: simulated, interval: 5 min }\n',
      'sensors[2].interval: "5 min" is not a duration (examples: 500ms, 5s, 1m)'],
    ['sensors:\n  - { id: a, driver: simulated, interval: 5ms }\n', 'sensors[0].interval: "5ms" is too short (at least 10ms)'],
    ['sensors:\n  - { id: a, driver: simulated, intervall: 5s }\n', 'sensors[0].intervall: unknown key (did you mean sensors[0].interval?)'],
    ['sensors:\n  - { id: a, driver: simulated, signal: saw }\n', 'sensors[0].signal: "saw" is not one of sine, random, counter, step'],
    ['sensors:\n  - { id: a, driver: system, signal: sine }\n', 'sensors[0].signal: unknown key for driver system (signal is an option of simulated)'],
    // Another driver's key is named as such, not "corrected" to a key one letter away (pin → min).
    ['sensors:\n  - { id: a, driver: simulated, pin: 4 }\n', 'sensors[0].pin: unknown key for driver simulated (pin is an option of gpio-input)'],
    ['sensors:\n  - { id: a, driver: gpio-input, pin: 4, bus: 1 }\n', `sensors[0].bus: unknown key for driver gpio-input (bus is an option of ${driverDefinitions.filter((d) => ['bme280', 'bmp280', 'sht3x', 'sht4x', 'bh1750', 'ads1115', 'ina219', 'mcp9808'].includes(d.name)).map((d) => d.name).join(', ')})`],
    ['sensors:\n  - { id: a, driver: simulated, mni: 4 }\n', 'sensors[0].mni: unknown key (did you mean sensors[0].min?)'],
    ['sensors:\n  - { id: a, driver: simulated, mix: 4 }\n', 'sensors[0].mix: unknown key'],
    // YAML reads 0x99 as 153: the address is echoed as it was written, in hex.
    ['sensors:\n  - { id: a, driver: bme280, address: 0x99 }\n', 'sensors[0].address: 0x99 is not an I2C address (7-bit addresses 0x03 to 0x77, such as 0x76)'],
    ['sensors:\n  - { id: a, driver: bme280, address: "0x99" }\n', 'sensors[0].address: "0x99" is not an I2C address (7-bit addresses 0x03 to 0x77, such as 0x76)'],
    ['sensors:\n  - { id: a, driver: bme280, address: left }\n', 'sensors[0].address: "left" is not an I2C address such as 0x76 (or the number 118)'],
    ['sensors:\n  - { id: a, driver: simulated, qos: 5 }\n', 'sensors[0].qos: 5 is not one of 0, 1, 2'],
    ['sensors:\n  - { id: a, driver: simulated, topic: "a/+/b" }\n', 'sensors[0].topic: "a/+/b" must not contain the MQTT wildcards + or #'],
    ['sensors:\n  - 5\n', 'sensors[0]: 5 is not a sensor (a mapping with id, driver, ...)'],
    ['sensors:\n  - { id: x, driver: simulated }\n  - { id: y, driver: simulated }\n  - { id: z, driver: simulated }\n  - { id: x, driver: system }\n',
      'sensors[3].id: "x" is already used by sensors[0]'],
    ['color: blue\nsensors:\n' + SENSOR, 'color: unknown key'],
    ['mqtt:\n  password: 1234\nsensors:\n' + SENSOR, 'mqtt.password: "***" is not a password'],
  ])('%j → %s', async (text, expected) => {
    const problems = await problemsOf(text);
    expect(problems.map((problem) => problem.replace(/\/\S*sensor-agent-config-\w+/, 'TMP'))).toEqual([expected]);
  });

  it('says an empty file is empty, and a file of comments has no settings', async () => {
    expect(await problemsOf('')).toEqual([expect.stringMatching(/: the file is empty \(expected settings, at least a sensors: list\)$/)]);
    expect(await problemsOf('\n  \n')).toEqual([expect.stringMatching(/: the file is empty/)]);
    expect(await problemsOf('# mqtt:\n#   url: mqtt://broker\n')).toEqual([expect.stringMatching(/: the file has no settings, only comments/)]);
  });

  it('reads a .json file as JSON: a trailing comma is an error with its line and column', async () => {
    const file = await configFile('{\n  "sensors": [\n    { "id": "a", "driver": "simulated" },\n  ]\n}\n', 'config.json');
    await expect(loadConfig(file, {})).rejects.toMatchObject({
      problems: [`config file ${file}: line 3, column 41: not valid JSON (a trailing comma before a closing bracket is not allowed in JSON)`],
    });
    const missingComma = await configFile('{ "sensors": [ { "id": "a" "driver": "simulated" } ] }', 'config.json');
    await expect(loadConfig(missingComma, {})).rejects.toMatchObject({ problems: [expect.stringMatching(/^config file .*config\.json: (line 1, column \d+: )?not valid JSON \(/)] });
    // The same text in a .yaml file is YAML, which allows it.
    const yaml = await configFile('{\n  "sensors": [\n    { "id": "a", "driver": "simulated" },\n  ]\n}\n', 'config.yaml');
    await expect(loadConfig(yaml, {})).resolves.toMatchObject({ sensors: [{ id: 'a' }] });
  });

  it('lists every problem, not just the first', async () => {
    const problems = await problemsOf('mqtt:\n  qos: 3\n  qso: 1\nlog:\n  level: loud\nsensors:\n  - { id: A, driver: nope }\n');
    expect(problems).toEqual([
      'mqtt.qos: 3 is not one of 0, 1, 2',
      'mqtt.qso: unknown key (did you mean mqtt.qos?)',
      'log.level: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
      `sensors[0].driver: "nope" is not a known driver (one of: ${DRIVERS})`,
    ]);
  });

  it('names the config file in the message, with one problem per line', async () => {
    const file = await configFile('mqtt:\n  qos: 3\nsensors: []\n');
    await expect(loadConfig(file, {})).rejects.toThrow(
      `config file ${file} has 2 problems:\n  mqtt.qos: 3 is not one of 0, 1, 2\n  sensors: [] is empty (expected at least 1 sensor)`,
    );
  });

  it('rejects files the config names that do not exist, naming the key and the file', async () => {
    const file = await configFile('mqtt:\n  passwordFile: secret.txt\n  tls: { ca: ca.pem, cert: /nonexistent/c.pem, key: /nonexistent/k.pem }\nsensors:\n' + SENSOR);
    const dir = join(file, '..');
    await expect(loadConfig(file, {})).rejects.toMatchObject({
      problems: [
        `mqtt.passwordFile: "secret.txt" cannot be read (${join(dir, 'secret.txt')}: not found)`,
        `mqtt.tls.ca: "ca.pem" cannot be read (${join(dir, 'ca.pem')}: not found)`,
        'mqtt.tls.cert: "/nonexistent/c.pem" cannot be read (/nonexistent/c.pem: not found)',
        'mqtt.tls.key: "/nonexistent/k.pem" cannot be read (/nonexistent/k.pem: not found)',
      ],
    });
  });

  it('rejects a secret file path naming an unset environment variable', async () => {
    const problems = await problemsOf('mqtt:\n  passwordFile: ${CREDENTIALS_DIRECTORY}/mqtt-password\nsensors:\n' + SENSOR);
    expect(problems).toEqual([
      'mqtt.passwordFile: "${CREDENTIALS_DIRECTORY}/mqtt-password" uses ${CREDENTIALS_DIRECTORY}, which is not set in the environment',
    ]);
  });

  it('rejects a secret given both inline and from a file', async () => {
    const text = 'mqtt:\n  password: a\n  passwordFile: pw\nstatus:\n  token: t\n  tokenFile: token\nsensors:\n' + SENSOR;
    const file = await configFile(text, 'config.yaml', { pw: 'b\n', token: 'u\n' });
    await expect(loadConfig(file, {})).rejects.toMatchObject({
      problems: [
        'mqtt.passwordFile: "pw" cannot be used together with mqtt.password (choose one)',
        'status.tokenFile: "token" cannot be used together with status.token (choose one)',
      ],
    });
  });

  it('rejects an empty secret file', async () => {
    const file = await configFile('mqtt:\n  passwordFile: pw\nsensors:\n' + SENSOR, 'config.yaml', { pw: '\n' });
    await expect(loadConfig(file, {})).rejects.toMatchObject({
      problems: [`mqtt.passwordFile: "pw" is empty (${join(file, '..', 'pw')})`],
    });
  });
});
