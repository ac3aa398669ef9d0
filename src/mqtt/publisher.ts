// Moves readings from the buffer to the broker through a bounded in-flight window. A reading is
// acked back to the buffer (and so deleted) only on PUBACK/PUBCOMP, or once written for QoS 0.
// After a reconnect everything unacked is read again from the buffer and resent.
//
// Three parts under one lifecycle: drain.ts schedules what goes out next on a connection (lanes,
// the rate budget, batches, the window), ack-batcher.ts deletes acknowledged readings in few large
// writes, status-messages.ts builds and sends the birth and offline messages. Each connection opens
// a reader of the buffer and closes it when the link goes down: its readings are then no longer in
// flight (the buffer knows readers, not links).
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import { AckBatcher } from './ack-batcher.js';
import { limitWarnings, linkLimits, type ConnackProperties } from './broker-limits.js';
import { Drain } from './drain.js';
import { PacketFit } from './packet-fit.js';
import type { PublisherEvents, PublisherOptions, PublishReader } from './publisher-types.js';
import { RefusalRetry, type RefusalInfo } from './refusals.js';
import { publishBirth, publishOffline, statusPublishOptions, WarnOnce } from './status-messages.js';
import type { QoS } from './topics.js';
import { ExtraPublishes, type ExtraMessage, type ExtraResult } from './extra-publishes.js';

export type { PublishReader, PublishSource, PublisherEvents, PublisherOptions } from './publisher-types.js';

export class Publisher extends EventEmitter<PublisherEvents> {
  private readonly drain: Drain;
  private readonly acks: AckBatcher;
  private readonly refusals: RefusalRetry;
  private readonly warned: WarnOnce;
  private readonly fit: PacketFit;
  /** Other parts' messages (Home Assistant), within this connection's limits and window. */
  private readonly extras = new ExtraPublishes();
  /** The last connection's reader: acks that arrive after its link went down still delete through it. */
  private reader: PublishReader | null = null;
  published = 0;

  private readonly wake = (): void => void this.drain.pump();
  private readonly onAppended = (): void => this.drain.appended();

  constructor(private readonly options: PublisherOptions) {
    super();
    this.acks = new AckBatcher({ ack: (seqs) => this.reader?.ack(seqs) ?? options.source.ack(seqs) }, options.log, (published, bySensor) => {
      this.published += published;
      for (const [sensor, count] of bySensor) this.emit('sensorPublished', sensor, count);
      this.emit('published', published);
    });
    this.warned = new WarnOnce(options.log);
    this.fit = new PacketFit(this.acks, this.warned, options.log, {
      limits: (limits) => this.emit('limits', limits),
      unsendable: (sensor, count) => this.emit('unsendable', sensor, count),
    });
    this.refusals = new RefusalRetry(options.log, this.wake, (info) => this.emit('refusal', info));
    this.drain = new Drain({
      routes: options.routes,
      log: options.log,
      batch: options.batch,
      drainRatePerSecond: options.drainRatePerSecond,
      acks: this.acks,
      fit: this.fit,
      refusals: () => this.refusals,
      extras: this.extras,
    });
  }

  /** Readings taken out of the queue as unsendable (too large for the broker) since start. */
  get unsendable(): number {
    return this.fit.unsendable;
  }

  /** The last publish refusal and how many since start. */
  get refusalStats(): { total: number; last: RefusalInfo | null } {
    return { total: this.refusals.total, last: this.refusals.last };
  }

  get inflight(): number {
    return this.drain.session?.inflight ?? 0;
  }

  start(): void {
    const { connection, source } = this.options;
    connection.on('up', (client, properties) => this.onUp(client, properties));
    connection.on('unreadableAck', () => this.drain.ackUnreadable());
    connection.on('down', (reason) => {
      this.endSession();
      this.emit('disconnected', reason);
    });
    source.on('appended', this.onAppended);
    connection.start();
  }

  /** Sends open batches, waits (bounded) for in-flight acks, publishes the offline status, ends the link. */
  async stop(timeoutMs = 5000): Promise<void> {
    const session = this.drain.session;
    this.drain.closeBatches();
    this.drain.stopping = true;
    this.options.source.off('appended', this.onAppended);
    const deadline = Date.now() + timeoutMs;
    while (this.drain.session && this.drain.session.inflight > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.acks.flush();
    const client = this.options.connection.client;
    if (client) {
      const options = session ? statusPublishOptions(session.limits) : { qos: 1 as QoS, retain: this.options.connection.retainAvailable };
      await publishOffline(client, this.options.routes.statusTopic, options, deadline - Date.now());
    }
    this.endSession();
    await this.options.connection.stop();
  }

  private onUp(client: MqttClient, properties: ConnackProperties | undefined): void {
    this.endSession();
    const { connection, source, routes } = this.options;
    const limits = linkLimits(connection.version, properties, this.options, connection.retainAvailable);
    this.warned.warn(limitWarnings(limits, routes.wanted()));
    const split = this.drain.splits ? source.stats().lastSeq : 0;
    this.fit.apply(limits);
    this.reader = source.openReader();
    const session = this.drain.begin(client, limits, this.reader, split);
    this.emit('limits', limits);
    this.sendBirth();
    const release = (): void => void (session === this.drain.session && ((session.inflight -= 1), this.drain.pump()));
    this.extras.connected({ client, limits, room: () => session.window - session.inflight, take: () => void (session.inflight += 1), release });
    this.emit('connected');
    void this.drain.pump();
  }

  /** Sends the birth message again while connected (the clock's state changed), so the retained status stays true. */
  announce(): void {
    if (this.drain.session && !this.drain.stopping) this.sendBirth();
  }

  /** Publishes another part's message on the current connection, before the next readings (extra-publishes.ts). */
  publishExtra(message: ExtraMessage): Promise<ExtraResult> {
    return this.drain.stopping ? Promise.resolve('offline') : this.extras.publish(message);
  }

  /** One birth per connection, with the buffer's counters. */
  private sendBirth(): void {
    const session = this.drain.session;
    if (!session) return;
    const { dropped, droppedHigh = 0, lastSeq, epoch = 0 } = this.options.source.stats();
    const facts = { version: this.options.version, dropped, droppedHigh, epoch, lastSeq, unsendable: this.fit.unsendable, clock: this.options.clockState?.() };
    publishBirth(session.client, this.options.routes.statusTopic, facts, session.limits, {
      take: () => void (session.inflight += 1),
      done: (tookSlot) => {
        if (tookSlot) session.inflight -= 1;
        void this.drain.pump();
      },
      current: () => session === this.drain.session,
    }, this.options.log, this.warned);
  }

  /** The link is gone: its reader is closed, so drop-oldest may now drop what it had read. */
  private endSession(): void {
    this.drain.end();
    this.extras.disconnected();
    this.reader?.close();
  }
}
