// `sensor-agent doctor` (the built CLI) on the links a sensor's readings need: the I2C bus a
// driver talks on (missing here, simulated there) and the broker (down: a warning, since the agent
// buffers until it is up). Doctor's store, port and clock checks: doctor.test.ts, doctor-clock.test.ts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startAedes, type AedesBroker } from '../helpers/broker.js';
import { FIXTURES_ROOT } from '../helpers/fixture-cases.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, runCli, writeConfig } from '../helpers/child-agent.js';

const BME280_MAP = join(FIXTURES_ROOT, 'regmaps', 'bme280.yaml');
/** A bus number this host has no /dev/i2c-N for (CI runners and containers have none at all). */
const MISSING_BUS = Array.from({ length: 80 }, (_, i) => i + 20).find((bus) => !existsSync(`/dev/i2c-${bus}`))!;

let broker: AedesBroker;

beforeAll(async () => {
  await ensureBuilt();
  broker = await startAedes();
});

afterAll(async () => {
  await broker.stop();
  await cleanupChildAgents();
});

async function doctor(extra: Record<string, unknown>): Promise<{ code: number | null; lines: string[]; stdout: string }> {
  const dir = await agentFolder('sensor-agent-doctor-links-');
  const config = {
    device: { id: 'doctor-links' },
    mqtt: { url: `mqtt://127.0.0.1:${broker.port}`, protocolVersion: 4 },
    store: { path: join(dir, 'state', 'buffer') },
    status: { listen: '127.0.0.1:0' },
    ...extra,
  };
  const result = await runCli(['doctor', '--config', await writeConfig(dir, config, 'doctor.json')]);
  // The clock line is this host's (doctor-clock.test.ts has each case); the rest does not depend on it.
  const lines = result.stdout.trim().split('\n').filter((line) => !line.includes(' system clock '));
  return { code: result.code, lines, stdout: result.stdout + result.stderr };
}

describe('sensor-agent doctor: the links a sensor needs', () => {
  it('fails an I2C sensor whose /dev/i2c-N is missing, with the fix, and says the agent would run without it', async () => {
    const result = await doctor({ sensors: [{ id: 'air', driver: 'bme280', bus: MISSING_BUS, address: 0x76 }] });
    expect(result.code, result.stdout).toBe(1);
    const at = result.lines.indexOf(`FAIL  /dev/i2c-${MISSING_BUS} does not exist`);
    expect(at, result.stdout).toBeGreaterThan(-1);
    expect(result.lines[at + 1]).toBe('      fix: enable I2C: sudo raspi-config nonint do_i2c 0 (or dtparam=i2c_arm=on in /boot/firmware/config.txt) and reboot');
    expect(result.lines.at(-1)).toBe('the agent starts, but its only sensor would fail: /healthz answers 503, and under systemd the watchdog restarts it');
  });

  it('does not check a bus the config simulates from a register map', async () => {
    const result = await doctor({ simulate: { i2c: { [String(MISSING_BUS)]: BME280_MAP } }, sensors: [{ id: 'air', driver: 'bme280', bus: MISSING_BUS, address: 0x76 }] });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toContain('/dev/i2c-');
    expect(result.lines).toContain(`ok    broker mqtt://127.0.0.1:${broker.port} accepts the connection and credentials`);
    expect(result.lines.at(-1)).toMatch(/^nothing stops the agent here/);
  });

  it('warns, and does not fail, when the broker is not reachable now: the agent buffers until it is', async () => {
    const closed = await freePort();
    const result = await doctor({ mqtt: { url: `mqtt://127.0.0.1:${closed}`, protocolVersion: 4 }, sensors: [{ id: 'a', driver: 'simulated' }] });
    expect(result.code, result.stdout).toBe(0);
    const at = result.lines.indexOf(`warn  broker mqtt://127.0.0.1:${closed} not reachable now: connect ECONNREFUSED 127.0.0.1:${closed}`);
    expect(at, result.stdout).toBeGreaterThan(-1);
    expect(result.lines[at + 1]).toBe('      fix: the agent buffers until it is; check mqtt.url, the network and that the broker runs');
    expect(result.lines.at(-1)).toMatch(/^nothing stops the agent here \(\d warnings? above\)$/);
  });
});
