// Secrets (the broker password in the URL, the status token) never appear in any response of the
// status port: every route, the refusals, and every WebSocket message.
import { afterEach, describe, expect, it } from 'vitest';
import { startStatus, TestClient, type Harness } from './helpers.js';

const token = 'tok-secret-5d2a';
const secrets = ['s3cret-pass', token, 'agent:'];

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

describe('secrets', () => {
  it('appear in no HTTP answer and no WebSocket message', async () => {
    // The harness's broker URL is mqtts://agent:s3cret-pass@broker.example:8883.
    harness = await startStatus({ token });
    const { hub, http, ws } = harness;
    hub.registerSensor('greenhouse', 'bme280');
    hub.sensorReading('greenhouse', { ts: Date.now(), seq: 1, values: { temperature: 21.5 } });
    hub.mqttDisconnected('connect ECONNREFUSED 10.0.0.2:8883');

    const bodies: string[] = [];
    const authorized = { Authorization: `Bearer ${token}` };
    for (const path of ['/', '/status.json', '/history.json', '/metrics', '/healthz', '/nope']) {
      const answer = await fetch(`${http}${path}`, { headers: authorized });
      bodies.push(JSON.stringify([...answer.headers]), await answer.text());
      bodies.push(await (await fetch(`${http}${path}?token=wrong-${token}`)).text());
    }
    const client = await TestClient.connect(`${ws}?token=${token}`);
    await client.next('history');
    client.send('{"subscribe":"readings"}');
    await client.next('subscribed');
    hub.sensorReading('greenhouse', { ts: Date.now(), seq: 2, values: { temperature: 21.6 } });
    await client.next('reading');
    client.send(`{"subscribe":"${token}"}`);
    await client.next('error');
    await client.close();
    bodies.push(...client.received.map((message) => JSON.stringify(message)));

    expect(bodies.length).toBeGreaterThan(20);
    for (const body of bodies) for (const secret of secrets) expect(body).not.toContain(secret);
  });
});
