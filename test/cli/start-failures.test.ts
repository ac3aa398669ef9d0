// Known start failures of the built daemon: one line on stderr with the code and the fix, exit 1,
// and the stack trace only at log.level debug. Also the log line of a failing sensor, which names
// the sensor once.
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli, startChildAgent, writeConfig } from '../helpers/child-agent.js';

const REGMAP = join(import.meta.dirname, '../fixtures/regmaps/bme280.yaml');

function agentConfig(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    device: { id: 'start-test' },
    mqtt: { url: 'mqtt://127.0.0.1:1', protocolVersion: 4 },
    store: { path: join(dir, 'buffer') },
    status: { listen: '127.0.0.1:0' },
    sensors: [{ id: 'a', driver: 'simulated', interval: '1s' }],
    ...extra,
  };
}

let blocker: Server | null = null;

beforeAll(async () => {
  await ensureBuilt();
});

afterEach(async () => {
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = null;
  await cleanupChildAgents();
});

afterAll(async () => {
  await cleanupChildAgents();
});

async function busyPort(): Promise<number> {
  const server = createServer();
  blocker = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('known start failures', () => {
  it('BUFFER_LOCKED: one line, exit 1, no stack trace', async () => {
    const dir = await agentFolder('sensor-agent-start-');
    const first = await startChildAgent(await writeConfig(dir, agentConfig(dir), 'first.json'));
    const second = await runCli(['run', '--config', await writeConfig(dir, agentConfig(dir), 'second.json')]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`sensor-agent: BUFFER_LOCKED: the buffer store ${join(dir, 'buffer')} is in use by another process (is another sensor-agent running?)\n`);
    await first.stop();
  });

  it('STATUS_PORT_IN_USE: one line, exit 1; at log.level debug the stack follows', async () => {
    const dir = await agentFolder('sensor-agent-start-');
    const port = await busyPort();
    const line = `sensor-agent: STATUS_PORT_IN_USE: status port 127.0.0.1:${port} is already in use (another agent running? change 'status.listen')\n`;
    const plain = await runCli(['run', '--config', await writeConfig(dir, agentConfig(dir, { status: { listen: `127.0.0.1:${port}` } }))]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(line);
    const debug = await runCli(['run', '--config', await writeConfig(dir, agentConfig(dir, { status: { listen: `127.0.0.1:${port}` }, log: { level: 'debug' } }), 'debug.json')]);
    expect(debug.code).toBe(1);
    expect(debug.stderr.startsWith(line)).toBe(true);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('log lines', () => {
  it('"sensor failed" names the sensor once', async () => {
    const dir = await agentFolder('sensor-agent-start-');
    const config = agentConfig(dir, {
      simulate: { i2c: { 1: REGMAP } },
      sensors: [{ id: 'absent', driver: 'bme280', bus: 1, address: '0x77', interval: '1s' }],
    });
    const agent = await startChildAgent(await writeConfig(dir, config));
    const failed = await agent.waitForLog((line) => line.msg === 'sensor failed; retrying with backoff');
    expect(failed.sensor).toBe('absent');
    await agent.stop();
    // The parsed line keeps one key whatever the text held: count in the text itself.
    const text = agent.stdout().split('\n').find((line) => line.includes('"sensor failed')) ?? '';
    expect(text.match(/"sensor":/g) ?? [], text).toHaveLength(1);
  });
});
