// GET /metrics: the hub's figures in Prometheus text format, through prom-client on a registry of
// our own (never the global default, so two agents in one process, as in tests, do not collide).
// Every figure is read from one hub snapshot per scrape; nothing is counted twice.
// prom-client is loaded, and its default collectors (event-loop lag, GC observer) started, on the
// first scrape: a device nobody scrapes does not pay for them at start or in steady state.
import type { Registry } from 'prom-client';
import type { StatusHub } from './status-hub.js';
import type { StatusSnapshot } from './status-types.js';
import { collectDefaults } from './process-metrics.js';

export interface Metrics {
  contentType: string;
  render(): Promise<string>;
}

const prefix = 'sensor_agent_';
/** prom-client's Registry.PROMETHEUS_CONTENT_TYPE, known before prom-client is loaded. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function createMetrics(hub: StatusHub): Metrics {
  let registry: Promise<{ registry: Registry; sampled: () => Promise<void> }> | null = null;
  let current: StatusSnapshot | null = null;
  const snapshot = (): StatusSnapshot => (current ??= hub.snapshot());
  return {
    contentType: CONTENT_TYPE,
    async render(): Promise<string> {
      registry ??= import('prom-client').then((prom) => register(prom, hub, snapshot));
      const { registry: loaded, sampled } = await registry;
      // Each scrape waits until the event-loop histogram has sampled since the last (process-metrics.ts).
      await sampled();
      current = null;
      try {
        return await loaded.metrics();
      } finally {
        current = null;
      }
    },
  };
}

function register(prom: typeof import('prom-client'), hub: StatusHub, snapshot: () => StatusSnapshot): { registry: Registry; sampled: () => Promise<void> } {
  const { Counter, Gauge, Registry } = prom;
  const registry = new Registry();
  // Process memory, CPU, file descriptors, event loop lag, heap: prom-client's standard set, with
  // the CPU counters and event-loop figures made true from this (first) scrape on.
  const sampled = collectDefaults(prom, registry);

  const perSensor = (name: string, help: string, pick: (sensor: StatusSnapshot['sensors'][number]) => number): void => {
    new Counter({
      name: `${prefix}${name}`,
      help,
      labelNames: ['sensor'],
      registers: [registry],
      collect() {
        // Totals live in the hub; a scrape shows them as they are (reset, then set by inc).
        this.reset();
        for (const sensor of snapshot().sensors) this.inc({ sensor: sensor.id }, pick(sensor));
      },
    });
  };
  const gauge = (name: string, help: string, read: (status: StatusSnapshot) => number): void => {
    new Gauge({ name: `${prefix}${name}`, help, registers: [registry], collect() { this.set(read(snapshot())); } });
  };
  const counter = (name: string, help: string, read: (status: StatusSnapshot) => number): void => {
    new Counter({ name: `${prefix}${name}`, help, registers: [registry], collect() { this.reset(); this.inc(read(snapshot())); } });
  };

  perSensor('readings_accepted_total', 'Readings the buffer accepted, per sensor, since start.', (sensor) => sensor.readingsAccepted);
  perSensor('readings_published_total', 'Readings the broker acknowledged (QoS 0: written), per sensor, since start.', (sensor) => sensor.readingsPublished);
  perSensor(
    'readings_dropped_total',
    'Readings the buffer refused at append (drop-newest overflow, write failure), per sensor, since start. Drop-oldest evictions are in sensor_agent_buffer_dropped_total.',
    (sensor) => sensor.readingsDropped,
  );
  perSensor('sensor_failures_total', 'Failed sensor reads since start.', (sensor) => sensor.failures);
  perSensor('readings_filtered_total', 'Samples the filters held back (throttle, delta, a window not due): not readings, no seq, no buffer space; per sensor, since start.', (sensor) => sensor.readingsFiltered);
  perSensor('readings_out_of_range_total', 'Samples a clamp filter failed (outside its range), per sensor, since start; also in sensor_agent_sensor_failures_total.', (sensor) => sensor.readingsOutOfRange);
  new Gauge({
    name: `${prefix}sensor_up`,
    help: '1 while the sensor reads fine, 0 while it fails or has not read yet.',
    labelNames: ['sensor'],
    registers: [registry],
    collect() {
      this.reset();
      for (const sensor of snapshot().sensors) this.set({ sensor: sensor.id }, sensor.state === 'ok' ? 1 : 0);
    },
  });

  gauge('buffer_backlog_readings', 'Readings accepted and not yet acknowledged by the broker.', (status) => status.buffer.backlog);
  gauge('buffer_bytes', 'Bytes the waiting readings take in the store.', (status) => status.buffer.bytes);
  gauge('buffer_max_bytes', 'The store size limit (store.maxBytes).', (status) => status.buffer.maxBytes);
  gauge('buffer_oldest_age_seconds', 'Age of the oldest waiting reading; 0 when nothing waits.', (status) =>
    status.buffer.oldestTs === null ? 0 : Math.max(0, (status.time - status.buffer.oldestTs) / 1000),
  );
  gauge('buffer_high_backlog_readings', 'Of the backlog, the high-priority readings (sensors and outputs with priority: high).', (status) => status.buffer.highBacklog);
  counter('buffer_dropped_total', 'Readings dropped by the overflow policy or a failing store, ever (persisted across restarts).', (status) => status.buffer.dropped);
  counter('buffer_dropped_high_total', 'Of buffer_dropped_total, the high-priority readings: dropped only when no normal reading could be instead (persisted).', (status) => status.buffer.droppedHigh);
  gauge('buffer_write_failing', '1 while the store refuses writes (disk full, I/O error).', (status) => Number(status.buffer.writeFailing));
  gauge('mqtt_connected', '1 while connected to the broker.', (status) => Number(status.mqtt.connected));
  counter('mqtt_reconnects_total', 'Connections to the broker after the first one.', (status) => status.mqtt.reconnects);
  gauge('mqtt_inflight_readings', 'Readings sent and not yet acknowledged.', (status) => status.mqtt.inflight);
  counter('mqtt_published_total', 'Readings the broker acknowledged since start, all sensors.', (status) => status.mqtt.published);
  counter('mqtt_unsendable_total', "Readings taken out of the queue since start because they are larger than the broker's Maximum Packet Size.", (status) => status.mqtt.unsendable);
  gauge('mqtt_publish_refused', '1 while the broker keeps refusing publishes (the last refusals in a row, see lastRefusal in /status.json).', (status) => Number(status.mqtt.lastRefusal?.persistent ?? false));
  gauge('mqtt_window', "QoS > 0 publishes allowed in flight on the current connection (mqtt.maxInflight within the broker's Receive Maximum); 0 before the first.", (status) => status.mqtt.limits?.window ?? 0);
  gauge('mqtt_max_packet_bytes', 'The largest PUBLISH the agent sends on the current connection; 0 before the first.', (status) => status.mqtt.limits?.maxPacketSize ?? 0);
  new Counter({
    name: `${prefix}mqtt_publish_refusals_total`,
    help: 'Publishes the broker refused (PUBACK/PUBREC reason code >= 0x80), by reason code, since start; each is retried.',
    labelNames: ['reason_code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reasonCode, count] of Object.entries(snapshot().mqtt.refusalsByCode)) this.inc({ reason_code: reasonCode }, count);
    },
  });
  new Counter({
    name: `${prefix}mqtt_server_disconnects_total`,
    help: 'DISCONNECT packets the broker sent (MQTT 5), by reason code, since start.',
    labelNames: ['reason_code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reasonCode, count] of Object.entries(snapshot().mqtt.serverDisconnects)) this.inc({ reason_code: reasonCode }, count);
    },
  });
  registerOutputs(prom, registry, snapshot);
  registerClock(prom, registry, snapshot);
  gauge('up_since_seconds', 'Agent start time, seconds since the epoch.', (status) => status.startedAt / 1000);
  new Gauge({
    name: `${prefix}info`,
    help: 'Always 1; labels carry the device id and the agent version.',
    labelNames: ['device', 'version'],
    registers: [registry],
    collect() {
      this.reset();
      this.set({ device: hub.device, version: hub.version }, 1);
    },
  });

  return { registry, sampled };
}

/** `synchronized`, `unsynchronized` (readings are marked) or `unknown`: the birth message's word. */
function clockState(clock: StatusSnapshot['clock']): string {
  if (clock.synchronized === true) return 'synchronized';
  return clock.synchronized === false || !clock.plausible ? 'unsynchronized' : 'unknown';
}

