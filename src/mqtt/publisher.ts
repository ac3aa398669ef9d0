// Moves readings from the buffer to the broker through a bounded in-flight window. A reading is
// acked back to the buffer (and so deleted) only on PUBACK/PUBCOMP, or once written for QoS 0.
// After a reconnect everything unacked is read again from the buffer and resent.
//
// Readings flow in lanes, each a cursor over the buffer in seq order. Without mqtt.drainRate there
// is one lane: everything in seq order. With it, a connection splits the buffer at the last seq
// written when it came up: older readings are the backlog lane (read up to that seq, within the
// rate budget), newer ones the live lane (read first, never held back). Cursors live only as long
// as their connection, so nothing read but unacked can be skipped: the next connection rereads it.
//
// Every connection brings its broker's limits (broker-limits.ts): the window counts every QoS > 0
// publish, the birth included, within Receive Maximum; a batch too large for Maximum Packet Size
// is split, and a single reading that can never fit is taken out of the queue and counted
// (`unsendable`, packet-fit.ts), so one packet never blocks the rest. Refused publishes: refusals.ts.
import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { RawReading } from '../buffer/types.js';
import { OFFLINE_PAYLOAD } from './client-options.js';
import { AckBatcher } from './ack-batcher.js';
import { limitWarnings, linkLimits, publishPacketSize, RouteOptions, type ConnackProperties, type LinkLimits } from './broker-limits.js';
import { DrainBudget } from './drain-budget.js';
import { PacketFit } from './packet-fit.js';
import { newLane, NOTHING, type Lane, type PublisherEvents, type PublisherOptions } from './publisher-types.js';
import { RefusalRetry, refusalCode, type RefusalInfo } from './refusals.js';
import { birthPayload, statusPublishOptions, WarnOnce } from './status-messages.js';
import { encodeBatchPayload, encodeRawPayload, type QoS } from './topics.js';
import { ExtraPublishes, type ExtraMessage, type ExtraResult } from './extra-publishes.js';

export type { PublishSource, PublisherEvents, PublisherOptions } from './publisher-types.js';

/** Most readings one buffer read returns. */
const READ_MAX = 1024;
/** Readings the live lane reads at once and hands out as the window opens. */
const READ_AHEAD = 512;

interface Session {
  client: MqttClient;
  /** Bytes of each publish in flight (the largest is the suspect when an ack cannot be read). */
  sizes: Map<RawReading[], number>;
  limits: LinkLimits;
  routeOptions: RouteOptions;
  window: number;
  inflight: number;
  live: Lane;
  backlog: Lane | null;
}

export class Publisher extends EventEmitter<PublisherEvents> {
  private session: Session | null = null;
  private pumping = false;
  private pumpAgain = false;
  private stopping = false;
  private readonly acks: AckBatcher;
  private readonly refusals: RefusalRetry;
  private readonly warned: WarnOnce;
  private readonly budget: DrainBudget | null;
  /** Backlog readings read at once under a rate limit: a batch, or ~50 ms worth. */
  private readonly backlogChunk: number;
  private budgetTimer: NodeJS.Timeout | null = null;
  published = 0;
  private readonly fit: PacketFit;
  /** Other parts' messages (Home Assistant), within this connection's limits and window. */
  private readonly extras = new ExtraPublishes();

  private readonly wake = (): void => void this.pump();

  constructor(private readonly options: PublisherOptions) {
    super();
    const rate = options.drainRatePerSecond;
    const batchSize = options.batch?.maxReadings ?? 1;
    this.budget = rate === undefined ? null : new DrainBudget(rate, Math.max(rate, batchSize));
    this.backlogChunk = rate === undefined ? READ_MAX : Math.max(1, Math.min(batchSize > 1 ? batchSize : Math.ceil(rate / 20), READ_MAX));
    this.acks = new AckBatcher(options.source, options.log, (published, bySensor) => {
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
    return this.session?.inflight ?? 0;
  }

  start(): void {
    const { connection, source } = this.options;
    connection.on('up', (client, properties) => this.onUp(client, properties));
    connection.on('unreadableAck', () => this.ackUnreadable());
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
    await this.acks.flush();
    const client = this.options.connection.client;
    if (client) {
      const options = session ? statusPublishOptions(session.limits) : { qos: 1 as QoS, retain: this.options.connection.retainAvailable };
      await Promise.race([
        client.publishAsync(this.options.routes.statusTopic, OFFLINE_PAYLOAD, options).catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, Math.max(100, deadline - Date.now())).unref()),
      ]);
    }
    this.endSession();
    await this.options.connection.stop();
  }

  private onUp(client: MqttClient, properties: ConnackProperties | undefined): void {
    this.endSession();
    const { connection, source, routes } = this.options;
    const limits = linkLimits(connection.version, properties, this.options, connection.retainAvailable);
    this.warned.warn(limitWarnings(limits, routes.wanted()));
    const split = this.budget === null ? 0 : source.stats().lastSeq;
    this.fit.apply(limits);
    const session: Session = {
      client,
      sizes: new Map(),
      limits,
      routeOptions: new RouteOptions(limits),
      // MQTT.js does not enforce the broker's Receive Maximum; exceeding it gets us disconnected.
      window: limits.window,
      inflight: 0,
      live: this.lane(true, split, Number.POSITIVE_INFINITY),
      backlog: this.budget === null ? null : this.lane(false, 0, split),
    };
    this.session = session;
    this.emit('limits', limits);
    this.sendBirth(session);
    const release = (): void => void (session === this.session && ((session.inflight -= 1), this.pump()));
    this.extras.connected({ client, limits, room: () => session.window - session.inflight, take: () => void (session.inflight += 1), release });
    this.emit('connected');
    void this.pump();
  }

