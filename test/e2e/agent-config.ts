// The configs the end-to-end tests give the daemon: simulated sensors, a store in the test's temp
// folder, an ephemeral status port, fast reconnects so link faults heal within a test.
import { join } from 'node:path';

export const DEVICE_ID = 'e2e';
export const TOPIC_PREFIX = `sensors/${DEVICE_ID}`;

export interface E2eConfigOptions {
  brokerUrl: string;
  dir: string;
  qos?: 0 | 1 | 2;
  logLevel?: 'debug' | 'info' | 'warn';
  sensors?: Array<Record<string, unknown>>;
}

/** A counter sensor ticking every 100 ms with 20 readings per tick: 200 readings/s. */
export const BURST_SENSOR = { id: 'load', driver: 'simulated', interval: '100ms', signal: 'counter', burst: 20, decimals: 0 };

export function e2eConfig(options: E2eConfigOptions): Record<string, unknown> {
  return {
    device: { id: DEVICE_ID },
    mqtt: {
      url: options.brokerUrl,
      qos: options.qos ?? 1,
      keepalive: '2s',
      reconnect: { min: '100ms', max: '300ms' },
    },
    store: { path: join(options.dir, 'buffer'), commitInterval: '200ms' },
    status: { listen: '127.0.0.1:0' },
    log: { level: options.logLevel ?? 'info' },
    sensors: options.sensors ?? [BURST_SENSOR],
  };
}
