// mqtt.profile: each cloud's documented limits applied at load, as clamps with a warning where the
// agent can keep the limit by itself and as errors (exit 78) where it cannot; and how mqtt.profile
// and mqtt.brokerProfile go together. Against the brokers that enforce them: test/e2e/cloud-brokers.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfigWithWarnings } from '../../src/config/load.js';
import { configFile, tempFolder } from './fixture.js';

const SAS = 'SharedAccessSignature sr=hub.azure-devices.net%2Fdevices%2Fpi-01&sig=abc&se=1900000000';

async function load(mqtt: Record<string, unknown>, rest: Record<string, unknown> = {}) {
  const config = { device: { id: 'pi-01' }, mqtt, sensors: [{ id: 'air', driver: 'simulated', interval: '1s' }], ...rest };
  return loadConfigWithWarnings(await configFile(JSON.stringify(config), 'config.json'), {}, { hostname: 'test' });
}

async function problems(mqtt: Record<string, unknown>, rest: Record<string, unknown> = {}): Promise<string[]> {
  try {
    await load(mqtt, rest);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config loaded');
}

async function awsConfig(extra: Record<string, unknown> = {}) {
  const dir = await tempFolder({ 'device.crt': 'cert', 'device.key': 'key' });
  return { mqtt: { url: 'mqtts://abc-ats.iot.eu-west-1.amazonaws.com:8883', profile: 'aws-iot-core', tls: { cert: `${dir}/device.crt`, key: `${dir}/device.key` }, ...extra } };
}

const azureConfig = (extra: Record<string, unknown> = {}) => ({ url: 'mqtts://hub.azure-devices.net:8883', profile: 'azure-iot-hub', password: SAS, ...extra });

describe('mqtt.profile aws-iot-core', () => {
  it('clamps what the agent can keep within the limits, each with a warning', async () => {
    const { mqtt } = await awsConfig({ qos: 2, maxInflight: 500, maxPacketSize: '1MB', keepalive: '30m', drainRate: '10000/s' });
    const { config, warnings } = await load(mqtt, { sensors: [{ id: 'air', driver: 'simulated', interval: '1s', qos: 2 }] });
    expect(config.mqtt).toMatchObject({ qos: 1, maxInflight: 100, maxPacketSize: 131_072, keepalive: 1_200_000, drainRate: 40, brokerProfile: 'aws-iot-core' });
    expect(config.sensors[0]!.qos).toBe(1);
    expect(warnings).toEqual([
      'mqtt.qos: 2 is more than AWS IoT Core allows (QoS 0 and 1; QoS 2 is not supported); using QoS 1 (consumers de-duplicate on seq)',
      'sensors[0].qos: 2 (air) is more than AWS IoT Core allows (QoS 0 and 1; QoS 2 is not supported); using QoS 1',
      'mqtt.maxPacketSize: 1000000 bytes is more than AWS IoT Core allows (128 KB per message); using 131072 bytes',
      'mqtt.maxInflight: 500 is more than AWS IoT Core allows (100 unacknowledged QoS 1 publishes per connection); using 100',
      'mqtt.keepalive: 1800 s is more than AWS IoT Core allows (a keep alive of at most 1200 s); using 1200 s',
      'mqtt.drainRate: 10000/s is more than AWS IoT Core allows (100 publishes and 512 KiB per second per connection; the backlog drains at up to twice its rate in one second); using 40/s',
    ]);
  });

  it('defaults the packet size and the drain rate under the connection limits, batches counted', async () => {
    const plain = await load((await awsConfig()).mqtt);
    expect(plain.warnings).toEqual([]);
    expect(plain.config.mqtt).toMatchObject({ maxPacketSize: 131_072, drainRate: 40 });
    // One sensor, batches of 50: 40 messages a second would be 2,000 readings; the byte share caps it at 512.
    const batched = await load((await awsConfig({ batch: { maxReadings: 50 } })).mqtt);
    expect(batched.config.mqtt.drainRate).toBe(512);
    // A batch larger than a second of the drain would let a second carry more: held to it.
    const large = await load((await awsConfig({ batch: { maxReadings: 1000 } })).mqtt);
    expect(large.config.mqtt).toMatchObject({ drainRate: 512, batch: { maxReadings: 512 } });
    expect(large.warnings).toEqual([
      'mqtt.batch.maxReadings: 1000 is more than AWS IoT Core allows (100 publishes and 512 KiB per second per connection; the backlog drains at up to twice its rate in one second: a batch no larger than a second of the drain rate); using 512',
    ]);
    const small = await load((await awsConfig({ batch: { maxReadings: 4 } })).mqtt, { sensors: [{ id: 'a', driver: 'simulated' }, { id: 'b', driver: 'simulated' }] });
    expect(small.config.mqtt.drainRate).toBe(80); // 40 messages of 4 / 2 sensors
  });

  it('refuses topics deeper than 7 slashes or longer than 256 bytes, naming the key and the topic', async () => {
    // Six slashes in the prefix: a reading's topic has 7 (allowed), config/set 8.
    const { mqtt } = await awsConfig({ topicPrefix: 'farm/north/row/3/{deviceId}/sensors/v1' });
    expect(await problems(mqtt, { sensors: [{ id: 'air', driver: 'simulated' }, { id: 'soil', driver: 'simulated', topic: `farm/${'x'.repeat(260)}` }] })).toEqual([
      'sensors[1].topic: gives a topic of 265 bytes (AWS IoT Core takes at most 256): "farm/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."',
      'mqtt.topicPrefix (config/set): gives the topic "farm/north/row/3/pi-01/sensors/v1/config/set" with 8 slashes (AWS IoT Core takes at most 7)',
      'mqtt.topicPrefix (config/result): gives the topic "farm/north/row/3/pi-01/sensors/v1/config/result" with 8 slashes (AWS IoT Core takes at most 7)',
    ]);
  });

  it('refuses plain TCP, no device identity, and live sensors above 100 publishes a second', async () => {
    expect(await problems({ url: 'mqtt://abc-ats.iot.eu-west-1.amazonaws.com:1883', profile: 'aws-iot-core' }, { sensors: [{ id: 'fast', driver: 'simulated', interval: '10ms' }] })).toEqual([
      'mqtt.url: has the scheme mqtt, but AWS IoT Core takes only mqtts:// or wss:// (TLS)',
      'mqtt.tls.cert: missing (AWS IoT Core authenticates a device by its X.509 certificate, mqtt.tls.cert and mqtt.tls.key, or by a custom authorizer given mqtt.username)',
      'sensors: publish about 100 messages per second live (AWS IoT Core takes 100 publishes per second per connection: lengthen intervals or set mqtt.batch)',
    ]);
  });

  it('refuses a client id longer than 128 bytes', async () => {
    expect(await problems((await awsConfig({ clientId: 'x'.repeat(129) })).mqtt)).toEqual([
      `mqtt.clientId: "${'x'.repeat(129)}" is 129 bytes (AWS IoT Core takes client ids of at most 128 bytes)`,
    ]);
  });

  it('takes mqtt.brokerProfile aws-iot (the older name) or aws-iot-core with it, and refuses another broker', async () => {
    for (const brokerProfile of ['aws-iot', 'aws-iot-core']) {
      const { config } = await load((await awsConfig({ brokerProfile })).mqtt);
      expect(config.mqtt.brokerProfile).toBe('aws-iot-core');
    }
    expect(await problems((await awsConfig({ brokerProfile: 'azure-iot-hub' })).mqtt)).toEqual([
      'mqtt.brokerProfile: "azure-iot-hub" names another broker than mqtt.profile "aws-iot-core" (expected aws-iot-core or aws-iot, or leave it out: mqtt.profile implies it)',
    ]);
  });

  it('keeps mqtt.brokerProfile alone as it was: warnings only, nothing clamped', async () => {
    const { config } = await load({ url: 'mqtt://broker.local:1883', brokerProfile: 'aws-iot', qos: 2 });
    expect(config.mqtt).toMatchObject({ brokerProfile: 'aws-iot', qos: 2 });
    expect(config.mqtt.profile).toBeUndefined();
  });
});

describe('mqtt.profile azure-iot-hub', () => {
  it('fills the client id, user name, topics and MQTT 3.1.1 from the device id and the hub', async () => {
    const { config, warnings } = await load(azureConfig());
    expect(warnings).toEqual([]);
    expect(config.mqtt).toMatchObject({
      clientId: 'pi-01',
      username: 'hub.azure-devices.net/pi-01/?api-version=2021-04-12',
      protocolVersion: 4,
      topicPrefix: 'devices/pi-01/messages/events',
      maxPacketSize: 262_144,
      drainRate: 10,
      brokerProfile: 'azure-iot-hub',
    });
  });

  it('clamps retain, QoS 2, keep alive and MQTT 5 with a warning each', async () => {
    const { config, warnings } = await load(azureConfig({ retain: true, qos: 2, keepalive: '1h', protocolVersion: 5 }), {
      sensors: [{ id: 'door', driver: 'simulated', retain: true }],
    });
    expect(config.mqtt).toMatchObject({ retain: false, qos: 1, keepalive: 1_177_000, protocolVersion: 4 });
    expect(config.sensors[0]!.retain).toBe(false);
    expect(warnings).toEqual([
      'mqtt.protocolVersion: 5 is not what Azure IoT Hub speaks (MQTT 3.1.1); using 4',
      'mqtt.qos: 2 is more than Azure IoT Hub allows (QoS 0 and 1; QoS 2 is not supported); using QoS 1 (consumers de-duplicate on seq)',
      'mqtt.retain: true is more than Azure IoT Hub allows (no retained messages); using false',
      'sensors[0].retain: true (door) is more than Azure IoT Hub allows (no retained messages); using false',
      'mqtt.keepalive: 3600 s is more than Azure IoT Hub allows (a keep alive of at most 1177 s); using 1177 s',
    ]);
  });

  it('refuses another client id, user name, topic prefix or sensor topic, a password that is no SAS token, outputs and Home Assistant', async () => {
    expect(
      await problems(azureConfig({ clientId: 'agent-7', username: 'pi-01', password: 'hunter2', topicPrefix: 'sensors/{deviceId}' }), {
        sensors: [{ id: 'air', driver: 'simulated', topic: 'air/now' }],
        homeassistant: { enabled: true },
      }),
    ).toEqual([
      'mqtt.clientId: "agent-7" is not the device id "pi-01" (Azure IoT Hub takes the device id as client id: leave mqtt.clientId out, or set device.id)',
      'mqtt.username: "pi-01" is not the form Azure IoT Hub takes (expected "hub.azure-devices.net/pi-01/?api-version=2021-04-12", or leave it out)',
      'mqtt.password: is not a SAS token (expected "SharedAccessSignature sr=...&sig=...&se=...", e.g. from az iot hub generate-sas-token)',
      'mqtt.topicPrefix: "sensors/pi-01" is not where Azure IoT Hub takes device messages (expected "devices/{deviceId}/messages/events", or leave it out)',
      'sensors[0].topic: "air/now" is not under "devices/pi-01/messages/events/" (the only topic Azure IoT Hub takes device messages on; add properties after it, e.g. devices/pi-01/messages/events/sensor=air&site=north)',
      'homeassistant.enabled: true needs a broker Home Assistant reads (discovery topics), not Azure IoT Hub',
    ]);
  });

  it('refuses outputs: IoT Hub sends to a device only on its devicebound topic', async () => {
    expect(await problems(azureConfig(), { outputs: [{ id: 'pump', driver: 'gpio-output', pin: 17 }] })).toEqual([
      'outputs: are switched over <topicPrefix>/<id>/set, which Azure IoT Hub does not allow (it sends to devices only on devices/{deviceId}/messages/devicebound/#)',
    ]);
  });

  it('needs a SAS token or an X.509 certificate, over TLS', async () => {
    expect(await problems({ url: 'mqtt://hub.azure-devices.net:1883', profile: 'azure-iot-hub' })).toEqual([
      'mqtt.url: has the scheme mqtt, but Azure IoT Hub takes only mqtts:// or wss:// (TLS)',
      'mqtt.password: missing (Azure IoT Hub needs a SAS token in mqtt.password or mqtt.passwordFile, or an X.509 certificate in mqtt.tls.cert and mqtt.tls.key)',
    ]);
    const dir = await tempFolder({ 'device.crt': 'cert', 'device.key': 'key' });
    const { config } = await load({ url: 'mqtts://hub.azure-devices.net', profile: 'azure-iot-hub', tls: { cert: `${dir}/device.crt`, key: `${dir}/device.key` } });
    expect(config.mqtt.password).toBeUndefined();
  });
});
