// The status port's WebSocket side (/ws) against a real server on an ephemeral port.
import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startStatus, refusal, TestClient, type Harness } from './helpers.js';

let harness: Harness | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await harness?.stop();
  harness = undefined;
});

async function start(options: Parameters<typeof startStatus>[0] = {}): Promise<Harness> {
  harness = await startStatus(options);
  return harness;
}

async function connect(url: string, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
  const client = await TestClient.connect(url, options);
  clients.push(client);
  return client;
}

const valueOf = (message: { data: { sensors: Array<{ lastReading: { values: Record<string, number> } | null }> } }): number | undefined =>
  message.data.sensors[0]?.lastReading?.values.value;

describe('/ws', () => {
  it('sends a status snapshot on connect', async () => {
    const { hub, ws } = await start();
    hub.registerSensor('greenhouse', 'bme280');
    const client = await connect(ws);
    const first = await client.next('status');
    expect(first.data).toMatchObject({ device: 'greenhouse-pi', sensors: [{ id: 'greenhouse', state: 'starting' }] });
  });

  it('pushes changes throttled: many changes give few messages, the last one the final state', async () => {
    const { hub, ws } = await start({ pushIntervalMs: 100 });
    const client = await connect(ws);
    await client.next('status');
    const before = client.received.length;
    for (let value = 1; value <= 200; value++) hub.sensorReading('greenhouse', { ts: value, seq: value, values: { value } });

    await client.next('status', (message) => valueOf(message) === 200);
    const pushed = client.received.slice(before);
    expect(pushed.length).toBeLessThanOrEqual(3);
    expect(pushed.every((message) => message.type === 'status')).toBe(true);
    expect(valueOf(pushed.at(-1) as Parameters<typeof valueOf>[0])).toBe(200);
  });

  it('writes a burst of readings to each subscriber in one socket write, not one per reading', async () => {
    const { hub, ws } = await start();
    const subscribers = [await connect(ws), await connect(ws)];
    for (const subscriber of subscribers) {
      subscriber.send(JSON.stringify({ subscribe: 'readings' }));
      await subscriber.next('subscribed');
    }
    const writev = vi.spyOn(Socket.prototype, '_writev');
    const write = vi.spyOn(Socket.prototype, '_write');
    try {
      // One sensor batch: the agent hands its readings to the hub in one event-loop turn.
      for (let seq = 1; seq <= 50; seq++) hub.readingAccepted({ sensor: 'greenhouse', seq, ts: 1000 + seq, values: { value: seq } });
      await new Promise((resolve) => setImmediate(resolve));
      expect(writev.mock.calls.length + write.mock.calls.length).toBeLessThanOrEqual(subscribers.length);
    } finally {
      writev.mockRestore();
      write.mockRestore();
    }
    for (const subscriber of subscribers) {
      for (let seq = 1; seq <= 50; seq++) expect((await subscriber.next('reading')).data).toMatchObject({ seq });
    }
  });

  it('sends every reading to clients that subscribed, and only to them', async () => {
    const { hub, ws } = await start();
    const subscriber = await connect(ws);
    const bystander = await connect(ws);
    subscriber.send(JSON.stringify({ subscribe: 'readings' }));
    expect(await subscriber.next('subscribed')).toEqual({ type: 'subscribed', topic: 'readings' });

    for (let seq = 1; seq <= 3; seq++) hub.sensorReading('greenhouse', { ts: 1000 + seq, seq, values: { temperature: 20 + seq } });
    for (let seq = 1; seq <= 3; seq++) {
      expect(await subscriber.next('reading')).toEqual({ type: 'reading', data: { sensor: 'greenhouse', seq, ts: 1000 + seq, values: { temperature: 20 + seq } } });
    }
    // The readings were emitted before the final status push, so the bystander has seen all it will.
    await bystander.next('status', (message) => message.data.sensors[0]?.lastReading?.seq === 3);
    expect(bystander.received.some((message) => message.type === 'reading')).toBe(false);

    subscriber.send(JSON.stringify({ unsubscribe: 'readings' }));
    await subscriber.next('unsubscribed');
  });

  it('answers garbage with errors, logs it, and keeps working', async () => {
    const { hub, ws, http, log } = await start();
    const client = await connect(ws);
    for (const garbage of ['not json', '[1,2]', '42', '{"subscribe":"gossip"}', '{"reboot":true}', '{"subscribe":"readings","x":1}']) client.send(garbage);
    client.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    for (let count = 0; count < 7; count++) expect((await client.next('error')).error).toEqual(expect.any(String));
    await log.waitFor((line) => line.level === 40 && line.msg.startsWith('bad status client message'), 'a warning about a bad message');

    client.send('{"subscribe":"readings"}');
    await client.next('subscribed');
    hub.sensorReading('greenhouse', { ts: 1, seq: 1, values: { value: 1 } });
    await client.next('reading');
    expect((await fetch(`${http}/status.json`)).status).toBe(200);
  });

  it('closes only the client that sends an oversized message', async () => {
    const { hub, ws, log } = await start();
    const offender = await connect(ws);
    const bystander = await connect(ws);
    offender.send(JSON.stringify({ subscribe: 'x'.repeat(5000) }));
    expect((await offender.closed).code).toBe(1009);
    await log.waitFor((line) => line.msg === 'status client error', 'the oversized message logged');

    hub.sensorReading('greenhouse', { ts: 1, seq: 1, values: { value: 7 } });
    await bystander.next('status', (message) => valueOf(message) === 7);
  });

  it('refuses upgrades whose Origin does not match the Host', async () => {
    const { ws, http } = await start();
    expect((await refusal(ws, { origin: 'http://evil.example' })).message).toContain('403');
    expect((await refusal(ws, { origin: 'not a url' })).message).toContain('403');
    const sameSite = await connect(ws, { origin: http });
    await sameSite.next('status');
  });

  it('refuses clients beyond the cap with 503, and admits one again when a client leaves', async () => {
    const { ws } = await start({ maxClients: 2 });
    const first = await connect(ws);
    await connect(ws);
    expect((await refusal(ws)).message).toContain('503');
    await first.close();
    const late = await vi.waitFor(() => connect(ws), { timeout: 5_000, interval: 20 });
    await late.next('status');
  });

  it('refuses upgrades on other paths', async () => {
    const { ws } = await start();
    expect((await refusal(ws.replace('/ws', '/other'))).message).toContain('404');
  });

  it('requires the token when one is set', async () => {
    const { ws } = await start({ token: 'tok-9f2c41' });
    expect((await refusal(ws)).message).toContain('401');
    const client = await connect(`${ws}?token=tok-9f2c41`);
    await client.next('status');
    const withHeader = await connect(ws, { headers: { Authorization: 'Bearer tok-9f2c41' } });
    await withHeader.next('status');
  });

  it('cuts peers that do not answer pings, keeps those that do', async () => {
    const { hub, ws } = await start({ pingIntervalMs: 100 });
    const silent = await connect(ws, { autoPong: false });
    const lively = await connect(ws);
    expect((await silent.closed).code).toBe(1006);
    hub.bufferChanged();
    await lively.next('status');
    expect(lively.socket.readyState).toBe(lively.socket.OPEN);
  });

  it('cuts a client that stops reading instead of queueing for it without bound', async () => {
    const { hub, ws, log } = await start();
    const stalled = await connect(ws);
    const healthy = await connect(ws);
    stalled.send(JSON.stringify({ subscribe: 'readings' }));
    await stalled.next('subscribed');
    stalled.socket.pause();

    const values = Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`value${index}`, index + 0.125]));
    const cut = (): boolean => log.lines.some((line) => line.msg === 'status client is not reading; disconnected');
    for (let seq = 1; seq <= 20_000 && !cut(); seq++) hub.sensorReading('load', { ts: seq, seq, values });
    await log.waitFor((line) => line.msg === 'status client is not reading; disconnected', 'the stalled client cut');

    stalled.socket.resume();
    await stalled.closed;
    hub.sensorReading('load', { ts: 0, seq: 0, values: { value: -1 } });
    await healthy.next('status', (message) => valueOf(message) === -1);
  });
});
