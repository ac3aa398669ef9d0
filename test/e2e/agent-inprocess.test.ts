// The whole agent in-process (startAgent from src/agent.ts) against a real Aedes broker: a config
// built with parseConfig, readings of a simulated and a system sensor on their topics, the status
// hub's view, the lifecycle's stop (offline status, buffer closed) and its unwinding when a part
// fails to start.
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startSubscriber, type Subscriber } from '../helpers/subscriber.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/poll.js';
import WebSocket from 'ws';

const silent = pino({ level: 'silent' });
const fixture = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

describe('startAgent in-process', () => {
  let broker: AedesBroker;
  let subscriber: Subscriber;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;
  let blocker: Server | null = null;

  const config = (overrides: Record<string, unknown> = {}) =>
    parseConfig(
      {
        device: { id: 'bench-1' },
        mqtt: { url: broker.url, reconnect: { min: '100ms', max: '300ms' } },
        store: { path: 'buffer' },
        status: { listen: '127.0.0.1:0' },
        sensors: [
          { id: 'greenhouse', driver: 'simulated', interval: '50ms', signal: 'counter', decimals: 0, min: 10 },
          {
            id: 'host',
            driver: 'system',
            interval: '1s',
            sysfsRoot: fixture('../fixtures/sysfs/thermal/pi4'),
            procRoot: fixture('../fixtures/procfs/pi4'),
          },
        ],
        ...overrides,
      },
      { env: {}, baseDir: dir.path, hostname: 'test-host' },
    );

  beforeEach(async () => {
    broker = await startAedes();
    subscriber = await startSubscriber(broker.url, 'sensors/bench-1/#');
    dir = await makeTempDir('agent-inprocess-');
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    blocker = null;
    await subscriber.stop();
    await broker.stop();
    await dir.cleanup();
  });

  it('publishes each sensor on <prefix>/<sensor id>, shows them on the status hub, and says offline on stop', async () => {
    const running = await startAgent(config(), silent);
    agent = running;
    expect(running.statusAddress).toEqual({ host: '127.0.0.1', port: expect.any(Number) });

    await subscriber.waitFor(() => subscriber.readings.filter((r) => r.topic === 'sensors/bench-1/greenhouse').length >= 5, 10_000, 'greenhouse readings');
    await subscriber.waitFor(() => subscriber.readings.some((r) => r.topic === 'sensors/bench-1/host'), 10_000, 'a host reading');
    // Both sensors took their first reading at start, at once.
    const host = subscriber.readings.find((r) => r.topic === 'sensors/bench-1/host');
    expect(host?.v).toMatchObject({ temperature: 48.3, load1: 0.52, load5: 0.58, load15: 0.59, memoryAvailableMB: 3187.8, memoryUsedPercent: 19.9, uptime: 12346 });
    expect(host?.v).toHaveProperty('diskFreeMB'); // of the store's file system
    const counter = subscriber.readings.filter((r) => r.topic === 'sensors/bench-1/greenhouse').map((r) => r.v.value);
    expect(counter.slice(0, 5)).toEqual([10, 11, 12, 13, 14]);

    const snapshot = running.hub.snapshot();
    expect(snapshot).toMatchObject({ device: 'bench-1', healthy: true, mqtt: { connected: true } });
    expect(snapshot.sensors.map(({ id, driver, state }) => ({ id, driver, state }))).toEqual([
      { id: 'greenhouse', driver: 'simulated', state: 'ok' },
      { id: 'host', driver: 'system', state: 'ok' },
    ]);
    const response = await fetch(`http://127.0.0.1:${running.statusAddress!.port}/status.json`);
    expect(((await response.json()) as { device: string }).device).toBe('bench-1');

    const seqs = subscriber.readings.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);

    agent = null;
    await running.stop();
    await subscriber.waitFor(() => subscriber.statuses.at(-1)?.state === 'offline', 10_000, 'the offline status');
    // Stopped means closed: the store opens again in this process, with the seq where it was.
    const reopened = new ReadingBuffer({ path: join(dir.path, 'buffer'), maxBytes: 64_000_000, overflow: 'drop-oldest', commitIntervalMs: 1000 }, silent);
    await reopened.start();
    try {
      expect(reopened.stats().lastSeq).toBeGreaterThanOrEqual(Math.max(...seqs));
    } finally {
      await reopened.stop();
    }
    await expect(fetch(`http://127.0.0.1:${running.statusAddress!.port}/status.json`)).rejects.toThrow();
  });

  it('shows the reconnect attempts and the next try on the status hub while the broker is away', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const running = await startAgent(config({ mqtt: { url: `mqtt://127.0.0.1:${port}`, reconnect: { min: '100ms', max: '300ms' } } }), silent);
    agent = running;
    await until(() => running.hub.snapshot().mqtt.failedAttempts >= 3, 10_000, 'three failed connect attempts');
    const { mqtt } = running.hub.snapshot();
    expect(mqtt).toMatchObject({ connected: false, reconnects: 0, lastError: 'connection refused (is the broker running?)' });
    expect(mqtt.nextAttemptAt).toEqual(expect.any(Number));
    // The next try is within the backoff's cap (300 ms, full jitter) of when it was scheduled.
    expect(mqtt.nextAttemptAt! - Date.now()).toBeLessThanOrEqual(300);
  });

  it('unwinds what started when the status port cannot listen, leaving the store closed', async () => {
    blocker = createServer();
    const taken = blocker;
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;

    await expect(startAgent(config({ status: { listen: `127.0.0.1:${port}` } }), silent)).rejects.toThrow(String(port));

    // The buffer was stopped on the way out: a second start on the same store succeeds.
    agent = await startAgent(config(), silent);
    const running = agent;
    await until(() => running.hub.snapshot().mqtt.connected && running.buffer.stats().lastSeq > 0, 10_000, 'a connection and a first reading');
    expect(running.statusAddress?.port).not.toBe(port);
  });

  it('marks a sensor whose chip is absent failed on the status hub while the others keep publishing', async () => {
    agent = await startAgent(
      config({
        simulate: { i2c: { 1: fixture('../fixtures/regmaps/bme280.yaml') } },
        sensors: [
          { id: 'greenhouse', driver: 'simulated', interval: '50ms', signal: 'counter', decimals: 0 },
          { id: 'missing', driver: 'bme280', bus: 1, address: '0x77', interval: '100ms' },
          { id: 'room', driver: 'bme280', bus: 1, address: '0x76', interval: '100ms' },
        ],
      }),
      silent,
    );
    const sensor = (id: string) => agent!.hub.snapshot().sensors.find((entry) => entry.id === id);
    await until(() => sensor('missing')?.state === 'failed', 10_000, 'the absent chip to be marked failed');
    expect(sensor('missing')?.lastError).toMatch(/no device at 0x77 on bus 1/);
    const before = subscriber.readings.filter((reading) => reading.topic.endsWith('/greenhouse')).length;
    await until(() => subscriber.readings.filter((reading) => reading.topic.endsWith('/greenhouse')).length > before + 3, 10_000, 'more greenhouse readings');
    await until(() => subscriber.readings.some((reading) => reading.topic.endsWith('/room')), 10_000, 'a room reading');
    expect(subscriber.readings.find((reading) => reading.topic.endsWith('/room'))?.v).toMatchObject({ temperature: 21, humidity: 45 });
    expect(sensor('room')?.state).toBe('ok');
    expect(subscriber.readings.some((reading) => reading.topic.endsWith('/missing'))).toBe(false);
  });

  it('admits status.maxClients WebSocket clients and refuses the next with 503', async () => {
    const running = await startAgent(config({ status: { listen: '127.0.0.1:0', maxClients: 20 } }), silent);
    agent = running;
    const url = `ws://127.0.0.1:${running.statusAddress!.port}/ws`;
    const open = (): Promise<{ socket: WebSocket; opened: boolean; status?: number }> =>
      new Promise((resolve) => {
        const socket = new WebSocket(url);
        socket.on('error', () => undefined);
        socket.once('open', () => resolve({ socket, opened: true }));
        socket.once('unexpected-response', (_request, response) => resolve({ socket, opened: false, status: response.statusCode }));
      });
    const admitted = [];
    for (let i = 0; i < 20; i++) admitted.push(await open());
    const refused = await open();
    try {
      expect(admitted.every((client) => client.opened)).toBe(true);
      expect(refused).toMatchObject({ opened: false, status: 503 });
    } finally {
      for (const client of [...admitted, refused]) client.socket.terminate();
    }
  });
});
