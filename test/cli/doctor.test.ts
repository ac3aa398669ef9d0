// `sensor-agent doctor` (the built CLI) on this machine: what it checks before `run` would stop
// (store folder, store lock, status port), and a closing line that says what `run` will really do.
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli, startChildAgent, writeConfig } from '../helpers/child-agent.js';

let broker: AedesBroker;
let blocker: Server | null = null;

beforeAll(async () => {
  await ensureBuilt();
  broker = await startAedes();
});

afterEach(async () => {
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = null;
  await cleanupChildAgents();
});

afterAll(async () => {
  await broker.stop();
  await cleanupChildAgents();
});

function config(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    device: { id: 'doctor-test' },
    mqtt: { url: `mqtt://agent:urlpass@127.0.0.1:${broker.port}`, protocolVersion: 4 },
    store: { path: join(dir, 'state', 'buffer') },
    status: { listen: '127.0.0.1:0' },
    sensors: [{ id: 'a', driver: 'simulated' }],
    ...extra,
  };
}

async function doctor(dir: string, extra: Record<string, unknown> = {}): Promise<{ code: number | null; lines: string[]; clock: string; stdout: string }> {
  const result = await runCli(['doctor', '--config', await writeConfig(dir, config(dir, extra), `doctor-${Math.random().toString(36).slice(2)}.json`)]);
  const all = result.stdout.trim().split('\n');
  // The clock line says what this host's clock is (test/cli/doctor-clock.test.ts has each case);
  // the other lines do not depend on it.
  const clock = all.find((line) => line.includes(' system clock ')) ?? '';
  return { code: result.code, lines: all.filter((line) => line !== clock), clock, stdout: result.stdout + result.stderr };
}

/** The closing line's warning count includes the clock's when this host's clock is not synchronized. */
const clockWarnings = (clock: string): number => (clock.startsWith('warn') ? 1 : 0);

describe('sensor-agent doctor', () => {
  it('on a good setup: says a missing store folder will be created, masks the URL, exits 0', async () => {
    const dir = await agentFolder('sensor-agent-doctor-');
    const result = await doctor(dir);
    expect(result.code, result.stdout).toBe(0);
    expect(result.lines).toEqual([
      'ok    config is valid (1 sensor)',
      `ok    store ${join(dir, 'state', 'buffer')} does not exist yet; the agent will create it (${dir} is writable)`,
      // The free space is this host's: only its shape is checked (test/faults/disk-limits.test.ts has the full and read-only lines).
      expect.stringMatching(/^ok {4}store file system: [\d.]+ MB free, keepFree [\d.]+ MB; the buffer may grow by [\d.]+ MB more \(set by store\.maxBytes\)$/),
      expect.stringMatching(/^ok {4}mqtt client id "sensor-agent-/),
      `ok    broker mqtt://127.0.0.1:${broker.port} accepts the connection and credentials`,
      clockWarnings(result.clock) === 0 ? 'nothing stops the agent here' : 'nothing stops the agent here (1 warning above)',
    ]);
    expect(result.clock).toMatch(/^(ok {4}|warn {2})system clock (is synchronized|is not synchronized|shows )/);
    expect(result.stdout).not.toContain('urlpass');
  });

  it('fails when another agent holds the store, or the status port is taken, as run would', async () => {
    const dir = await agentFolder('sensor-agent-doctor-');
    const running = await startChildAgent(await writeConfig(dir, config(dir), 'running.json'));
    const server = createServer();
    blocker = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const result = await doctor(dir, { status: { listen: `127.0.0.1:${port}` } });
    expect(result.code, result.stdout).toBe(1);
    const store = join(dir, 'state', 'buffer');
    expect(result.lines).toContain(`FAIL  store ${store} is in use by process ${running.child.pid}: ${process.execPath} ${join(process.cwd(), 'dist/sensor-agent.js')} run --config`);
    expect(result.lines).toContain(`FAIL  status port 127.0.0.1:${port} is already in use`);
    // Each failure names the code run would exit with.
    expect(result.lines.filter((line) => line.startsWith('      code: '))).toEqual(['      code: BUFFER_LOCKED', '      code: STATUS_PORT_IN_USE']);
    expect(result.lines.at(-1)).toBe('2 problems above stop the agent at start (run exits 1)');
    await running.stop();
    // Once the other agent is gone, the same store passes.
    const after = await doctor(dir);
    expect(after.lines).toContain('ok    store is not in use by another process');
  });

  it('says the agent runs with /healthz 503 when every sensor would fail, not that it stops', async () => {
    const dir = await agentFolder('sensor-agent-doctor-');
    const gpio = { hardware: { gpio: 'sysfs', gpioRoot: join(dir, 'no-gpio') }, sensors: [{ id: 'door', driver: 'gpio-input', pin: 17 }] };
    const result = await doctor(dir, gpio);
    expect(result.code, result.stdout).toBe(1);
    expect(result.lines).toContain('ok    GPIO backend: sysfs, chosen by hardware.gpio: sysfs');
    expect(result.lines).toContain(`FAIL  GPIO sysfs root ${join(dir, 'no-gpio')} does not exist`);
    expect(result.lines.at(-1)).toBe('the agent starts, but its only sensor would fail: /healthz answers 503, and under systemd the watchdog restarts it');
    for (const line of [...result.lines, result.clock]) expect(line, 'no brackets inside brackets').not.toMatch(/\([^()]*\(/);

    const some = await doctor(dir, { ...gpio, sensors: [...gpio.sensors, { id: 'a', driver: 'simulated' }] });
    expect(some.lines.at(-1)).toBe('the agent runs, but 1 of 2 sensors would fail and be retried (door); the others keep going');
  });

  it('shows config warnings as warn lines', async () => {
    const dir = await agentFolder('sensor-agent-doctor-');
    const result = await doctor(dir, { sensors: [{ id: 'a', driver: 'simulated', interval: 10 }] });
    expect(result.code).toBe(0);
    expect(result.lines).toContain('warn  config: sensors[0].interval: 10 is 10 ms (a bare number means milliseconds; write 10s for 10 seconds, or 10ms to keep it and silence this)');
    expect(result.lines.at(-1)).toBe(`nothing stops the agent here (${1 + clockWarnings(result.clock)} warnings above)`.replace('(1 warnings', '(1 warning'));
  });
});
