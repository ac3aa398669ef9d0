// Moves readings from the buffer to the broker through a bounded in-flight window. A reading is
// acked back to the buffer (and so deleted) only on PUBACK/PUBCOMP, or once written for QoS 0.
// After a reconnect everything unacked is read again from the buffer and resent.
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { StoredReading } from '../buffer/types.js';
import type { MqttConnection } from './connection.js';
import { OFFLINE_PAYLOAD } from './client-options.js';
import { encodePayload, type Routes } from './topics.js';

/** The part of the buffer the publisher uses. */
export interface ReadingSource {
  readFrom(afterSeq: number, limit: number): Promise<StoredReading[]>;
  ack(seqs: readonly number[]): Promise<void>;
  on(event: 'appended', listener: () => void): unknown;
  off(event: 'appended', listener: () => void): unknown;
  stats(): { dropped: number };
}

export interface PublisherEvents {
  connected: [];
  disconnected: [reason: string];
  /** Readings the broker acknowledged (or, QoS 0, that were written). */
  published: [count: number];
}

interface Session {
  client: MqttClient;
  window: number;
  /** Highest seq handed to this connection; the next read starts after it. */
  cursor: number;
  inflight: number;
}

export interface PublisherOptions {
  connection: MqttConnection;
  source: ReadingSource;
  routes: Routes;
  maxInflight: number;
  version: string;
  log: Logger;
}

export class Publisher extends EventEmitter<PublisherEvents> {
  private session: Session | null = null;
  private pumping = false;
  private pumpAgain = false;
  private stopping = false;
  private ackQueue: number[] = [];
  /** Acked by the broker, not yet deleted from the buffer: never resend these. */
  private readonly ackPending = new Set<number>();
  private ackFlush: Promise<void> | null = null;
  private rejectedLogged = false;
  published = 0;

  private readonly wake = (): void => void this.pump();

  constructor(private readonly options: PublisherOptions) {
    super();
  }

  get inflight(): number {
    return this.session?.inflight ?? 0;
  }

  start(): void {
    const { connection, source } = this.options;
    connection.on('up', (client, receiveMaximum) => this.onUp(client, receiveMaximum));
    connection.on('down', (reason) => {
      this.session = null;
      this.emit('disconnected', reason);
    });
    source.on('appended', this.wake);
    connection.start();
  }

  /** Waits (bounded) for in-flight acks, publishes the offline status, ends the link. */
  async stop(timeoutMs = 5000): Promise<void> {
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
    this.session = null;
    await this.options.connection.stop();
  }

  private onUp(client: MqttClient, receiveMaximum: number | undefined): void {
    // MQTT.js does not enforce the broker's Receive Maximum; exceeding it gets us disconnected.
    // One slot stays free for the birth and offline status messages.
    const brokerLimit = receiveMaximum !== undefined ? Math.max(1, receiveMaximum - 1) : Infinity;
    const session: Session = { client, window: Math.min(this.options.maxInflight, brokerLimit), cursor: 0, inflight: 0 };
    this.session = session;
    const birth = JSON.stringify({ state: 'online', version: this.options.version, dropped: this.options.source.stats().dropped, ts: Date.now() });
    client.publish(this.options.routes.statusTopic, birth, { qos: 1, retain: true }, (error) => {
      if (error) this.options.log.warn({ err: error.message }, 'birth message not acknowledged');
    });
    this.emit('connected');
    void this.pump();
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
      if (!session || this.stopping || session.inflight >= session.window) return;
      const readings = await this.options.source.readFrom(session.cursor, session.window - session.inflight);
      if (session !== this.session || readings.length === 0) return;
      for (const reading of readings) {
        session.cursor = reading.seq;
        if (!this.ackPending.has(reading.seq)) this.send(session, reading);
      }
    }
  }

  private send(session: Session, reading: StoredReading): void {
    const route = this.options.routes.for(reading.sensor);
    session.inflight += 1;
    session.client.publish(route.topic, encodePayload(reading), { qos: route.qos, retain: route.retain }, (error) => {
      if (session !== this.session) return; // that connection is gone: the reading is resent from the buffer
      session.inflight -= 1;
      if (error) {
        // The broker refused it (an MQTT 5 reason code): it stays in the buffer for the next connection.
        if (!this.rejectedLogged) this.options.log.warn({ err: error.message, topic: route.topic }, 'broker refused a publish; kept for retry');
        this.rejectedLogged = true;
      } else {
        this.ackPending.add(reading.seq);
        this.ackQueue.push(reading.seq);
        this.scheduleAckFlush();
      }
      void this.pump();
    });
  }

  private scheduleAckFlush(): void {
    if (this.ackFlush) return;
    this.ackFlush = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushAcks());
  }

  /** Deletes acknowledged readings from the buffer in one batch per event-loop turn. */
  private async flushAcks(): Promise<void> {
    this.ackFlush = null;
    if (this.ackQueue.length === 0) return;
    const seqs = this.ackQueue;
    this.ackQueue = [];
    try {
      await this.options.source.ack(seqs);
    } finally {
      for (const seq of seqs) this.ackPending.delete(seq);
    }
    this.published += seqs.length;
    this.emit('published', seqs.length);
  }
}