const CLOCK_STATES = ['synchronized', 'unsynchronized', 'unknown'];

function registerClock(prom: typeof import('prom-client'), registry: Registry, snapshot: () => StatusSnapshot): void {
  new prom.Gauge({
    name: `${prefix}clock_synchronized`,
    help: '1 while the system clock is synchronized, 0 otherwise (readings taken then carry "clock":"unsynced"); source: what said so.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      const { clock } = snapshot();
      this.set({ source: clock.source }, Number(clock.synchronized === true));
    },
  });
  new prom.Gauge({
    name: `${prefix}clock_state`,
    help: 'The clock state as the birth message says it: 1 for the current state, 0 for the others (unknown: nothing on this host can tell, and the year is plausible).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const current = clockState(snapshot().clock);
      for (const state of CLOCK_STATES) this.set({ state }, Number(state === current));
    },
  });
  new prom.Counter({
    name: `${prefix}clock_steps_total`,
    help: 'Steps of the system clock (a move of more than 1 s against the monotonic clock) since start.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(snapshot().clock.steps);
    },
  });
}

/** Per output: its confirmed level and the commands carried out; refused commands by reason (issue 18). */
function registerOutputs(prom: typeof import('prom-client'), registry: Registry, snapshot: () => StatusSnapshot): void {
  const { Counter, Gauge } = prom;
  new Gauge({
    name: `${prefix}output_state`,
    help: 'The confirmed logical level of each output (1 on, 0 off); -1 while unknown (a line error).',
    labelNames: ['output'],
    registers: [registry],
    collect() {
      this.reset();
      for (const output of snapshot().outputs) this.set({ output: output.id }, output.state ?? -1);
    },
  });
  new Counter({
    name: `${prefix}output_commands_total`,
    help: 'Output commands carried out since start, by output and source (mqtt, page, pulse, maxOn, failsafe, stop, initial).',
    labelNames: ['output', 'source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const output of snapshot().outputs) for (const [source, count] of Object.entries(output.commands)) this.inc({ output: output.id, source }, count);
    },
  });
  new Counter({
    name: `${prefix}output_commands_refused_total`,
    help: 'Output commands refused since start, by reason (unknown-output, malformed, oversized, retained, expired, too-old, rate-limited, read-only).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(snapshot().outputRefusals)) this.inc({ reason }, count);
    },
  });
}
