// Moves readings from the buffer to the broker through a bounded in-flight window. A reading is
// acked back to the buffer (and so deleted) only on PUBACK/PUBCOMP, or once written for QoS 0.
// After a reconnect everything unacked is read again from the buffer and resent.
//
// Readings flow in lanes, each a cursor over the buffer in seq order. Without mqtt.drainRate there
// is one lane: everything in seq order. With it, a connection splits the buffer at the last seq
// written when it came up: older readings are the backlog lane (read up to that seq, within the
// rate budget), newer ones the live lane (read first, never held back). Cursors live only as long
// as their connection, so nothing read but unacked can be skipped: the next connection rereads it.
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { RawReading } from '../buffer/types.js';
import type { MqttConnection } from './connection.js';
import { OFFLINE_PAYLOAD } from './client-options.js';
import { DrainBudget } from './drain-budget.js';
import { OpenBatches, type BatchOptions } from './open-batches.js';
import { encodeBatchPayload, encodeRawPayload, type Route, type Routes } from './topics.js';

/** The part of the buffer the publisher uses: stored JSON texts, read between two seqs. */
export interface PublishSource {
  readRawFrom(afterSeq: number, limit: number, upToSeq?: number): Promise<RawReading[]>;
  ack(seqs: readonly number[]): Promise<void>;
  on(event: 'appended', listener: () => void): unknown;
  off(event: 'appended', listener: () => void): unknown;
  /** Forgets which readings were handed out: they are no longer in flight once the link is down. */
  releaseHandedOut?(): void;
  /** lastSeq: the highest seq written (the live/backlog split); epoch: the current one (birth message). */
  stats(): { dropped: number; lastSeq: number; epoch?: number };
}

export interface PublisherEvents {
  connected: [];
  disconnected: [reason: string];
  /** Readings the broker acknowledged (or, QoS 0, that were written), deleted from the buffer. */
  published: [count: number];
  /** The same, per sensor (emitted before `published`). */
  sensorPublished: [sensor: string, count: number];
}

/** Most readings one buffer read returns. */
const READ_MAX = 1024;
/** Readings the live lane reads at once and hands out as the window opens. */
const READ_AHEAD = 512;
/** Acks are deleted from the buffer in one write per this many ms (or per turn once this many wait). */
const ACK_FLUSH_MS = 10;
const ACK_FLUSH_NOW = 512;
const NOTHING: RawReading[] = [];

interface Lane {
  live: boolean;
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
}

interface Session {
  client: MqttClient;
  window: number;
  inflight: number;
  live: Lane;
  backlog: Lane | null;
}

export interface PublisherOptions {
  connection: MqttConnection;
  source: PublishSource;
  routes: Routes;
  maxInflight: number;
  version: string;
  log: Logger;
  /** mqtt.batch: several readings of a sensor per message. */
  batch?: BatchOptions | undefined;
  /** mqtt.drainRate (readings per second): live-first, the backlog within the rest of the budget. */
  drainRatePerSecond?: number | undefined;
  /** The clock's state for the birth message: `synchronized`, `unsynchronized` or `unknown`. */
  clockState?: (() => string) | undefined;
}

export class Publisher extends EventEmitter<PublisherEvents> {
  private session: Session | null = null;
  private pumping = false;
  private pumpAgain = false;
  private stopping = false;
  private ackQueue: number[] = [];
  private readonly ackedBySensor = new Map<string, number>();
  /** Acked by the broker, not yet deleted from the buffer: never resend these. */
  private readonly ackPending = new Set<number>();
  private ackFlush: Promise<void> | null = null;
  private ackFlushNow = false;
  private rejectedLogged = false;
  private readonly budget: DrainBudget | null;
  /** Backlog readings read at once under a rate limit: a batch, or ~50 ms worth. */
  private readonly backlogChunk: number;
  private budgetTimer: NodeJS.Timeout | null = null;
  published = 0;

  private readonly wake = (): void => void this.pump();

  constructor(private readonly options: PublisherOptions) {
    super();
    const rate = options.drainRatePerSecond;
    const batchSize = options.batch?.maxReadings ?? 1;
    this.budget = rate === undefined ? null : new DrainBudget(rate, Math.max(rate, batchSize));
    this.backlogChunk = rate === undefined ? READ_MAX : Math.max(1, Math.min(batchSize > 1 ? batchSize : Math.ceil(rate / 20), READ_MAX));
  }

  get inflight(): number {
    return this.session?.inflight ?? 0;
  }

  start(): void {
    const { connection, source } = this.options;
    connection.on('up', (client, receiveMaximum) => this.onUp(client, receiveMaximum));
    connection.on('down', (reason) => {
      this.endSession();
      // Nothing is in flight any more: drop-oldest may now drop the oldest, whatever was read.
      this.options.source.releaseHandedOut?.();
      this.emit('disconnected', reason);
    });
    source.on('appended', this.wake);
    connection.start();
  }

