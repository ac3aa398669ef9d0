// What the publisher consumes and emits: the buffer's side (PublishSource, an interface defined by
// its consumer), its options, its events, and a lane (a cursor over the buffer, publisher.ts).
import type { Logger } from 'pino';
import type { RawReading } from '../buffer/index.js';
import type { LinkLimits } from './broker-limits.js';
import type { BrokerProfile } from './broker-profiles.js';
import type { MqttConnection } from './connection.js';
import { OpenBatches, type BatchOptions } from './open-batches.js';
import type { RefusalInfo } from './refusals.js';
import type { Routes } from './topics.js';

/**
 * What one connection reads of the buffer: stored JSON texts of one lane (`high`: the
 * high-priority readings, else the normal ones) between two seqs, in flight until acked or closed.
 */
export interface PublishReader {
  readRaw(afterSeq: number, limit: number, upToSeq?: number, high?: boolean): Promise<RawReading[]>;
  /** Deletes acknowledged readings; still works after close (acks that arrived before the link went down). */
  ack(seqs: readonly number[]): Promise<void>;
  /** The link is down: nothing this reader handed out is in flight any more. */
  close(): void;
}

/** The part of the buffer the publisher uses. */
export interface PublishSource {
  /** A reader per connection, closed when its link goes down. */
  openReader(): PublishReader;
  ack(seqs: readonly number[]): Promise<void>;
  on(event: 'appended', listener: () => void): unknown;
  off(event: 'appended', listener: () => void): unknown;
  /** lastSeq: the highest seq written (the live/backlog split); epoch, droppedHigh: for the birth message. */
  stats(): { dropped: number; droppedHigh?: number; lastSeq: number; epoch?: number };
}

export interface PublisherEvents {
  connected: [];
  disconnected: [reason: string];
  /** Readings the broker acknowledged (or, QoS 0, that were written), deleted from the buffer. */
  published: [count: number];
  /** The same, per sensor (emitted before `published`). */
  sensorPublished: [sensor: string, count: number];
  /** The limits in force on the new connection. */
  limits: [limits: LinkLimits];
  /** Readings taken out of the queue because no packet the broker takes can hold them. */
  unsendable: [sensor: string, count: number];
  /** The broker refused a publish, or accepted again after refusals (inARow 0). */
  refusal: [info: RefusalInfo];
}

export interface PublisherOptions {
  connection: MqttConnection;
  source: PublishSource;
  routes: Routes;
  /** mqtt.maxInflight; absent: 64 on MQTT 5, 20 on 3.1.1 (broker-limits.ts). */
  maxInflight?: number | undefined;
  /** mqtt.maxPacketSize (bytes); absent: the broker's on MQTT 5, 64 KiB on 3.1.1. */
  maxPacketSize?: number | undefined;
  /** mqtt.brokerProfile: the limits a 3.1.1 broker cannot announce. */
  profile?: BrokerProfile | undefined;
  version: string;
  log: Logger;
  /** mqtt.batch: several readings of a sensor per message. */
  batch?: BatchOptions | undefined;
  /** mqtt.drainRate (readings per second): live-first, the backlog within the rest of the budget. */
  drainRatePerSecond?: number | undefined;
  /** The clock's state for the birth message: `synchronized`, `unsynchronized` or `unknown`. */
  clockState?: (() => string) | undefined;
}

export interface Lane {
  /** Read first and never held back by the rate budget (no split, or newer than the split). */
  live: boolean;
  /** Reads the buffer's high-priority readings (issue 21), else the normal ones. */
  high: boolean;
  /** Last seq read from the buffer (readings up to it are queued or handed out). */
  cursor: number;
  upToSeq: number;
  /** Read ahead, not yet handed out: queued[head..]. */
  queued: RawReading[];
  head: number;
  /** Closed batches waiting for room in the window (batching only). */
  ready: RawReading[][];
  batches: OpenBatches | null;
  /** The backlog lane was read to its end. */
  done: boolean;
  /** The live lane's next read, started while its last full read goes out (drain.ts readLane). */
  ahead: Promise<RawReading[] | null> | null;
  /** The drain's count of appends when a read of this lane that came back short (read to its end) began; -1: none yet. */
  readToEndAt: number;
}

export const NOTHING: RawReading[] = [];

export function newLane(live: boolean, high: boolean, afterSeq: number, upToSeq: number, batch: BatchOptions | undefined, closed: (lane: Lane, readings: RawReading[]) => void): Lane {
  const lane: Lane = { live, high, cursor: afterSeq, upToSeq, queued: NOTHING, head: 0, ready: [], batches: null, done: false, ahead: null, readToEndAt: -1 };
  if (batch) lane.batches = new OpenBatches(batch, (readings) => closed(lane, readings));
  return lane;
}
