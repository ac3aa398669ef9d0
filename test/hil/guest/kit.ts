// Shared by the scripts the real-kernel tests run inside the guest (bundled to dist/hil/*.mjs by
// helpers/guest-bundle.ts): an Aedes broker in the guest that timestamps every PUBLISH the agent
// sends as it arrives, the built agent as a child process (test/helpers/child-agent.ts), and the
// results file the test on the host asserts on. Everything is timed by the guest's one clock.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAedes, type AedesBroker } from '../../helpers/broker.js';
import { AGENT_BIN } from '../../helpers/child-agent.js';

export const RESULTS_DIR = process.env.HIL_RESULTS ?? '/tmp/hil';

export interface PublishedReading {
  sensor: string;
  seq: number;
  /** The reading's own ts (sampling time, guest clock). */
  ts: number;
  /** When the broker received the PUBLISH (guest clock). */
  receivedAt: number;
  v: Record<string, number>;
}

export interface CapturingBroker {
  url: string;
  readings: PublishedReading[];
  /** Resolves with the first reading (from index `from` on) that matches, or rejects after timeoutMs. */
  waitFor(predicate: (reading: PublishedReading) => boolean, timeoutMs?: number, from?: number): Promise<PublishedReading>;
  stop(): Promise<void>;
}

export async function startCapturingBroker(): Promise<CapturingBroker> {
  const broker: AedesBroker = await startAedes();
  const readings: PublishedReading[] = [];
  const listeners = new Set<() => void>();
  broker.aedes.on('publish', (packet, client) => {
    if (!client || packet.topic.endsWith('/status') || packet.topic.endsWith('/health')) return;
    const receivedAt = Date.now();
    const body = JSON.parse(packet.payload.toString()) as { seq: number; ts: number; v: Record<string, number> };
    readings.push({ sensor: packet.topic.split('/').pop() ?? '', seq: body.seq, ts: body.ts, receivedAt, v: body.v });
    for (const listener of listeners) listener();
  });
  const waitFor = (predicate: (reading: PublishedReading) => boolean, timeoutMs = 20_000, from = 0): Promise<PublishedReading> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = readings.slice(from).find(predicate);
        if (!found) return;
        finish();
        resolve(found);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching reading within ${timeoutMs} ms; got ${JSON.stringify(readings.slice(-10))}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return { url: broker.url, readings, waitFor, stop: () => broker.stop() };
}

/** The config the guest's agent runs with: one device, the capturing broker, a store in /tmp. */
export function guestAgentConfig(brokerUrl: string, storeDir: string, sensors: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    device: { id: 'hil' },
    // Aedes speaks MQTT 3.1.1: say so, rather than have every connect try 5 first.
    mqtt: { url: brokerUrl, protocolVersion: 4, qos: 1, reconnect: { min: '100ms', max: '300ms' } },
    store: { path: join(storeDir, 'buffer') },
    status: { listen: '127.0.0.1:0' },
    log: { level: 'info' },
    sensors,
  };
}

export function writeResults(name: string, results: unknown): void {
  writeFileSync(join(RESULTS_DIR, name), `${JSON.stringify(results, null, 2)}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `body`; on failure writes { error } to the results file so the host test shows why. */
export async function runScenario(name: string, body: () => Promise<unknown>): Promise<void> {
  try {
    writeResults(name, await body());
  } catch (error) {
    writeResults(name, { error: (error as Error).stack ?? String(error) });
    process.exitCode = 1;
  }
}

/** The built CLI, as root or as `uid` (setpriv); asynchronous, so the broker in this process keeps answering. */
export function cli(args: string[], uid?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = uid === undefined ? [process.execPath, AGENT_BIN, ...args] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, AGENT_BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0] as string, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
