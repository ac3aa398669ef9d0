// The built daemon (dist/) with an output on a simulated line: SIGTERM puts it to its safe state
// before the process exits (and the confirmed state goes out retained first); the next start sets
// `initial` again before any command, and a retained ON left on the broker is not acted on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig } from '../helpers/child-agent.js';
import { TOPIC_PREFIX, e2eConfig } from '../e2e/agent-config.js';

describe('outputs in the daemon', () => {
  let broker: AedesBroker;

  beforeAll(async () => {
    await ensureBuilt();
    broker = await startAedes();
  });

  afterAll(async () => {
    await cleanupChildAgents();
    await broker.stop();
  });

  it('SIGTERM: every output to its safe state before exit; a restart sets initial again and ignores the retained command', async () => {
    const dir = await agentFolder('outputs-daemon-');
    const file = await writeConfig(dir, {
      ...e2eConfig({ brokerUrl: broker.url, dir, sensors: [{ id: 'load', driver: 'simulated', interval: '1s' }] }),
      simulate: { gpio: { '17': { level: 0 }, '27': { level: 0 } } },
      outputs: [
        { id: 'pump', driver: 'gpio-output', pin: 17, activeLow: true, initial: 0, safeState: 0 },
        { id: 'vent', driver: 'gpio-output', pin: 27, initial: 1, safeState: 1 },
      ],
    });
    const watcher = await mqtt.connectAsync(broker.url, { clean: true, reconnectPeriod: 0 });
    const pump: string[] = [];
    watcher.on('message', (topic, payload) => topic === `${TOPIC_PREFIX}/pump` && pump.push(payload.toString()));
    await watcher.subscribeAsync(`${TOPIC_PREFIX}/pump`, { qos: 1 });

    // A retained ON left on the broker (a week-old command): no run may act on it.
    await watcher.publishAsync(`${TOPIC_PREFIX}/pump/set`, 'ON', { qos: 1, retain: true });
    const agent = await startChildAgent(file);
    await agent.waitForStatus((status) => status.outputs.find((o) => o.id === 'pump')?.refused === 1, 15_000, 'the retained command refused');
    await watcher.publishAsync(`${TOPIC_PREFIX}/pump/set`, 'ON', { qos: 1 });
    const on = await agent.waitForStatus((status) => status.outputs.find((o) => o.id === 'pump')?.state === 1, 15_000, 'pump on');
    expect(on.outputs.find((o) => o.id === 'pump')).toMatchObject({ simulatedWire: 0, lastCommand: { source: 'mqtt' } });
    expect(on.outputs.find((o) => o.id === 'vent')).toMatchObject({ state: 1, simulatedWire: 1 });

    expect(await agent.stop()).toBe(0);
    const stopped = agent.logged('output at its safe state for stop');
    expect(stopped.map((line) => [line.output, line.state])).toEqual(expect.arrayContaining([['pump', 0], ['vent', 1]]));
    // The safe state was set before the link ended: the confirmed OFF reached the broker.
    expect(pump.at(-1)).toBe('OFF');

    const again = await startChildAgent(file);
    const first = await again.status();
    expect(first.outputs.find((o) => o.id === 'pump')).toMatchObject({ state: 0, lastCommand: { source: 'initial' } });
    await again.waitForStatus((status) => status.outputs.find((o) => o.id === 'pump')?.refused === 1, 15_000, 'the retained command refused again');
    expect((await again.status()).outputs.find((o) => o.id === 'pump')?.state).toBe(0);
    expect(await again.stop()).toBe(0);
    await watcher.publishAsync(`${TOPIC_PREFIX}/pump/set`, '', { qos: 1, retain: true });
    await watcher.endAsync();
  });

  it('a pin used by a sensor and an output exits 78 naming both keys, before touching anything', async () => {
    const dir = await agentFolder('outputs-daemon-');
    const file = await writeConfig(dir, {
      ...e2eConfig({ brokerUrl: broker.url, dir, sensors: [{ id: 'door', driver: 'gpio-input', pin: 17 }] }),
      outputs: [{ id: 'pump', driver: 'gpio-output', pin: 17 }],
    });
    const { runCli } = await import('../helpers/child-agent.js');
    const result = await runCli(['run', '--config', file]);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/outputs\[0\]\.pin: 17 is BCM 17, already used by sensors\[0\]\.pin/);
  });
});
