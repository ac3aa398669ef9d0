// The status port's HTTP side against a real server on an ephemeral port.
import { afterEach, describe, expect, it } from 'vitest';
import { parseListen } from '../../src/status/listen-address.js';
import type { StatusSnapshot } from '../../src/status/status-hub.js';
import { StatusServer } from '../../src/status/status-server.js';
import { startStatus, TestClient, type Harness } from './helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

async function start(options: Parameters<typeof startStatus>[0] = {}): Promise<Harness> {
  harness = await startStatus(options);
  return harness;
}

describe('GET /status.json', () => {
  it('shows device, MQTT, buffer and sensor state, uncached', async () => {
    const { hub, buffer, http } = await start();
    Object.assign(buffer, { backlog: 120, bytes: 9_600, lastSeq: 18_234, dropped: 3, oldestTs: 1_764_000_000_123 });
    hub.mqttDisconnected('connect ECONNREFUSED 10.0.0.2:8883');
    hub.registerSensor('greenhouse', 'bme280');
    hub.sensorReading('greenhouse', { ts: 1_764_000_000_500, seq: 18_234, values: { temperature: 21.53, humidity: 40.2 } });
    hub.registerSensor('door', 'gpio-input');
    hub.sensorFailed('door', 'GPIO_UNAVAILABLE: line 17 busy');

    const response = await fetch(`${http}/status.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const status = (await response.json()) as StatusSnapshot;
    expect(status).toMatchObject({ device: 'greenhouse-pi', version: '1.2.3', healthy: true });
    expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(status.mqtt).toMatchObject({ connected: false, lastError: 'connect ECONNREFUSED 10.0.0.2:8883', url: 'mqtts://broker.example:8883' });
    expect(status.buffer).toMatchObject({ backlog: 120, bytes: 9_600, lastSeq: 18_234, dropped: 3, oldestTs: 1_764_000_000_123 });
    expect(status.sensors).toEqual([
      expect.objectContaining({ id: 'greenhouse', driver: 'bme280', state: 'ok', lastError: null, lastReading: { ts: 1_764_000_000_500, seq: 18_234, values: { temperature: 21.53, humidity: 40.2 } } }),
      expect.objectContaining({ id: 'door', driver: 'gpio-input', state: 'failed', lastReading: null, lastError: 'GPIO_UNAVAILABLE: line 17 busy' }),
    ]);
  });

  it('never shows the broker credentials', async () => {
    const { http } = await start();
    const body = await (await fetch(`${http}/status.json`)).text();
    expect(body).not.toContain('s3cret-pass');
    expect(body).not.toContain('agent:');
  });
});

describe('GET /healthz', () => {
  it('answers 200 while healthy, 503 with the reason when all sensors failed, 200 again on recovery', async () => {
    const { hub, http } = await start();
    hub.registerSensor('greenhouse', 'bme280');
    hub.mqttDisconnected('broker down'); // offline is not unhealthy
    let response = await fetch(`${http}/healthz`);
    expect([response.status, await response.json()]).toEqual([200, { ok: true }]);
    hub.mqttConnected();
    hub.mqttDisconnected('broker down'); // after a first connect, /healthz says why nothing is published
    response = await fetch(`${http}/healthz`);
    expect([response.status, await response.json()]).toEqual([200, { ok: true, notes: ['mqtt broker not connected (broker down): readings are buffered'] }]);

    hub.sensorFailed('greenhouse', 'no answer');
    response = await fetch(`${http}/healthz`);
    expect([response.status, await response.json()]).toEqual([503, { ok: false, reason: 'the only sensor failed', restartHelps: true }]);

    hub.sensorRecovered('greenhouse');
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
  });

  it('answers 503 while the buffer refuses writes', async () => {
    const { buffer, http } = await start();
    buffer.writeFailing = true;
    const response = await fetch(`${http}/healthz`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { reason: string }).reason).toContain('buffer');
  });
});

describe('other routes', () => {
  it('serves the self-contained status page at /, with a CSP that allows only its own inline code', async () => {
    const { http } = await start();
    const response = await fetch(`${http}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('/ws');
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i); // nothing loaded from elsewhere
    expect(html).not.toMatch(/<(link|img|iframe)\b/i);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("connect-src 'self'");
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const { http } = await start();
    expect((await fetch(`${http}/nope`)).status).toBe(404);
    const post = await fetch(`${http}/status.json`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${http}/healthz`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${http}/status.json`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('token', () => {
  const token = 'tok-9f2c41';

  it('requires the token everywhere but /healthz, as a bearer header or a query parameter', async () => {
    const { http } = await start({ token });
    const refused = await fetch(`${http}/status.json`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain(token);
    expect((await fetch(`${http}/`)).status).toBe(401);
    expect((await fetch(`${http}/status.json`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${http}/status.json?token=${token}x`)).status).toBe(401);

    const withHeader = await fetch(`${http}/status.json`, { headers: { Authorization: `Bearer ${token}` } });
    expect(withHeader.status).toBe(200);
    expect(await withHeader.text()).not.toContain(token);
    expect((await fetch(`${http}/status.json?token=${token}`)).status).toBe(200);
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
  });
});

describe('lifecycle', () => {
  it('reports the real port after listening on port 0', async () => {
    const { server, http } = await start();
    const { host, port } = server.address();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);
    expect(http).toBe(`http://127.0.0.1:${port}`);
  });

  it('rejects start() with a clear message when the port is taken', async () => {
    const { hub, server } = await start();
    const { port } = server.address();
    const second = new StatusServer({ listen: `127.0.0.1:${port}`, hub });
    await expect(second.start()).rejects.toThrow(`status port 127.0.0.1:${port} is already in use`);
    await second.stop();
  });

  it('stops cleanly when stop() comes while start() is still listening', async () => {
    const { hub } = await start();
    const server = new StatusServer({ listen: '127.0.0.1:0', hub });
    const starting = server.start();
    await server.stop();
    await starting;
    expect(() => server.address()).toThrow('not listening');
  });

  it('parses listen addresses and refuses malformed ones', () => {
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    for (const bad of ['8080', 'host', 'host:99999', '::1:80', 'host:']) {
      expect(() => parseListen(bad)).toThrow(/STATUS_LISTEN_INVALID/);
    }
  });

  it('closes WebSocket clients with 1001 on stop, then stops listening', async () => {
    const { server, ws, http } = await start();
    const client = await TestClient.connect(ws);
    await client.next('status');
    await server.stop();
    expect((await client.closed).code).toBe(1001);
    await expect(fetch(`${http}/healthz`)).rejects.toThrow();
    await server.stop(); // twice is harmless
  });
});
