// The bundle's `debug` loggers (MQTT.js and mqtt-packet call them about ten times per publish) do
// nothing unless $DEBUG is set when the agent starts (build.mjs, BENCHMARKS.md "Performance round
// 2"): disabled, the real module still gathered every call's arguments. With DEBUG=mqttjs* they
// log as before. `doctor` loads MQTT.js and tries the (closed) broker port, which MQTT.js logs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, REPO_ROOT, runCli, writeConfig } from '../helpers/child-agent.js';

describe('the bundle and $DEBUG', () => {
  afterAll(cleanupChildAgents);

  it('prints MQTT.js debug lines with DEBUG=mqttjs*, and none without it', async () => {
    await ensureBuilt();
    const dir = await agentFolder('sensor-agent-debug-');
    const config = await writeConfig(dir, {
      device: { id: 'debug-test' },
      mqtt: { url: `mqtt://127.0.0.1:${await freePort()}` },
      store: { path: join(dir, 'store') },
      status: { listen: '127.0.0.1:0' },
      sensors: [{ id: 'probe', driver: 'simulated', interval: '1h' }],
    });
    const loud = await runCli(['doctor', '--config', config], { env: { DEBUG: 'mqttjs*' }, timeoutMs: 60_000 });
    const quiet = await runCli(['doctor', '--config', config], { env: { DEBUG: '' }, timeoutMs: 60_000 });
    expect(loud.stderr).toMatch(/mqttjs:client/);
    expect(quiet.stderr).not.toMatch(/mqttjs/);
    expect(quiet.stdout).toContain('mqtt'); // the same doctor run, its broker check included
    // Quiet either way; what makes it cheap is that the bundle holds the do-nothing loggers.
    expect(readFileSync(join(REPO_ROOT, 'dist/sensor-agent.cjs'), 'utf8')).toMatch(/function off\(namespace\)/);
  }, 150_000);
});
