// The publisher wired to a real buffer (LevelDB in a temp dir) and a real broker, optionally
// through the TCP fault proxy: what the agent does, without sensors, so tests drive the load.
import { pino, type Logger } from 'pino';
import { ReadingBuffer } from '../../src/buffer/reading-buffer.js';
import type { BufferOptions } from '../../src/buffer/types.js';
import { MqttConnection } from '../../src/mqtt/connection.js';
import { Publisher } from '../../src/mqtt/publisher.js';
import { Routes, type QoS } from '../../src/mqtt/topics.js';
import { makeTempDir } from './temp-dir.js';

export interface RigOptions {
  brokerUrl: string;
  qos?: QoS;
  keepaliveMs?: number;
  maxInflight?: number;
  protocolVersion?: 4 | 5;
  sensors?: Array<{ id: string; qos?: QoS; retain?: boolean }>;
  /** mqtt.batch, parsed. */
  batch?: { maxReadings: number; maxDelayMs: number };
  /** mqtt.drainRate, parsed (readings per second). */
  drainRatePerSecond?: number;
  /** An existing store to publish from (default: a fresh one in the rig's temp dir). */
  storePath?: string;
  /** The buffer's boot id file (epochs). */
  bootIdPath?: string;
  /** mqtt.maxPacketSize, parsed (bytes). */
  maxPacketSize?: number;
  /** Where the publisher and connection log (default: silent). */
  log?: Logger;
  /** store.maxBytes and store.overflow, parsed (default 64 MB, drop-oldest). */
  maxBytes?: number;
  overflow?: BufferOptions['overflow'];
}

export interface PublisherRig {
  buffer: ReadingBuffer;
  connection: MqttConnection;
  publisher: Publisher;
  /** Appends `count` readings of sensor `sensor` (`high`: in the high-priority lane) in one turn; resolves with the last seq. */
  appendBurst(count: number, sensor?: string, high?: boolean): Promise<number>;
  waitConnected(): Promise<void>;
  stop(): Promise<void>;
}

export const silentLog = pino({ level: 'silent' });

/** A logger that keeps every line (debug and up) for the test to read. */
export function capturingLog(): { log: Logger; lines: Array<{ level: number; msg: string } & Record<string, unknown>> } {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { log, lines };
}

export async function startPublisherRig(options: RigOptions): Promise<PublisherRig> {
  const dir = await makeTempDir('pub-');
  const buffer = new ReadingBuffer(
    {
      path: options.storePath ?? `${dir.path}/buffer`,
      maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
      overflow: options.overflow ?? 'drop-oldest',
      commitIntervalMs: 1000,
      ...(options.bootIdPath === undefined ? {} : { bootIdPath: options.bootIdPath }),
    },
    silentLog,
  );
  await buffer.start();
  const routes = new Routes({ topicPrefix: 'sensors/test', qos: options.qos ?? 1, retain: false }, options.sensors ?? [{ id: 'probe' }]);
  const connection = new MqttConnection(
    {
      url: options.brokerUrl,
      clientId: `agent-${Math.random().toString(16).slice(2)}`,
      protocolVersion: options.protocolVersion ?? 5,
      keepaliveMs: options.keepaliveMs ?? 30_000,
      statusTopic: routes.statusTopic,
      connectTimeoutMs: 2000,
    },
    { minMs: 50, maxMs: 300 },
    options.log ?? silentLog,
  );
  const publisher = new Publisher({
    connection, source: buffer, routes, maxInflight: options.maxInflight, maxPacketSize: options.maxPacketSize, version: 'test', log: options.log ?? silentLog, batch: options.batch, drainRatePerSecond: options.drainRatePerSecond,
  });
  publisher.start();
  return {
    buffer,
    connection,
    publisher,
    appendBurst: async (count, sensor = 'probe', high = false) => {
      const stored = await Promise.all(Array.from({ length: count }, (_, i) => buffer.append({ sensor, ts: Date.now(), values: { value: i }, ...(high ? { high } : {}) })));
      return Math.max(...stored.map((reading) => reading?.seq ?? 0));
    },
    waitConnected: () =>
      connection.isConnected ? Promise.resolve() : new Promise((resolve) => publisher.once('connected', () => resolve())),
    stop: async () => {
      await publisher.stop(1000);
      await buffer.stop();
      await dir.cleanup();
    },
  };
}

/** Re-exported for the publisher tests that import it from here. */
export { until } from './poll.js';
