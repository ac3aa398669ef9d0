// Scenario 11f, two devices with one client id (SD cards cloned from one image), against Mosquitto:
// each connect takes the session of the other (MQTT 5 DISCONNECT 0x8E). Both agents must notice,
// log it once at error level with what to do, show it on the status page and /healthz, and back
// off to minutes instead of reconnecting every few hundred milliseconds.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mosquittoMissingReason, startMosquitto, type TestBroker } from '../helpers/broker.js';
import { agentFolder, cleanupChildAgents, ensureBuilt, startChildAgent, writeConfig, type ChildAgent } from '../helpers/child-agent.js';
import { e2eConfig } from '../e2e/agent-config.js';
import { SLOW_START, sleep } from './helpers-agent.js';
import { recordResult } from '../helpers/results.js';
import { spawnSync } from 'node:child_process';

/** "2.0.11", from the first line of `mosquitto -h`. */
const mosquittoVersion = (): string | null => /version (\S+)/.exec(spawnSync('/usr/sbin/mosquitto', ['-h'], { encoding: 'utf8' }).stdout)?.[1] ?? null;

const SCENARIO = '11f cloned client id';
const PROMISE = 'Two agents with one MQTT client id (cloned SD cards) stop fighting: the one whose sessions are taken over recognises it (MQTT 5 reason code 0x8E, or cut within seconds of each connect, 3 in a row: Mosquitto 2.0 sends no 0x8E), logs it once at error level with the fix, shows it on /status.json and /healthz (restartHelps false) and reconnects only every few minutes; the other then keeps its session.';
const CLIENT_ID = 'sensor-agent-cloned';
const SLOW_SENSOR = { id: 'load', driver: 'simulated', interval: '500ms', signal: 'counter', decimals: 0 };

describe('fault scenario 11f: two devices with one client id', () => {
  let broker: TestBroker | undefined;

  beforeAll(async () => {
    await ensureBuilt();
  });

  afterEach(async () => {
    await cleanupChildAgents().catch(() => undefined);
    await broker?.stop();
  });

  it('detects the takeover on both, logs it once, shows it, and backs off instead of fighting', async () => {
    const missing = mosquittoMissingReason();
    if (missing !== null) return void recordResult({ scenario: SCENARIO, promise: PROMISE, skipped: missing });
    broker = await startMosquitto();
    const agents: ChildAgent[] = [];
    for (const device of ['clone-a', 'clone-b']) {
      const dir = await agentFolder(`sensor-agent-faults-${device}-`);
      const config = e2eConfig({ brokerUrl: broker.url, dir, sensors: [SLOW_SENSOR] });
      config.device = { id: device };
      (config.mqtt as Record<string, unknown>).clientId = CLIENT_ID;
      agents.push(await startChildAgent(await writeConfig(dir, config), SLOW_START));
      await agents.at(-1)!.waitForStatus((status) => status.mqtt.connected, 30_000, `${device} connected`);
    }
    const startedAt = Date.now();
    // Each connect closes the other's session. Mosquitto 2.0 closes the older connection without a
    // DISCONNECT (no 0x8E), so the quick-cut rule finds it: whichever agent's sessions keep being
    // cut within seconds of each connect detects it and backs off; the other's sessions then last
    // and it goes on working (it sees no takeover: only an occasional close when the first retries).
    const detector = await Promise.race(agents.map((agent, i) => agent.waitForStatus((status) => status.mqtt.takeover != null, 150_000, 'the takeover on a status page').then(() => i)));
    const detectedMs = Date.now() - startedAt;
    const connectsBefore = agents.map((agent) => agent.logged('mqtt connected').length);
    const windowMs = 20_000;
    await sleep(windowMs);
    const connectsInWindow = agents.map((agent, i) => agent.logged('mqtt connected').length - connectsBefore[i]!);
    const statuses = await Promise.all(agents.map((agent) => agent.status()));
    const health = await Promise.all(
      agents.map(async (agent) => {
        const response = await fetch(agent.statusUrl.replace('/status.json', '/healthz'));
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      }),
    );
    const errorLines = agents.map((agent) => agent.lines.filter((line) => line.level === 50 && String(line.msg).includes('taken over')));
    recordResult({
      scenario: SCENARIO,
      promise: PROMISE,
      broker: 'mosquitto',
      accepted: null,
      delivered: null,
      lost: null,
      duplicates: null,
      clientId: CLIENT_ID,
      mosquitto: mosquittoVersion(),
      detectedBy: ['clone-a', 'clone-b'][detector],
      detectedMs,
      how: statuses.map((status) => status.mqtt.takeover?.reason ?? null),
      errorLogLines: errorLines.map((lines) => lines.length),
      connectsIn20s: connectsInWindow,
      reconnectMinMs: 100,
      healthz: health.map((entry) => entry.status),
      restartHelps: health.map((entry) => entry.body.restartHelps),
    });
    for (const [i, status] of statuses.entries()) {
      // Without the back-off, 100-300 ms reconnects would connect dozens of times in 20 s.
      expect(connectsInWindow[i]).toBeLessThanOrEqual(1);
      if (status.mqtt.takeover == null) continue;
      expect(status.mqtt.takeover.reason).toMatch(/0x8E|cut within/);
      expect(status.mqtt.takeover.advice).toMatch(/hardwareId/);
      expect(errorLines[i]).toHaveLength(1);
      expect(health[i]!.status).toBe(503);
      expect(health[i]!.body.restartHelps).toBe(false);
    }
    expect(statuses[detector]!.mqtt.takeover).not.toBeNull();
  }, 300_000);
});