  /** Sends the birth message again while connected (the clock's state changed), so the retained status stays true. */
  announce(): void {
    if (this.session && !this.stopping) this.sendBirth(this.session);
  }

  /** Publishes another part's message on the current connection, before the next readings (extra-publishes.ts). */
  publishExtra(message: ExtraMessage): Promise<ExtraResult> {
    return this.stopping ? Promise.resolve('offline') : this.extras.publish(message);
  }

  /** One birth per connection; a QoS 1 birth takes a window slot until its PUBACK. */
  private sendBirth(session: Session): void {
    const { dropped, lastSeq, epoch = 0 } = this.options.source.stats();
    const topic = this.options.routes.statusTopic;
    const birth = birthPayload({ version: this.options.version, dropped, epoch, lastSeq, unsendable: this.fit.unsendable, clock: this.options.clockState?.() }, topic, session.limits);
    if (birth === null) return this.warned.warn([`the broker's Maximum Packet Size (${session.limits.maxPacketSize} bytes) cannot hold a birth message; none is sent`]);
    const options = statusPublishOptions(session.limits);
    if (options.qos > 0) session.inflight += 1;
    session.client.publish(topic, birth, options, (error) => {
      if (session !== this.session) return;
      if (options.qos > 0) session.inflight -= 1;
      if (error && refusalCode(error) !== null) this.options.log.warn({ err: error.message }, 'broker refused the birth message');
      void this.pump();
    });
  }

  private lane(live: boolean, afterSeq: number, upToSeq: number): Lane {
    return newLane(live, afterSeq, upToSeq, this.options.batch, (lane, readings) => this.batchClosed(lane, readings));
  }

  private endSession(): void {
    const session = this.session;
    this.session = null;
    this.extras.disconnected();
    if (session) for (const lane of lanes(session)) lane.batches?.discard();
    this.refusals.reset();
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
      this.extras.send();
      if (this.refusals.holding) {
        // Nothing new while refused publishes wait: they go first, oldest seq first.
        for (const item of this.refusals.take(session.window - session.inflight)) this.sendReadings(session, null, item.readings, item.batch, true);
        return;
      }
      this.sendReady(session, session.live);
      if (session.backlog) this.sendReady(session, session.backlog);
      const room = session.window - session.inflight;
      if (room <= 0 || this.refusals.holding) return;
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
      if (this.acks.isPending(reading.seq)) continue;
      if (lane.batches) lane.batches.add(reading);
      else this.sendReadings(session, lane, [reading], false);
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
    while (lane.ready.length > 0 && session.inflight < session.window && session === this.session && !this.refusals.holding) {
      const readings = lane.ready.shift()!;
      if (this.sendReadings(session, lane, readings, true) === 'too large') {
        // Halves go back to the front, in seq order: each still waits for its own window slot.
        const half = Math.ceil(readings.length / 2);
        lane.ready.unshift(readings.slice(0, half), readings.slice(half));
      }
    }
  }

  /**
   * Publishes one reading, or one batch, if it fits the broker's Maximum Packet Size. A batch that
   * does not fit is handed back to be split; a single reading that does not is taken out.
   */
  private sendReadings(session: Session, lane: Lane | null, readings: RawReading[], batch: boolean, retry = false): 'sent' | 'too large' | 'unsendable' {
    const route = this.options.routes.for(readings[0]!.sensor);
    const options = session.routeOptions.for(route);
    const payload = batch ? encodeBatchPayload(readings) : encodeRawPayload(readings[0]!);
    const size = publishPacketSize(route.topic, payload, options.qos, session.limits.protocolVersion);
    if (size > session.limits.maxPacketSize) {
      if (readings.length > 1) return 'too large';
      this.fit.takeOut(readings, size, session.limits.maxPacketSize);
      return 'unsendable';
    }
    session.inflight += 1;
    session.sizes.set(readings, size);
    if (lane?.live) this.budget?.spend(readings.length);
    session.client.publish(route.topic, payload, options, (error) => {
      if (session === this.session) {
        session.inflight -= 1;
        session.sizes.delete(readings);
        const code = refusalCode(error);
        if (!error) {
          this.refusals.accepted(retry);
          // A batch is acked as a unit: every seq of it is deleted in the same buffer write.
          this.acks.published(readings);
        } else if (code !== null) this.refusals.refused({ readings, batch }, code, error.message, route.topic, retry);
        // Any other error: the link went down; the readings are read again on the next connection.
      }
      void this.pump();
    });
    return 'sent';
  }

  /**
   * The connection's ack parser failed (connection.ts): Mosquitto answers a publish above its
   * MQTT 5 message_size_limit with PUBACK 0x95, which mqtt-packet cannot read. The largest publish
   * in flight is taken as too large: smaller ones from now on, and batches are split to fit.
   */
  private ackUnreadable(): void {
    const session = this.session;
    if (session && session.sizes.size > 0) this.fit.learn(session.limits, Math.max(...session.sizes.values()));
  }
}

function lanes(session: Session): Lane[] {
  return session.backlog ? [session.live, session.backlog] : [session.live];
}
