// mqtt.profile from the command line (the built dist/): check-config prints the clamps as warnings
// and exits 0; a rule the agent cannot keep exits 78 with the key and the value, from check-config
// and from run alike, before run touches anything (no store folder made, no broker dialled).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli } from '../helpers/child-agent.js';

const EXIT_CONFIG = 78;

beforeAll(async () => {
  await ensureBuilt();
});

afterAll(async () => {
  await cleanupChildAgents();
});

async function configIn(lines: string[]): Promise<{ dir: string; file: string }> {
  const dir = await agentFolder('sensor-agent-cloud-cli-');
  await writeFile(join(dir, 'device.crt'), 'certificate');
  await writeFile(join(dir, 'device.key'), 'key');
  const file = join(dir, 'config.yaml');
  await writeFile(file, [...lines, 'store: { path: data/buffer }', 'sensors:', '  - { id: air, driver: simulated, qos: 2 }', ''].join('\n'));
  return { dir, file };
}

describe('mqtt.profile on the command line', () => {
  it.concurrent('check-config prints what the profile clamped, one warning each, and exits 0', async ({ expect }) => {
    const { file } = await configIn(['device: { id: pi-01 }', 'mqtt: { profile: aws-iot-core, url: "mqtts://abc-ats.iot.eu-west-1.amazonaws.com", maxInflight: 500, tls: { cert: device.crt, key: device.key } }']);
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('warning: '))).toEqual([
      'warning: sensors[0].qos: 2 (air) is more than AWS IoT Core allows (QoS 0 and 1; QoS 2 is not supported); using QoS 1',
      'warning: mqtt.maxInflight: 500 is more than AWS IoT Core allows (100 unacknowledged QoS 1 publishes per connection); using 100',
    ]);
    expect(JSON.parse(result.stdout).mqtt).toMatchObject({ profile: 'aws-iot-core', brokerProfile: 'aws-iot-core', maxInflight: 100, maxPacketSize: 131_072, drainRate: 40 });
  });

  it.concurrent.for(['check-config', 'run'])('%s exits 78 on a rule the agent cannot keep, before touching anything', async (command, { expect }) => {
    const { dir, file } = await configIn(['device: { id: pi-01 }', 'mqtt: { profile: azure-iot-hub, url: "mqtt://my-hub.azure-devices.net", clientId: agent-7, password: "SharedAccessSignature sr=x&sig=y&se=1" }']);
    const result = await runCli([command, '--config', file]);
    expect(result.code).toBe(EXIT_CONFIG);
    expect(result.stderr).toContain('mqtt.url: has the scheme mqtt, but Azure IoT Hub takes only mqtts:// or wss:// (TLS)');
    expect(result.stderr).toContain('mqtt.clientId: "agent-7" is not the device id "pi-01"');
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
