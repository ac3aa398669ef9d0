// The status hub as a specification: what it records, what it emits, and its health rule.
import { describe, expect, it } from 'vitest';
import { redactUrl, StatusHub, type StatusReading } from '../../src/status/status-hub.js';
import { bufferStats } from './helpers.js';
import { hubProbe } from '../../src/systemd/service.js';

function makeHub(options: { mqttUrl?: string; stats?: () => ReturnType<typeof bufferStats> } = {}) {
  const clock = { now: 1_764_000_000_000 };
  const buffer = bufferStats();
  const hub = new StatusHub({
    device: 'greenhouse-pi',
    version: '1.2.3',
    mqttUrl: options.mqttUrl ?? 'mqtt://broker.local:1883',
    bufferStats: options.stats ?? (() => buffer),
    now: () => clock.now,
  });
  return { hub, clock, buffer };
}

describe('StatusHub', () => {
  it('strips credentials, query and fragment from the broker URL', () => {
    const { hub } = makeHub({ mqttUrl: 'mqtts://agent:s3cret@broker.example:8883/path?password=x#frag' });
    expect(hub.snapshot().mqtt.url).toBe('mqtts://broker.example:8883/path');
    expect(redactUrl('not a url')).toBe('(invalid URL)');
  });

  it('emits change on every mutating call', () => {
    const { hub } = makeHub();
    let changes = 0;
    hub.on('change', () => changes++);
    hub.registerSensor('greenhouse', 'bme280');
    hub.sensorReading('greenhouse', { ts: 1, seq: 1, values: { temperature: 21.5 } });
    hub.sensorFailed('greenhouse', 'no answer');
    hub.sensorRecovered('greenhouse');
    hub.mqttConnected();
    hub.mqttDisconnected('ECONNRESET');
    hub.mqttPublished(3, 1);
    hub.bufferChanged();
    expect(changes).toBe(8);
  });

  it('tracks a sensor through starting, ok, failed and recovered', () => {
    const { hub, clock } = makeHub();
    hub.registerSensor('greenhouse', 'bme280');
    expect(hub.snapshot().sensors).toEqual([
      {
        id: 'greenhouse', driver: 'bme280', state: 'starting', lastReading: null, lastRaw: null, lastError: null, failures: 0, since: clock.now,
        readingsAccepted: 0, readingsPublished: 0, readingsDropped: 0, readingsFiltered: 0, readingsOutOfRange: 0,
      },
    ]);
    clock.now += 1000;
    hub.sensorReading('greenhouse', { ts: clock.now, seq: 7, values: { temperature: 21.5, humidity: 40.2 } });
    const okSince = clock.now;
    clock.now += 1000;
    hub.sensorReading('greenhouse', { ts: clock.now, seq: 8, values: { temperature: 21.6, humidity: 40.1 } });
    expect(hub.snapshot().sensors[0]).toMatchObject({ state: 'ok', since: okSince, lastReading: { seq: 8, values: { temperature: 21.6 } } });

    clock.now += 1000;
    hub.sensorFailed('greenhouse', 'SENSOR_NOT_FOUND: no device at 0x76');
    hub.sensorFailed('greenhouse', 'SENSOR_NOT_FOUND: no device at 0x76');
    expect(hub.snapshot().sensors[0]).toMatchObject({ state: 'failed', failures: 2, since: clock.now, lastError: 'SENSOR_NOT_FOUND: no device at 0x76' });

    clock.now += 1000;
    hub.sensorRecovered('greenhouse');
    // The last error stays visible after recovery: it tells the technician what happened.
    expect(hub.snapshot().sensors[0]).toMatchObject({ state: 'ok', failures: 2, since: clock.now, lastError: 'SENSOR_NOT_FOUND: no device at 0x76' });
  });

  it('shows the raw sample beside the reported reading, and counts what the filters held back or failed', () => {
    const { hub, clock } = makeHub();
    hub.registerSensor('room', 'bme280');
    hub.sensorReading('room', { ts: clock.now, seq: 1, values: { temperature: 19.73 } }, { temperature: 21.53 });
    expect(hub.snapshot().sensors[0]).toMatchObject({ lastReading: { seq: 1, values: { temperature: 19.73 } }, lastRaw: { ts: clock.now, values: { temperature: 21.53 } } });
    clock.now += 2000;
    hub.sensorFiltered('room', clock.now, { temperature: 21.55 });
    expect(hub.snapshot().sensors[0]).toMatchObject({ lastReading: { seq: 1 }, lastRaw: { ts: clock.now, values: { temperature: 21.55 } }, readingsFiltered: 1 });
    hub.sensorOutOfRange('room', clock.now, { temperature: 150 }, 'OUT_OF_RANGE: temperature 150 is outside the clamp range -40..85');
    expect(hub.snapshot().sensors[0]).toMatchObject({ state: 'failed', failures: 1, readingsOutOfRange: 1, lastRaw: { values: { temperature: 150 } }, lastError: 'OUT_OF_RANGE: temperature 150 is outside the clamp range -40..85' });
    // Without filters the raw sample is the reading itself.
    hub.sensorReading('room', { ts: clock.now, seq: 2, values: { temperature: 21.6 } });
    expect(hub.snapshot().sensors[0]).toMatchObject({ state: 'ok', lastRaw: { values: { temperature: 21.6 } } });
  });

  it('emits reading only for readings the buffer accepted (with a seq)', () => {
    const { hub } = makeHub();
    const readings: StatusReading[] = [];
    hub.on('reading', (reading) => readings.push(reading));
    hub.sensorReading('door', { ts: 5, values: { level: 1 } });
    hub.sensorReading('door', { ts: 6, seq: 42, values: { level: 0 } });
    expect(readings).toEqual([{ sensor: 'door', seq: 42, ts: 6, values: { level: 0 } }]);
    // A sensor it was never told about is registered on the fly rather than throwing at the sampler.
    expect(hub.snapshot().sensors[0]).toMatchObject({ id: 'door', driver: 'unknown', state: 'ok' });
  });

  it('counts reconnects and keeps the last MQTT error', () => {
    const { hub, clock } = makeHub();
    expect(hub.snapshot().mqtt).toMatchObject({ connected: false, since: null, reconnects: 0, lastError: null });
    hub.mqttConnected();
    hub.mqttPublished(10, 4);
    clock.now += 5000;
    hub.mqttDisconnected('connect ECONNREFUSED 10.0.0.2:8883');
    expect(hub.snapshot().mqtt).toMatchObject({ connected: false, since: clock.now, inflight: 0, published: 10, lastError: 'connect ECONNREFUSED 10.0.0.2:8883' });
    hub.mqttConnected();
    hub.mqttDisconnected(null);
    hub.mqttConnected();
    expect(hub.snapshot().mqtt).toMatchObject({ connected: true, reconnects: 2, lastError: 'connect ECONNREFUSED 10.0.0.2:8883' });
  });

  it('masks a URL password quoted in an MQTT error', () => {
    const { hub } = makeHub();
    hub.mqttDisconnected('Unexpected server response: 401 from wss://agent:s3cret@broker.example/mqtt');
    expect(hub.snapshot().mqtt.lastError).toBe('Unexpected server response: 401 from wss://agent:***@broker.example/mqtt');
  });

  it('counts failed connect attempts and the next try while the link is down, and clears them on connect', () => {
    const { hub, clock } = makeHub();
    // Never connected: every retry follows a failed attempt.
    hub.mqttDisconnected('connection refused (is the broker running?)');
    hub.mqttRetrying(1_000);
    hub.mqttRetrying(2_000);
    expect(hub.snapshot().mqtt).toMatchObject({ failedAttempts: 2, nextAttemptAt: clock.now + 2_000, reconnects: 0 });
    hub.mqttConnected();
    expect(hub.snapshot().mqtt).toMatchObject({ failedAttempts: 0, nextAttemptAt: null });
    // An up link that drops: the first retry follows the drop, not a failed attempt.
    hub.mqttDisconnected('connection reset by the broker or the network');
    hub.mqttRetrying(500);
    expect(hub.snapshot().mqtt).toMatchObject({ failedAttempts: 0, nextAttemptAt: clock.now + 500 });
    hub.mqttRetrying(900);
    expect(hub.snapshot().mqtt.failedAttempts).toBe(1);
  });

  it('reports uptime, time and the current buffer figures', () => {
    const { hub, clock, buffer } = makeHub();
    clock.now += 61_500;
    buffer.backlog = 12;
    buffer.lastSeq = 18_234;
    const snapshot = hub.snapshot();
    expect(snapshot).toMatchObject({ device: 'greenhouse-pi', version: '1.2.3', uptimeSeconds: 61, time: clock.now, startedAt: clock.now - 61_500 });
    expect(snapshot.buffer).toMatchObject({ backlog: 12, lastSeq: 18_234 });
  });

  it('hands out snapshots that do not alias its state', () => {
    const { hub } = makeHub();
    hub.sensorReading('a', { ts: 1, seq: 1, values: { value: 1 } });
    const snapshot = hub.snapshot();
    snapshot.mqtt.published = 99;
    (snapshot.sensors[0]?.lastReading?.values ?? {}).value = 99;
    expect(hub.snapshot().mqtt.published).toBe(0);
    expect(hub.snapshot().sensors[0]?.lastReading?.values.value).toBe(1);
  });

  describe('health', () => {
    it('is healthy with no sensors, and while MQTT is down (the agent buffers offline)', () => {
      const { hub } = makeHub();
      hub.mqttDisconnected('broker unreachable');
      expect(hub.health()).toEqual({ healthy: true, reason: null });
    });

    it('is healthy while at least one sensor is not failed', () => {
      const { hub } = makeHub();
      hub.registerSensor('a', 'bme280');
      hub.registerSensor('b', 'sht3x');
      hub.sensorFailed('a', 'no answer');
      expect(hub.isHealthy()).toBe(true);
      hub.sensorFailed('b', 'no answer');
      expect(hub.health()).toEqual({ healthy: false, reason: 'all 2 sensors failed', restartHelps: true });
      expect(hub.snapshot().healthy).toBe(false);
      hub.sensorRecovered('b');
      expect(hub.isHealthy()).toBe(true);
    });

    it('is unhealthy while the buffer refuses writes', () => {
      const { hub, buffer } = makeHub();
      buffer.writeFailing = true;
      expect(hub.health()).toMatchObject({ healthy: false, reason: expect.stringContaining('refusing writes') });
    });

    it('is unhealthy but no reason to restart while the disk is full or read-only (the watchdog stays fed)', () => {
      const stats = { ...bufferStats(), writeFailing: true, capSetBy: 'read-only' as const, problem: 'the store /x is on a read-only file system' };
      const { hub } = makeHub({ stats: () => stats });
      expect(hub.health()).toEqual({ healthy: false, reason: 'buffer is refusing writes: the store /x is on a read-only file system', restartHelps: false });
      expect(hubProbe(hub)().healthy).toBe(true);
    });

    it('is unhealthy but no reason to restart while another device takes over our client id', () => {
      const { hub } = makeHub();
      hub.mqttTakeover({ clientId: 'sensor-agent-pi', since: 1, reason: 'the broker said "session taken over" (MQTT 5 reason code 0x8E)', advice: 'give each device its own' });
      expect(hub.health()).toMatchObject({ healthy: false, restartHelps: false, reason: expect.stringContaining('sensor-agent-pi') });
      expect(hubProbe(hub)().healthy).toBe(true);
      hub.mqttTakeover(null);
      expect(hub.health().healthy).toBe(true);
    });

    it('is unhealthy when the buffer is not open, and still gives a snapshot', () => {
      const { hub } = makeHub({
        stats: () => {
          throw new Error('store is closed');
        },
      });
      expect(hub.health()).toEqual({ healthy: false, reason: 'buffer not available: store is closed', restartHelps: true });
      expect(hub.snapshot()).toMatchObject({ healthy: false, buffer: { backlog: 0 } });
    });
  });
});
