// GET /metrics: Prometheus text format from the hub's figures, per sensor where it matters.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClockMonitor } from '../../src/clock/clock-monitor.js';
import { FakeClockSource, SteppableWallClock } from '../helpers/fake-clock.js';
import { CapturedLog, startStatus, type Harness } from './helpers.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

/** The value of one sample line, e.g. sample(text, 'sensor_agent_mqtt_connected'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts readings accepted, published and dropped per sensor, and failures', async () => {
    harness = await startStatus();
    const { hub, buffer } = harness;
    hub.registerSensor('greenhouse', 'bme280');
    hub.registerSensor('door', 'gpio-input');
    hub.readingsStored('greenhouse', 40, 2);
    hub.sensorPublished('greenhouse', 35);
    hub.readingsStored('door', 3, 0);
    hub.sensorFailed('door', 'GPIO_UNAVAILABLE: line 17 busy');
    Object.assign(buffer, { backlog: 7, bytes: 560, dropped: 2, droppedHigh: 1, highBacklog: 3, maxBytes: 1024, oldestTs: Date.now() - 4_000 });

    const response = await fetch(`${harness.http}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE sensor_agent_readings_accepted_total counter');
    expect(sample(text, 'sensor_agent_readings_accepted_total{sensor="greenhouse"}')).toBe(40);
    expect(sample(text, 'sensor_agent_readings_published_total{sensor="greenhouse"}')).toBe(35);
    expect(sample(text, 'sensor_agent_readings_dropped_total{sensor="greenhouse"}')).toBe(2);
    expect(sample(text, 'sensor_agent_readings_accepted_total{sensor="door"}')).toBe(3);
    expect(sample(text, 'sensor_agent_sensor_failures_total{sensor="door"}')).toBe(1);
    expect(sample(text, 'sensor_agent_sensor_up{sensor="door"}')).toBe(0);
    expect(sample(text, 'sensor_agent_buffer_backlog_readings')).toBe(7);
    expect(sample(text, 'sensor_agent_buffer_bytes')).toBe(560);
    expect(sample(text, 'sensor_agent_buffer_max_bytes')).toBe(1024);
    expect(sample(text, 'sensor_agent_buffer_dropped_total')).toBe(2);
    expect(sample(text, 'sensor_agent_buffer_dropped_high_total')).toBe(1);
    expect(sample(text, 'sensor_agent_buffer_high_backlog_readings')).toBe(3);
    expect(sample(text, 'sensor_agent_buffer_oldest_age_seconds')).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'sensor_agent_info{device="greenhouse-pi",version="1.2.3"}')).toBe(1);
    // Process memory and the rest of prom-client's default set.
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });

  it('counts what the filters held back and what a clamp failed, per sensor', async () => {
    harness = await startStatus();
    const { hub, http } = harness;
    hub.registerSensor('room', 'bme280');
    hub.registerSensor('door', 'gpio-input');
    hub.sensorFiltered('room', Date.now(), { temperature: 21.02 }, 3);
    hub.sensorFiltered('room', Date.now(), null);
    hub.sensorOutOfRange('room', Date.now(), { temperature: 150.2 }, 'OUT_OF_RANGE: temperature 150.2 is outside the clamp range -40..85');
    const text = await (await fetch(`${http}/metrics`)).text();
    expect(text).toContain('# TYPE sensor_agent_readings_filtered_total counter');
    expect(sample(text, 'sensor_agent_readings_filtered_total{sensor="room"}')).toBe(4);
    expect(sample(text, 'sensor_agent_readings_out_of_range_total{sensor="room"}')).toBe(1);
    expect(sample(text, 'sensor_agent_sensor_failures_total{sensor="room"}')).toBe(1);
    expect(sample(text, 'sensor_agent_readings_filtered_total{sensor="door"}')).toBe(0);
    expect(sample(text, 'sensor_agent_readings_out_of_range_total{sensor="door"}')).toBe(0);
  });

  it('shows the clock: synchronized or not and who says so, the state the birth message says, and its steps', async () => {
    const source = new FakeClockSource({ synchronized: false, source: 'kernel (adjtimex)' });
    const wall = new SteppableWallClock(-86_400_000);
    const monitor = new ClockMonitor({ source, log: new CapturedLog().logger, now: wall.now, stepCheckMs: 3_600_000 });
    await monitor.start();
    try {
      harness = await startStatus({}, { clockStatus: () => monitor.status() });
      const scrape = async (): Promise<string> => (await fetch(`${harness!.http}/metrics`)).text();
      let text = await scrape();
      expect(text).toContain('# TYPE sensor_agent_clock_synchronized gauge');
      expect(sample(text, 'sensor_agent_clock_synchronized{source="kernel (adjtimex)"}')).toBe(0);
      expect(sample(text, 'sensor_agent_clock_state{state="unsynchronized"}')).toBe(1);
      expect(sample(text, 'sensor_agent_clock_state{state="synchronized"}')).toBe(0);
      expect(sample(text, 'sensor_agent_clock_state{state="unknown"}')).toBe(0);
      expect(sample(text, 'sensor_agent_clock_steps_total')).toBe(0);

      // NTP steps the clock a day forward and the kernel says synchronized.
      wall.skewMs = 0;
      source.set({ synchronized: true });
      await vi.waitFor(() => expect(monitor.status().synchronized).toBe(true));
      text = await scrape();
      expect(sample(text, 'sensor_agent_clock_synchronized{source="kernel (adjtimex)"}')).toBe(1);
      expect(sample(text, 'sensor_agent_clock_state{state="synchronized"}')).toBe(1);
      expect(sample(text, 'sensor_agent_clock_state{state="unsynchronized"}')).toBe(0);
      expect(sample(text, 'sensor_agent_clock_steps_total')).toBe(1);

      // Nothing left to ask, in a plausible year: unknown, and not counted as synchronized.
      source.set({ synchronized: null, source: 'none' });
      await vi.waitFor(() => expect(monitor.status().synchronized).toBeNull());
      text = await scrape();
      expect(sample(text, 'sensor_agent_clock_synchronized{source="none"}')).toBe(0);
      expect(sample(text, 'sensor_agent_clock_state{state="unknown"}')).toBe(1);
      expect(text).not.toContain('sensor_agent_clock_synchronized{source="kernel (adjtimex)"}');
    } finally {
      await monitor.stop();
    }
  });

  it('shows the MQTT link and its reconnects, as of the scrape', async () => {
    harness = await startStatus();
    const { hub, http } = harness;
    const scrape = async (): Promise<string> => (await fetch(`${http}/metrics`)).text();
    expect(sample(await scrape(), 'sensor_agent_mqtt_connected')).toBe(0);
    hub.mqttConnected();
    hub.mqttDisconnected('ECONNRESET');
    hub.mqttConnected();
    hub.mqttPublished(5, 1);
    const text = await scrape();
    expect(sample(text, 'sensor_agent_mqtt_connected')).toBe(1);
    expect(sample(text, 'sensor_agent_mqtt_reconnects_total')).toBe(1);
    expect(sample(text, 'sensor_agent_mqtt_published_total')).toBe(5);
    expect(sample(text, 'sensor_agent_mqtt_inflight_readings')).toBe(1);
  });

  it('counts process CPU since the process started, from the first scrape', async () => {
    harness = await startStatus();
    const before = process.cpuUsage();
    const text = await (await fetch(`${harness.http}/metrics`)).text();
    const after = process.cpuUsage();
    const total = sample(text, 'process_cpu_seconds_total') ?? NaN;
    // prom-client's own counter starts at the first scrape: it would show a few ms here.
    expect(total).toBeGreaterThanOrEqual((before.user + before.system) / 1e6);
    expect(total).toBeLessThanOrEqual((after.user + after.system) / 1e6);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(before.user / 1e6);
    expect(sample(text, 'process_cpu_system_seconds_total')).toBeGreaterThanOrEqual(before.system / 1e6);
    expect(text.match(/^process_cpu_seconds_total /gm)).toHaveLength(1);
  });

  it('shows finite event-loop delays on the first scrape and the next', async () => {
    harness = await startStatus();
    for (const scrape of [1, 2]) {
      const text = await (await fetch(`${harness.http}/metrics`)).text();
      for (const stat of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
        const value = sample(text, `nodejs_eventloop_lag_${stat}_seconds`);
        expect(value, `scrape ${scrape}: ${stat}`).toBeGreaterThanOrEqual(0);
        // Not prom-client's empty-histogram figures (9223372036.854776 s, NaN).
        expect(value, `scrape ${scrape}: ${stat}`).toBeLessThan(60);
      }
      expect(sample(text, 'nodejs_eventloop_lag_min_seconds')).toBeGreaterThan(0);
      expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThan(0);
    }
  });

  it('needs the token like the other routes', async () => {
    harness = await startStatus({ token: 'tok-metrics-1' });
    expect((await fetch(`${harness.http}/metrics`)).status).toBe(401);
    const response = await fetch(`${harness.http}/metrics`, { headers: { Authorization: 'Bearer tok-metrics-1' } });
    expect(response.status).toBe(200);
  });
});
