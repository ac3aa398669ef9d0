// Drain scheduling: which readings go out next on the current connection, within its window.
// Readings flow in lanes, each a cursor over the buffer in seq order. Without mqtt.drainRate there
// is one lane: everything in seq order. With it, a connection splits the buffer at the last seq
// written when it came up: older readings are the backlog lane (read up to that seq, within the
// rate budget), newer ones the live lane (read first, never held back). Cursors live only as long
// as their connection, so nothing read but unacked can be skipped: the next connection rereads it.
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
  /** The live lane's next read, started while its last full read goes out (readLane). */
  private ahead: { lane: Lane; readings: Promise<RawReading[] | null> } | null = null;

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
      live: this.lane(true, split, Number.POSITIVE_INFINITY),
      backlog: this.budget === null ? null : this.lane(false, 0, split),
    };
    this.session = session;
    return session;
  }

  /** The connection is gone: its lanes and open batches are forgotten (the readings stay in the buffer). */
  end(): Session | null {
    const session = this.session;
    this.session = null;
    this.ahead = null;
    if (session) for (const lane of lanes(session)) lane.batches?.discard();
    this.parts.refusals().reset();
    if (this.budgetTimer !== null) clearTimeout(this.budgetTimer);
    this.budgetTimer = null;
    return session;
  }

  /** Stopping: every open batch is closed and sent as the window allows. */
  closeBatches(): void {
    const session = this.session;
    if (!session) return;
    for (const lane of lanes(session)) lane.batches?.closeAll();
    for (const lane of lanes(session)) this.sendReady(session, lane);
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
   * The hot path of a drain: slots freed by acks are refilled from the live lane's read-ahead in
   * the same turn, synchronously, so the publishes answering one burst of PUBACKs go out in one
   * socket write (an async round per burst made it two writes, and writev was a fifth of a QoS 1
   * drain's CPU). True when the window is full again (nothing else to do); false when the full
   * round (fillWindow) has to run: a read, batches, the backlog lane, refusals held.
   */
  private refillFromQueue(): boolean {
    const session = this.session!;
    const live = session.live;
    if (session.backlog !== null || live.batches !== null || live.ready.length > 0 || live.head >= live.queued.length) return false;
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.parts.extras.send();
        if (this.parts.refusals().holding) return false;
        const room = session.window - session.inflight;
        if (room <= 0) return true;
        if (live.head >= live.queued.length) return false;
        this.takeQueued(session, live, room);
      } while (session === this.session && !this.stopping);
      return true;
    } catch (error) {
      this.parts.log.error({ err: error }, 'reading the buffer failed; retrying on the next reading');
      return true;
    } finally {
      this.pumping = false;
    }
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

  private lane(live: boolean, afterSeq: number, upToSeq: number): Lane {
    return newLane(live, afterSeq, upToSeq, this.parts.batch, (lane, readings) => this.batchClosed(lane, readings));
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
      this.sendReady(session, session.live);
      if (session.backlog) this.sendReady(session, session.backlog);
      const room = session.window - session.inflight;
      if (room <= 0 || refusals.holding) return;
      const readLimit = Math.min(READ_MAX, room * (this.parts.batch?.maxReadings ?? 1));
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
      const ahead = this.ahead?.lane === lane ? this.ahead : null;
      this.ahead = null;
      // A failed read ahead is read again here: its error, if it lasts, is this read's.
      const readings = (ahead !== null ? await ahead.readings : null) ?? (await session.reader.readRaw(lane.cursor, want, lane.upToSeq));
      if (session !== this.session || readings.length === 0) return 0;
      lane.cursor = readings[readings.length - 1]!.seq;
      lane.queued = readings;
      lane.head = 0;
      // A full read means a backlog: the next read starts now, while these go out, so the window
      // does not run dry waiting for LevelDB. Its readings are handed out (in flight) as any read's.
      if (lane.live && readings.length >= READ_AHEAD) {
        this.ahead = { lane, readings: session.reader.readRaw(lane.cursor, READ_AHEAD, lane.upToSeq).catch(() => null) };
      }
    }
    return this.takeQueued(session, lane, limit);
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
    if (!session || (session.live !== lane && session.backlog !== lane)) return;
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

function lanes(session: Session): Lane[] {
  return session.backlog ? [session.live, session.backlog] : [session.live];
}
