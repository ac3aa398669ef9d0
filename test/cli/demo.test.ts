// `npm start`'s parts: the embedded demo broker stops at once even while a subscriber is connected
// (Ctrl-C used to hang until the subscriber left), and the agent on config/demo.yaml starts
// clean against it: no warning on a first run.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { startDemoBroker } from '../../scripts/demo-broker.mjs';
import { agentFolder, cleanupChildAgents, ensureBuilt, REPO_ROOT, startChildAgent } from '../helpers/child-agent.js';

interface DemoBroker {
  port: number;
  close(): Promise<void>;
}

beforeAll(async () => {
  await ensureBuilt();
});

afterAll(async () => {
  await cleanupChildAgents();
});

describe('the demo', () => {
  it('demo broker: close() ends while an MQTT subscriber is connected, and cuts the subscriber', async () => {
    const broker = (await startDemoBroker(0)) as DemoBroker;
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    await subscriber.subscribeAsync('sensors/#');
    const cut = new Promise<void>((resolve) => subscriber.once('close', () => resolve()));
    await broker.close();
    await cut;
    subscriber.end(true);
  });

  it('the agent on config/demo.yaml logs no warning against the demo broker', async () => {
    const broker = (await startDemoBroker(0)) as DemoBroker;
    const dir = await agentFolder('sensor-agent-demo-');
    try {
      const agent = await startChildAgent(join(REPO_ROOT, 'config/demo.yaml'), {
        env: { SENSOR_AGENT_MQTT__URL: `mqtt://127.0.0.1:${broker.port}`, SENSOR_AGENT_STATUS__LISTEN: '127.0.0.1:0', SENSOR_AGENT_STORE__PATH: join(dir, 'buffer') },
      });
      await agent.waitForLog((line) => line.msg === 'mqtt connected');
      // Every sensor has read once (or failed) by the first status with all of them ok.
      await agent.waitForStatus((status) => status.sensors.every((sensor) => sensor.state !== 'starting'));
      await agent.stop();
      const warnings = agent.lines.filter((line) => (line.level ?? 0) >= 40);
      expect(warnings, JSON.stringify(warnings)).toEqual([]);
    } finally {
      await broker.close();
    }
  });
});
