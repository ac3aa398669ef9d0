// Drain scheduling: which readings go out next on the current connection, within its window.
// Readings flow in lanes, each a cursor over one of the buffer's two lanes (high priority and
// normal, issue 21) in seq order; the high one always goes first. Without mqtt.drainRate there are
// two lanes: every high reading in seq order, then every normal one. With it, a connection splits
// the buffer at the last seq written when it came up: older readings are backlog (read up to that
// seq, within the rate budget), newer ones live (read first, never held back), so the order is
// high live, normal live, high backlog, normal backlog: live-first for both priorities, and the
// high backlog before any normal one. Cursors live only as long as their connection, so nothing
// read but unacked can be skipped: the next connection rereads it.
//
// The hot path of a drain (issue 23) is refillFromQueue: slots freed by acks are refilled in the
// same turn from a live lane's queued readings, without a read or an async round, but only from
// the first lane in drain order that has queued readings, and only while every lane before it is
// known to hold nothing (read to its end since the last append); anything else takes the full
// round (fillWindow), which reads the lanes in order.
//
// Every connection brings its broker's limits (broker-limits.ts): the window counts every QoS > 0
// publish, the birth included, within Receive Maximum; a batch too large for Maximum Packet Size
// is split, and a single reading that can never fit is taken out of the queue and counted
// (`unsendable`, packet-fit.ts), so one packet never blocks the rest (send-readings.ts). Refused
// publishes: refusals.ts.
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { RawReading } from '../buffer/index.js';
import type { AckBatcher } from './ack-batcher.js';
import { RouteOptions, type LinkLimits } from './broker-limits.js';
import { DrainBudget } from './drain-budget.js';
import type { ExtraPublishes } from './extra-publishes.js';
import type { BatchOptions } from './open-batches.js';
import type { PacketFit } from './packet-fit.js';
import { newLane, NOTHING, type Lane, type PublishReader } from './publisher-types.js';
import type { RefusalRetry } from './refusals.js';
import { sendReadings, type SendResult, type Sender, type Session } from './send-readings.js';
import type { Routes } from './topics.js';

export type { Session } from './send-readings.js';

/** Most readings one buffer read returns. */
const READ_MAX = 1024;
/** Readings the live lane reads at once and hands out as the window opens. */
const READ_AHEAD = 512;
/** What pump() returns when it has nothing to wait for. */
const DONE: Promise<void> = Promise.resolve();

export interface DrainParts {
  routes: Routes;
  log: Logger;
  batch?: BatchOptions | undefined;
  drainRatePerSecond?: number | undefined;
  acks: AckBatcher;
  fit: PacketFit;
  refusals: () => RefusalRetry;
  extras: ExtraPublishes;
}

export class Drain {
  session: Session | null = null;
  /** The publisher is stopping: nothing new is read. */
  stopping = false;
  private pumping = false;
  private pumpAgain = false;
  private readonly budget: DrainBudget | null;
  /** Backlog readings read at once under a rate limit: a batch, or ~50 ms worth. */
  private readonly backlogChunk: number;
  private budgetTimer: NodeJS.Timeout | null = null;
  private readonly sender: Sender;
  /** The stream corked until the end of this event-loop turn (corkUntilImmediate). */
  private corked: MqttClient['stream'] | null = null;
  /** Appends heard from the buffer: a lane read to its end at this count holds nothing new (Lane.readToEndAt). */
  private appends = 0;

  constructor(private readonly parts: DrainParts) {
    const rate = parts.drainRatePerSecond;
    const batchSize = parts.batch?.maxReadings ?? 1;
    this.budget = rate === undefined ? null : new DrainBudget(rate, Math.max(rate, batchSize));
    this.backlogChunk = rate === undefined ? READ_MAX : Math.max(1, Math.min(batchSize > 1 ? batchSize : Math.ceil(rate / 20), READ_MAX));
    this.sender = { ...parts, current: () => this.session, pump: () => void this.pump() };
  }

  /** Whether this connection splits live from backlog (mqtt.drainRate). */
  get splits(): boolean {
    return this.budget !== null;
  }

  /** A new connection; `split` is the last seq written when it came up (the backlog's end). */
  begin(client: MqttClient, limits: LinkLimits, reader: PublishReader, split: number): Session {
    const session: Session = {
      client,
      reader,
      sizes: new Map(),
      limits,
      routeOptions: new RouteOptions(limits),
      // MQTT.js does not enforce the broker's Receive Maximum; exceeding it gets us disconnected.
      window: limits.window,
      inflight: 0,
      lanes:
        this.budget === null
          ? [this.lane(true, true, 0, Number.POSITIVE_INFINITY), this.lane(true, false, 0, Number.POSITIVE_INFINITY)]
          : [
              this.lane(true, true, split, Number.POSITIVE_INFINITY),
              this.lane(true, false, split, Number.POSITIVE_INFINITY),
              this.lane(false, true, 0, split),
              this.lane(false, false, 0, split),
            ],
    };
    this.session = session;
    return session;
  }