  /** Sends open batches, waits (bounded) for in-flight acks, publishes the offline status, ends the link. */
  async stop(timeoutMs = 5000): Promise<void> {
    const session = this.session;
    if (session) {
      for (const lane of lanes(session)) lane.batches?.closeAll();
      for (const lane of lanes(session)) this.sendReady(session, lane);
    }
    this.stopping = true;
    this.options.source.off('appended', this.wake);
    const deadline = Date.now() + timeoutMs;
    while (this.session && this.session.inflight > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.flushAcks();
    const client = this.options.connection.client;
    if (client) {
      await Promise.race([
        client.publishAsync(this.options.routes.statusTopic, OFFLINE_PAYLOAD, { qos: 1, retain: true }).catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, Math.max(100, deadline - Date.now())).unref()),
      ]);
    }
    this.endSession();
    await this.options.connection.stop();
  }

  private onUp(client: MqttClient, receiveMaximum: number | undefined): void {
    this.endSession();
    // MQTT.js does not enforce the broker's Receive Maximum; exceeding it gets us disconnected.
    // One slot stays free for the birth and offline status messages.
    const brokerLimit = receiveMaximum !== undefined ? Math.max(1, receiveMaximum - 1) : Infinity;
    const split = this.budget === null ? 0 : this.options.source.stats().lastSeq;
    const session: Session = {
      client,
      window: Math.min(this.options.maxInflight, brokerLimit),
      inflight: 0,
      live: this.lane(true, split, Number.POSITIVE_INFINITY),
      backlog: this.budget === null ? null : this.lane(false, 0, split),
    };
    this.session = session;
    this.publishBirth(client);
    this.emit('connected');
    void this.pump();
  }

  /** Sends the birth message again while connected (the clock's state changed), so the retained status stays true. */
  announce(): void {
    if (this.session && !this.stopping) this.publishBirth(this.session.client);
  }

  private publishBirth(client: MqttClient): void {
    const { dropped, lastSeq, epoch = 0 } = this.options.source.stats();
    const clock = this.options.clockState?.();
    const birth = JSON.stringify({ state: 'online', version: this.options.version, dropped, epoch, lastSeq, ts: Date.now(), ...(clock === undefined ? {} : { clock }) });
    client.publish(this.options.routes.statusTopic, birth, { qos: 1, retain: true }, (error) => {
      if (error) this.options.log.warn({ err: error.message }, 'birth message not acknowledged');
    });
  }

  private lane(live: boolean, afterSeq: number, upToSeq: number): Lane {
    const lane: Lane = { live, cursor: afterSeq, upToSeq, queued: NOTHING, head: 0, ready: [], batches: null, done: false };
    if (this.options.batch) lane.batches = new OpenBatches(this.options.batch, (readings) => this.batchClosed(lane, readings));
    return lane;
  }

  private endSession(): void {
    const session = this.session;
    this.session = null;
    if (session) for (const lane of lanes(session)) lane.batches?.discard();
    if (this.budgetTimer !== null) clearTimeout(this.budgetTimer);
    this.budgetTimer = null;
  }

  private async pump(): Promise<void> {
    if (!this.session || this.stopping) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        await this.fillWindow();
      } while (this.pumpAgain && this.session && !this.stopping);
    } catch (error) {
      this.options.log.error({ err: error }, 'reading the buffer failed; retrying on the next reading');
    } finally {
      this.pumping = false;
    }
  }

  private async fillWindow(): Promise<void> {
    for (;;) {
      const session = this.session;
      if (!session || this.stopping) return;
      this.sendReady(session, session.live);
      if (session.backlog) this.sendReady(session, session.backlog);
      const room = session.window - session.inflight;
      if (room <= 0) return;
      const readLimit = Math.min(READ_MAX, room * (this.options.batch?.maxReadings ?? 1));
      // Live first: whatever is newer than the split goes before any backlog.
      if ((await this.readLane(session, session.live, readLimit)) > 0) continue;
      if (session !== this.session) return;
      const backlog = session.backlog;
      if (backlog === null || backlog.done) return;
      const allowed = this.budget === null ? readLimit : this.budget.take(Math.min(readLimit, this.backlogChunk), this.backlogChunk);
      if (allowed === 0) return this.waitForBudget();
      const read = await this.readLane(session, backlog, allowed);
      if (read < allowed) {
        // Read to the split: what remains of the backlog goes out now, not after maxDelay.
        this.budget?.refund(allowed - read);
        backlog.done = true;
        backlog.batches?.closeAll();
      }
      if (session !== this.session) return;
    }
  }

  /**
   * Sends up to `limit` readings of a lane. The live lane reads ahead (READ_AHEAD readings per
   * buffer read, not one small read per returning ack: one LevelDB iterator per read is the cost);
   * the backlog lane reads exactly what its budget allows.
   */
  private async readLane(session: Session, lane: Lane, limit: number): Promise<number> {
    if (lane.head >= lane.queued.length) {
      const want = lane.live ? Math.max(limit, READ_AHEAD) : limit;
      const readings = await this.options.source.readRawFrom(lane.cursor, want, lane.upToSeq);
      if (session !== this.session || readings.length === 0) return 0;
      lane.cursor = readings[readings.length - 1]!.seq;
      lane.queued = readings;
      lane.head = 0;
    }
    const stream = session.client.stream;
    // One socket write for the publishes of this turn, not one writev per message.
    stream.cork();
    let taken = 0;
    while (taken < limit && lane.head < lane.queued.length) {
      const reading = lane.queued[lane.head++]!;
      taken++;
      if (this.ackPending.has(reading.seq)) continue;
      if (lane.batches) lane.batches.add(reading);
      else this.sendOne(session, lane, reading);
    }
    process.nextTick(() => stream.uncork());
    if (lane.head >= lane.queued.length) {
      lane.queued = NOTHING;
      lane.head = 0;
    }
    return taken;
  }

  private waitForBudget(): void {
    if (this.budgetTimer !== null || this.budget === null) return;
    this.budgetTimer = setTimeout(() => {
      this.budgetTimer = null;
      void this.pump();
    }, Math.max(1, this.budget.msUntil(this.backlogChunk)));
  }

  private batchClosed(lane: Lane, readings: RawReading[]): void {
    const session = this.session;
    if (!session || (session.live !== lane && session.backlog !== lane)) return;
    lane.ready.push(readings);
    this.sendReady(session, lane);
  }

  private sendReady(session: Session, lane: Lane): void {
    while (lane.ready.length > 0 && session.inflight < session.window && session === this.session) {
      this.sendBatch(session, lane, lane.ready.shift()!);
    }
  }

  private sendOne(session: Session, lane: Lane, reading: RawReading): void {
    const route = this.options.routes.for(reading.sensor);
    session.inflight += 1;
    if (lane.live) this.budget?.spend(1);
    session.client.publish(route.topic, encodeRawPayload(reading), route.publishOptions, (error) => {
      if (this.settled(session, route, error)) {
        this.acked(reading.seq);
        this.ackedBySensor.set(reading.sensor, (this.ackedBySensor.get(reading.sensor) ?? 0) + 1);
        this.scheduleAckFlush();
      }
      void this.pump();
    });
  }

  private sendBatch(session: Session, lane: Lane, readings: RawReading[]): void {
    const sensor = readings[0]!.sensor;
    const route = this.options.routes.for(sensor);
    session.inflight += 1;
    if (lane.live) this.budget?.spend(readings.length);
    session.client.publish(route.topic, encodeBatchPayload(readings), route.publishOptions, (error) => {
      if (this.settled(session, route, error)) {
        // Acked as a unit: every seq of the batch is deleted in the same buffer write.
        for (const reading of readings) this.acked(reading.seq);
        this.ackedBySensor.set(sensor, (this.ackedBySensor.get(sensor) ?? 0) + readings.length);
        this.scheduleAckFlush();
      }
      void this.pump();
    });
  }

  /** A publish finished: true when it was acknowledged on the current connection. */
  private settled(session: Session, route: Route, error: Error | undefined): boolean {
    if (session !== this.session) return false; // that connection is gone: resent from the buffer
    session.inflight -= 1;
    if (!error) return true;
    // The broker refused it (an MQTT 5 reason code): it stays in the buffer for the next connection.
    if (!this.rejectedLogged) this.options.log.warn({ err: error.message, topic: route.topic }, 'broker refused a publish; kept for retry');
    this.rejectedLogged = true;
    return false;
  }

  private acked(seq: number): void {
    this.ackPending.add(seq);
    this.ackQueue.push(seq);
  }

  private scheduleAckFlush(): void {
    if (this.ackFlush && this.ackQueue.length < ACK_FLUSH_NOW) return;
    if (this.ackFlush && this.ackFlushNow) return;
    // Fewer, larger deletes: each LevelDB batch has a fixed cost. A crash before the delete only
    // means a duplicate (at-least-once), never a loss.
    const soon = this.ackQueue.length >= ACK_FLUSH_NOW;
    this.ackFlushNow = soon;
    this.ackFlush = new Promise<void>((resolve) => (soon ? setImmediate(resolve) : setTimeout(resolve, ACK_FLUSH_MS)))
      .then(() => this.flushAcks())
      // Nobody awaits this promise: a rejection would reach the fatal handler and kill the agent.
      // The readings stay in the buffer and go out again after the next reconnect (at-least-once).
      .catch((error: unknown) => this.options.log.error({ err: error }, 'deleting acknowledged readings from the buffer failed'));
  }

  /** Deletes acknowledged readings from the buffer in one batch per event-loop turn. */
  private async flushAcks(): Promise<void> {
    this.ackFlush = null;
    if (this.ackQueue.length === 0) return;
    const seqs = this.ackQueue;
    this.ackQueue = [];
    const bySensor = [...this.ackedBySensor];
    this.ackedBySensor.clear();
    try {
      await this.options.source.ack(seqs);
    } finally {
      for (const seq of seqs) this.ackPending.delete(seq);
    }
    this.published += seqs.length;
    for (const [sensor, count] of bySensor) this.emit('sensorPublished', sensor, count);
    this.emit('published', seqs.length);
  }
}

function lanes(session: Session): Lane[] {
  return session.backlog ? [session.live, session.backlog] : [session.live];
}
