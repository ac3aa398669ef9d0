// The agent with mqtt.profile against loopback brokers that enforce AWS IoT Core's and Azure IoT
// Hub's rules (test/helpers/cloud-broker.ts): configured with the profile it stays within every
// rule and delivers every reading, a backlog included; configured without it, the same broker
// disconnects or refuses it (so each check can fail). The whole agent in-process (startAgent),
// TLS with a throwaway CA, a real LevelDB store prefilled with the backlog.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { startAwsIotCoreBroker, startAzureIotHubBroker, type CloudBroker } from '../helpers/cloud-broker.js';
import { testTls } from '../helpers/test-tls.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/poll.js';

const silent = pino({ level: 'silent' });
const SAS = 'SharedAccessSignature sr=127.0.0.1%2Fdevices%2Fpi-01&sig=c2lnbmF0dXJl&se=1900000000';

let dir: { path: string; cleanup(): Promise<void> };
let broker: CloudBroker | null = null;
let agent: RunningAgent | null = null;

beforeEach(async () => {
  dir = await makeTempDir('cloud-brokers-');
});

afterEach(async () => {
  await agent?.stop();
  agent = null;
  await broker?.stop();
  broker = null;
  await dir.cleanup();
});

/** `count` readings of `sensor` in the store before the agent starts: the backlog to drain. */
async function prefill(count: number, values = 1, sensor = 'air'): Promise<void> {
  const buffer = new ReadingBuffer({ path: join(dir.path, 'buffer'), maxBytes: 1 << 30, overflow: 'drop-oldest', commitIntervalMs: 1000 }, silent);
  await buffer.start();
  const ts = Date.now() - 3_600_000;
  for (let index = 0; index < count; index += 1) {
    await buffer.append({ sensor, ts: ts + index * 1000, values: Object.fromEntries(Array.from({ length: values }, (_, value) => [`v${value}`, 100_000 + index + value / 1000])) });
  }
  await buffer.stop();
}

async function start(config: Record<string, unknown>): Promise<RunningAgent> {
  agent = await startAgent(parseConfig({ store: { path: 'buffer' }, status: { listen: 'off' }, ...config }, { env: {}, baseDir: dir.path, hostname: 'test-host' }), silent);
  return agent;
}

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index + 1);
const missing = (seqs: number[], count: number): number[] => {
  const got = new Set(seqs);
  return range(count).filter((seq) => !got.has(seq));
};