  /** The connection is gone: its lanes and open batches are forgotten (the readings stay in the buffer). */
  end(): Session | null {
    const session = this.session;
    this.session = null;
    if (session) for (const lane of session.lanes) lane.batches?.discard();
    this.parts.refusals().reset();
    if (this.budgetTimer !== null) clearTimeout(this.budgetTimer);
    this.budgetTimer = null;
    return session;
  }

  /** Stopping: every open batch is closed and sent as the window allows. */
  closeBatches(): void {
    const session = this.session;
    if (!session) return;
    for (const lane of session.lanes) lane.batches?.closeAll();
    for (const lane of session.lanes) this.sendReady(session, lane);
  }

  /** Readings were appended to the buffer (its `appended` event): lanes read to their end may hold them now. */
  appended(): void {
    this.appends++;
    void this.pump();
  }

  /**
   * Fills the window. Called from every publish callback: when a pump is already running (the
   * common case in a drain) it only marks that another round is wanted, without a promise or an
   * async frame per reading.
   */
  pump(): Promise<void> {
    if (!this.session || this.stopping) return DONE;
    if (this.pumping) {
      this.pumpAgain = true;
      return DONE;
    }
    if (this.refillFromQueue()) return DONE;
    return this.pumpRounds();
  }

  /**
   * The hot path of a drain: slots freed by acks are refilled from a live lane's queued readings
   * (its read-ahead) in the same turn, synchronously, so the publishes answering one burst of
   * PUBACKs go out in one socket write (an async round per burst made it two writes, and writev
   * was a fifth of a QoS 1 drain's CPU). True when the window is full again (nothing else to do);
   * false when the full round (fillWindow) has to run: a read, batches, a backlog lane, refusals
   * held, or a lane before the queued one that may hold readings.
   */
  private refillFromQueue(): boolean {
    const session = this.session!;
    // Batching: open batches, their timers and ready batches are the full round's.
    if (this.parts.batch !== undefined || this.refillLane(session) === null) return false;
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.parts.extras.send();
        if (this.parts.refusals().holding) return false;
        const room = session.window - session.inflight;
        if (room <= 0) return true;
        const lane = this.refillLane(session);
        if (lane === null) return false;
        this.takeQueued(session, lane, room);
      } while (session === this.session && !this.stopping);
      return true;
    } catch (error) {
      this.parts.log.error({ err: error }, 'reading the buffer failed; retrying on the next reading');
      return true;
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The lane the hot path may refill from: the first lane in drain order with queued readings, if
   * it is a live one and every lane before it is known to hold nothing waiting (so high goes before
   * normal, live before backlog, exactly as fillWindow would read them). Null: the full round.
   */
  private refillLane(session: Session): Lane | null {
    for (const lane of session.lanes) {
      if (lane.head < lane.queued.length) return lane.live ? lane : null;
      if (lane.ready.length > 0 || lane.ahead !== null || !lane.live || lane.readToEndAt !== this.appends) return null;
    }
    return null;
  }

  private async pumpRounds(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        await this.fillWindow();
      } while (this.pumpAgain && this.session && !this.stopping);
    } catch (error) {
      this.parts.log.error({ err: error }, 'reading the buffer failed; retrying on the next reading');
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The connection's ack parser failed (connection.ts): Mosquitto answers a publish above its
   * MQTT 5 message_size_limit with PUBACK 0x95, which mqtt-packet cannot read. The largest publish
   * in flight is taken as too large: smaller ones from now on, and batches are split to fit.
   */
  ackUnreadable(): void {
    const session = this.session;
    if (session && session.sizes.size > 0) this.parts.fit.learn(session.limits, Math.max(...session.sizes.values()));
  }

  private lane(live: boolean, high: boolean, afterSeq: number, upToSeq: number): Lane {
    return newLane(live, high, afterSeq, upToSeq, this.parts.batch, (lane, readings) => this.batchClosed(lane, readings));
  }

  private async fillWindow(): Promise<void> {
    const refusals = this.parts.refusals();
    for (;;) {
      const session = this.session;
      if (!session || this.stopping) return;
      this.parts.extras.send();
      if (refusals.holding) {
        // Nothing new while refused publishes wait: they go first, oldest seq first.
        for (const item of refusals.take(session.window - session.inflight)) this.send(session, null, item.readings, item.batch, true);
        return;
      }
      for (const lane of session.lanes) this.sendReady(session, lane);
      const room = session.window - session.inflight;
      if (room <= 0 || refusals.holding) return;
      const readLimit = Math.min(READ_MAX, room * (this.parts.batch?.maxReadings ?? 1));
      const read = await this.readNext(session, readLimit);
      if (read === 'wait') return this.waitForBudget();
      if (read === 0 || session !== this.session) return;
    }
  }

  /**
   * Reads from the first lane, in drain order, that has readings: high before normal, live (newer
   * than the split) before any backlog. A backlog lane reads what the rate budget allows.
   */
  private async readNext(session: Session, readLimit: number): Promise<number | 'wait'> {
    for (const lane of session.lanes) {
      if (lane.done) continue;
      if (lane.live) {
        const read = await this.readLane(session, lane, readLimit);
        if (read > 0 || session !== this.session) return read;
        continue;
      }
      const allowed = this.budget === null ? readLimit : this.budget.take(Math.min(readLimit, this.backlogChunk), this.backlogChunk);
      if (allowed === 0) return 'wait';
      const read = await this.readLane(session, lane, allowed);
      if (read < allowed) {
        // Read to the split: what remains of this backlog goes out now, not after maxDelay.
        this.budget?.refund(allowed - read);
        lane.done = true;
        lane.batches?.closeAll();
      }
      if (read > 0 || session !== this.session) return read;
    }
    return 0;
  }

  /**
   * Sends up to `limit` readings of a lane. The live lane reads ahead (READ_AHEAD readings per
   * buffer read, not one small read per returning ack: one LevelDB iterator per read is the cost);
   * the backlog lane reads exactly what its budget allows.
   */
  private async readLane(session: Session, lane: Lane, limit: number): Promise<number> {
    if (lane.head >= lane.queued.length) {
      const want = lane.live ? Math.max(limit, READ_AHEAD) : limit;
      const ahead = lane.ahead;
      lane.ahead = null;
      // A failed read ahead is read again here: its error, if it lasts, is this read's.
      const readings = (ahead !== null ? await ahead : null) ?? (await this.read(session, lane, want));
      if (session !== this.session || readings.length === 0) return 0;
      lane.cursor = readings[readings.length - 1]!.seq;
      lane.queued = readings;
      lane.head = 0;
      // A full read means a backlog: the next read of this lane starts now, while these go out, so
      // the window does not run dry waiting for LevelDB. It is a read like any other (the reader's,
      // this lane's priority, through the buffer's read gate, so never across a summary's merge);
      // its readings are handed out (in flight) as any read's.
      if (lane.live && readings.length >= READ_AHEAD) lane.ahead = this.read(session, lane, READ_AHEAD).catch(() => null);
    }
    return this.takeQueued(session, lane, limit);
  }

  /**
   * One read of a lane from its cursor. A read that returns less than it asked for read the lane
   * to its end: until the next append, the lane holds nothing more (refillLane).
   */
  private read(session: Session, lane: Lane, want: number): Promise<RawReading[]> {
    const appends = this.appends;
    return session.reader.readRaw(lane.cursor, want, lane.upToSeq, lane.high).then((readings) => {
      if (readings.length < want) lane.readToEndAt = appends;
      return readings;
    });
  }

  /** Sends up to `limit` of a lane's queued readings (or adds them to its open batches). */
  private takeQueued(session: Session, lane: Lane, limit: number): number {
    this.corkUntilImmediate(session.client.stream);
    let taken = 0;
    while (taken < limit && lane.head < lane.queued.length) {
      const reading = lane.queued[lane.head++]!;
      taken++;
      if (this.parts.acks.isPending(reading.seq)) continue;
      if (lane.batches) lane.batches.add(reading);
      else this.send(session, lane, [reading], false);
    }
    if (lane.head >= lane.queued.length) {
      lane.queued = NOTHING;
      lane.head = 0;
    }
    return taken;
  }

  /**
   * One socket write for the publishes of this event-loop turn, not one per message or per ack:
   * MQTT.js handles each incoming packet in a tick of its own, so a burst of PUBACKs refills the
   * window over several ticks; the stream stays corked until the turn's I/O is done.
   */
  private corkUntilImmediate(stream: MqttClient['stream']): void {
    if (this.corked === stream) return;
    stream.cork();
    this.corked = stream;
    setImmediate(() => {
      if (this.corked === stream) this.corked = null;
      stream.uncork();
    });
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
    if (!session || !session.lanes.includes(lane)) return;
    lane.ready.push(readings);
    this.sendReady(session, lane);
  }

  private send(session: Session, lane: Lane | null, readings: RawReading[], batch: boolean, retry = false): SendResult {
    const result = sendReadings(this.sender, session, readings, batch, retry);
    if (result === 'sent' && lane?.live) this.budget?.spend(readings.length);
    return result;
  }

  private sendReady(session: Session, lane: Lane): void {
    const refusals = this.parts.refusals();
    while (lane.ready.length > 0 && session.inflight < session.window && session === this.session && !refusals.holding) {
      const readings = lane.ready.shift()!;
      if (this.send(session, lane, readings, true) === 'too large') {
        // Halves go back to the front, in seq order: each still waits for its own window slot.
        const half = Math.ceil(readings.length / 2);
        lane.ready.unshift(readings.slice(0, half), readings.slice(half));
      }
    }
  }
}
