// What the fault scenarios 1-4 share: the daemon's config under load, a real broker (Mosquitto when
// installed, else Aedes), delivery figures from a subscriber, and the agent's resident memory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mosquittoMissingReason, startAedes, startMosquitto } from '../helpers/broker.js';
import type { Subscriber } from '../helpers/subscriber.js';
import { DEVICE_ID } from '../e2e/agent-config.js';

/**
 * Start-up budget for a child daemon: it starts in well under a second, but the two cores are
 * shared with other work (qemu, benchmarks) and a start has been seen to take over 15 s there.
 */
export const SLOW_START = { startTimeoutMs: 60_000 };

export const TOPIC_PREFIX = `sensors/${DEVICE_ID}`;
export const STATUS_TOPIC = `${TOPIC_PREFIX}/status`;

export interface FaultConfigOptions {
  brokerUrl: string;
  dir: string;
  /** Readings per 100 ms tick of the simulated counter sensor (default 40: 400 readings/s). */
  burst?: number;
  keepalive?: string;
  maxInflight?: number;
  maxBytes?: string;
  overflow?: 'drop-oldest' | 'drop-newest' | 'downsample';
  commitInterval?: string;
  reconnect?: { min: string; max: string };
}

/** The daemon under load: a simulated counter sensor at QoS 1, fast reconnects, a 2 s keepalive. */
export function faultConfig(options: FaultConfigOptions): Record<string, unknown> {
  return {
    device: { id: DEVICE_ID },
    mqtt: {
      url: options.brokerUrl,
      qos: 1,
      keepalive: options.keepalive ?? '2s',
      maxInflight: options.maxInflight ?? 64,
      reconnect: options.reconnect ?? { min: '100ms', max: '300ms' },
    },
    store: {
      path: join(options.dir, 'buffer'),
      commitInterval: options.commitInterval ?? '200ms',
      ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
      ...(options.overflow ? { overflow: options.overflow } : {}),
    },
    status: { listen: '127.0.0.1:0' },
    log: { level: 'info' },
    sensors: [{ id: 'load', driver: 'simulated', interval: '100ms', signal: 'counter', burst: options.burst ?? 40, decimals: 0 }],
  };
}

export interface FaultBroker {
  kind: 'mosquitto' | 'aedes';
  url: string;
  port: number;
  /** Stops the broker and starts it again on the same port (Aedes: loses its state, like Mosquitto without persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Mosquitto when installed (what the field runs), else Aedes in-process. */
export async function startFaultBroker(options: { persistence?: boolean } = {}): Promise<FaultBroker> {
  if (mosquittoMissingReason() === null) {
    const broker = await startMosquitto({ persistence: options.persistence ?? false });
    return { kind: 'mosquitto', url: broker.url, port: broker.port, restart: broker.restart, stop: broker.stop };
  }
  let aedes = await startAedes();
  const port = aedes.port;
  return {
    kind: 'aedes',
    url: aedes.url,
    port,
    restart: async () => {
      await aedes.stop();
      aedes = await startAedes(port);
    },
    stop: () => aedes.stop(),
  };
}

export interface DeliveryFigures {
  accepted: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Up to 20 of the seqs that never arrived, for the report. */
  missingSample: number[];
}

/** Delivery of seqs 1..accepted, not counting `excluded` (readings the buffer dropped by policy). */
export function deliveryFigures(subscriber: Subscriber, accepted: number, excluded: (seq: number) => boolean = () => false): DeliveryFigures {
  const received = subscriber.seqs();
  const missing: number[] = [];
  let delivered = 0;
  for (let seq = 1; seq <= accepted; seq += 1) {
    if (received.has(seq)) delivered += 1;
    else if (!excluded(seq)) missing.push(seq);
  }
  return {
    accepted,
    delivered,
    lost: missing.length,
    duplicates: subscriber.readings.length - received.size,
    missingSample: missing.slice(0, 20),
  };
}

/** Resident memory of a process in KiB (VmRSS from /proc), or null when it is gone. */
export function vmRssKb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Resident set size of a process in MB, from /proc (null when it is gone). */
export async function rssMb(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  const kb = vmRssKb(pid);
  return kb === null ? null : Math.round(kb / 102.4) / 10;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