// A backlog drains at the profile's rate (tens of seconds on a loaded machine): more than the suite's 30 s.
describe('mqtt.profile aws-iot-core against a broker enforcing AWS IoT Core', { timeout: 120_000 }, () => {
  const tls = testTls();
  const awsConfig = (mqtt: Record<string, unknown>, sensors: unknown[] = [{ id: 'air', driver: 'simulated', interval: '1s' }]) => ({
    device: { id: 'pi-01' },
    mqtt: { url: broker!.url, protocolVersion: 4, tls: { ca: tls.caFile, cert: tls.clientCertFile, key: tls.clientKeyFile }, ...mqtt },
    sensors,
  });

  it('drains a backlog at QoS 1 within 100 in flight and 100 publishes a second, though asked for QoS 2 and a window of 150', async () => {
    broker = await startAwsIotCoreBroker({ ackDelayMs: 3000 });
    await prefill(200);
    await start(awsConfig({ profile: 'aws-iot-core', qos: 2, maxInflight: 150 }));
    await until(() => missing(broker!.seqs('sensors/pi-01/air'), 200).length === 0, 60_000, 'the backlog delivered', 100);
    expect(broker.violations).toEqual([]);
    expect(broker.refusedConnects).toEqual([]);
    // The window did fill: the broker saw the agent at the limit, not below it by luck.
    expect(broker.maxInflightSeen).toBe(100);
    expect(broker.busiestSecond.publishes).toBeLessThanOrEqual(100);
    expect(broker.delivered.every((message) => message.qos <= 1)).toBe(true);
  });

  it('without the profile, the same broker disconnects the agent for exceeding 100 in flight', async () => {
    broker = await startAwsIotCoreBroker({ ackDelayMs: 3000 });
    await prefill(300);
    await start(awsConfig({ qos: 1, maxInflight: 150 }));
    await until(() => broker!.violations.length > 0, 30_000, 'a violation');
    expect(broker.violations[0]).toMatch(/(in flight|publishes in one second)/);
  });

  it('splits batches to fit 128 KB and keeps under 512 KiB a second, though asked for 1 MB packets', async () => {
    broker = await startAwsIotCoreBroker();
    await prefill(2000, 20);
    await start(awsConfig({ profile: 'aws-iot-core', maxPacketSize: '1MB', batch: { maxReadings: 1000, maxDelay: '1s' } }));
    await until(() => missing(broker!.seqs('sensors/pi-01/air'), 2000).length === 0, 60_000, 'the backlog delivered', 100);
    expect(broker.violations).toEqual([]);
    const largest = Math.max(...broker.delivered.map((message) => Buffer.byteLength(message.payload)));
    expect(largest).toBeLessThanOrEqual(128 * 1024);
    expect(largest).toBeGreaterThan(64 * 1024); // batches were large, and split, not small from the start
    expect(broker.busiestSecond.bytes).toBeLessThanOrEqual(512 * 1024);
  });

  it('without the profile, the same broker disconnects the agent for a payload above 128 KB', async () => {
    broker = await startAwsIotCoreBroker();
    await prefill(2000, 20);
    await start(awsConfig({ maxPacketSize: '1MB', batch: { maxReadings: 1000, maxDelay: '1s' } }));
    await until(() => broker!.violations.length > 0, 30_000, 'a violation');
    expect(broker.violations[0]).toMatch(/payload of \d+ bytes \(128 KB at most\)|bytes in one second/);
  });

  it('never sends two CONNECTs of its client id within a second, though mqtt.reconnect.min is 100 ms', async () => {
    broker = await startAwsIotCoreBroker();
    await start(awsConfig({ profile: 'aws-iot-core', protocolVersion: 5, reconnect: { min: '100ms', max: '300ms' } }));
    // Two quick cuts: a third in a row would make the agent suspect a cloned client id (takeover-guard.ts).
    for (let round = 1; round <= 2; round += 1) {
      await until(() => (broker!.connectTimes.get('sensor-agent-pi-01')?.length ?? 0) >= round, 20_000, `connect ${round}`);
      broker.disconnectAll(0x8b); // server shutting down: not a takeover
    }
    await until(() => (broker!.connectTimes.get('sensor-agent-pi-01')?.length ?? 0) >= 3, 20_000, 'the third connect');
    const times = broker.connectTimes.get('sensor-agent-pi-01')!;
    const gaps = times.slice(1).map((time, index) => time - times[index]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(broker.refusedConnects).toEqual([]);
  });

  it('without the profile, the same broker refuses its quick reconnects', async () => {
    broker = await startAwsIotCoreBroker();
    await start(awsConfig({ protocolVersion: 5, reconnect: { min: '100ms', max: '300ms' } }));
    for (let round = 1; round <= 3 && broker.refusedConnects.length === 0; round += 1) {
      await until(() => (broker!.connectTimes.get('sensor-agent-pi-01')?.length ?? 0) >= round, 20_000, `connect ${round}`);
      broker.disconnectAll(0x8b); // server shutting down: not a takeover
    }
    await until(() => broker!.refusedConnects.length > 0, 20_000, 'a refused CONNECT');
    expect(broker.refusedConnects[0]).toMatch(/1 per second per client id/);
  });
});

describe('mqtt.profile azure-iot-hub against a broker enforcing Azure IoT Hub', { timeout: 120_000 }, () => {
  const tls = testTls();
  const azureConfig = (mqtt: Record<string, unknown>) => ({
    device: { id: 'pi-01' },
    mqtt: { url: broker!.url, password: SAS, tls: { ca: tls.caFile }, ...mqtt },
    sensors: [{ id: 'air', driver: 'simulated', interval: '500ms', qos: 2, retain: true }],
  });

  it('connects as the device with its SAS token, publishes only on its events topic without retain, and delivers a backlog', async () => {
    broker = await startAzureIotHubBroker({ deviceId: 'pi-01', sasToken: SAS });
    await prefill(300);
    await start(azureConfig({ profile: 'azure-iot-hub', retain: true, batch: { maxReadings: 50, maxDelay: '1s' } }));
    await until(() => missing(broker!.seqs('devices/pi-01/messages/events/sensor=air'), 300).length === 0, 60_000, 'the backlog delivered', 100);
    await until(() => broker!.delivered.some((message) => message.topic === 'devices/pi-01/messages/events/type=status'), 10_000, 'the birth message');
    expect(broker.refusedConnects).toEqual([]);
    expect(broker.violations).toEqual([]);
    const [connect] = broker.connects;
    expect(connect).toMatchObject({ protocolVersion: 4, clientId: 'pi-01', username: '127.0.0.1/pi-01/?api-version=2021-04-12' });
    expect(connect!.will).toMatchObject({ topic: 'devices/pi-01/messages/events/type=status', retain: false });
    const birth = broker.delivered.find((message) => message.topic.endsWith('/type=status'))!;
    expect(birth.retain).toBe(false);
    expect(JSON.parse(birth.payload)).toMatchObject({ state: 'online' });
    expect(broker.delivered.every((message) => !message.retain && message.qos <= 1)).toBe(true);
  });

  it('without the profile (mqtt.brokerProfile alone), the same broker refuses the agent', async () => {
    broker = await startAzureIotHubBroker({ deviceId: 'pi-01', sasToken: SAS });
    // A user name of its own (MQTT.js sends no password without one); the client id is the agent's default.
    await start(azureConfig({ brokerProfile: 'azure-iot-hub', username: 'pi-01' }));
    await until(() => broker!.refusedConnects.length > 0, 20_000, 'a refused CONNECT');
    expect(broker.refusedConnects[0]).toMatch(/protocol level 5|client id sensor-agent-pi-01/);
  });
});
