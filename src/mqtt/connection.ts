// The MQTT link: one MQTT.js client per attempt, our own reconnect loop with jittered backoff,
// and one log line per state change (not one per failed retry). It also learns, once per run, what
// the broker cannot take: MQTT 5 (protocol-fallback.ts) or a retained last will (CONNACK 0x9A on
// 5; on 3.1.1 a bare close at CONNECT, as Mosquitto with retain_available false does).
import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { ReconnectBackoff, type BackoffOptions } from './backoff.js';
import { clientOptions, displayUrl, type MqttLinkOptions } from './client-options.js';
import { TakeoverGuard, type Takeover } from './takeover-guard.js';
import type { ConnackProperties } from './broker-limits.js';
import { ProtocolFallback } from './protocol-fallback.js';
import { loadMqtt } from './mqtt-library.js';
import { hex } from './refusals.js';
import { reasonText } from './reason-codes.js';

/** 3.1.1 CONNECTs with a retained will answered by a bare close, in a row, before the will loses retain. */
const CLOSES_BEFORE_UNRETAINED_WILL = 2;
/** CONNACK 0x9A: Retain not supported (the retained will); 0x9B: QoS not supported (the QoS 1 will). */
const RETAIN_NOT_SUPPORTED = 0x9a;
const QOS_NOT_SUPPORTED = 0x9b;
/**
 * MQTT.js (mqtt-packet) rejects a PUBACK/PUBREC whose reason code the spec does not allow there:
 * Mosquitto answers a publish above message_size_limit on MQTT 5 with PUBACK 0x95.
 */
const UNREADABLE_ACK = /Invalid (puback|pubrec|pubcomp) reason code/i;

export interface ConnectionEvents {
  /** Connected (CONNACK accepted), with the limits the CONNACK announced (MQTT 5). */
  up: [client: MqttClient, properties: ConnackProperties | undefined];
  down: [reason: string];
  /** Another device uses our client id (takeover-guard.ts): detected, or null once it is over. */
  takeover: [takeover: Takeover | null];
  /** The broker sent DISCONNECT (MQTT 5) with this reason code and reason string. */
  serverDisconnect: [reasonCode: number, reason: string];
  /** A publish was answered with an ack MQTT.js cannot read; the connection is ended. */
  unreadableAck: [];
  /** A connect attempt failed (or the link dropped); the next one starts in delayMs. */
  retrying: [delayMs: number];
}

type ConnectFn = (url: string, options: IClientOptions) => MqttClient;

export class MqttConnection extends EventEmitter<ConnectionEvents> {
  private current: MqttClient | null = null;
  private connected = false;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private offlineAnnounced = false;
  private readonly backoff: ReconnectBackoff;
  /** Least time between CONNECTs, even for an immediate retry (a plainer will, MQTT 3.1.1). */
  private readonly floorMs: number;
  /** Starts as configured; falls back to 3.1.1 for the run if the broker refuses MQTT 5 (protocol-fallback.ts). */
  private protocolVersion: 4 | 5;
  private retryNow = false;
  private readonly fallback = new ProtocolFallback();
  /** False once the broker refused a retained will: will and status messages go without retain. */
  private willRetain: boolean;
  /** 0 once the broker refused a QoS 1 will. */
  private willQos: 0 | 1 = 1;
  private unretainedCloses = 0;
  /** A 3.1.1 connection with the full will (retained, QoS 1) succeeded this run: the broker takes it. */
  private fullWillTaken = false;
  lastError: string | null = null;
  reconnects = 0;
  /** Tells a cloned client id from a flaky link, and backs off while it lasts. */
  readonly takeover: TakeoverGuard;

  constructor(
    private readonly link: MqttLinkOptions,
    backoff: BackoffOptions,
    private readonly log: Logger,
    private connect: ConnectFn | null = null,
  ) {
    super();
    this.backoff = new ReconnectBackoff(backoff);
    this.protocolVersion = link.protocolVersion;
    // A broker known to take no retained messages (mqtt.profile azure-iot-hub) gets none from the start.
    this.willRetain = link.willRetain ?? true;
    this.floorMs = backoff.floorMs ?? 0;
    this.takeover = new TakeoverGuard(link.clientId);
  }

  /** The MQTT version in use: 5, or 4 after the broker refused 5. */
  get version(): 4 | 5 {
    return this.protocolVersion;
  }

  /** Whether the broker takes retained messages, as far as the connection learned (3.1.1 cannot say). */
  get retainAvailable(): boolean {
    return this.willRetain;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** The connected client, or null: callers never publish into an offline MQTT.js queue. */
  get client(): MqttClient | null {
    return this.connected ? this.current : null;
  }

  start(): void {
    this.stopped = false;
    if (this.connect !== null) return this.attempt();
    // MQTT.js is loaded after the agent is ready (status port listening), not while it starts.
    void loadMqtt().then(
      (mqtt) => {
        this.connect ??= mqtt.connect;
        this.attempt();
      },
      (error: unknown) => this.log.error({ err: error }, 'cannot load MQTT.js'),
    );
  }

  /** Ends the link: gracefully (DISCONNECT, no last will) when connected, else just stops retrying. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.current;
    this.current = null;
    this.connected = false;
    if (!client) return;
    client.removeAllListeners('close');
    await Promise.race([
      client.endAsync(false).catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    client.end(true);
  }

  private attempt(): void {
    if (this.stopped || this.connect === null) return;
    const options = clientOptions({ ...this.link, protocolVersion: this.protocolVersion, willRetain: this.willRetain, willQos: this.willQos });
    const client = this.connect(this.link.url, options);
    this.current = client;
    let reached = false;
    let attemptError: (Error & { code?: string | number }) | null = null;
    /** The broker said why it disconnected: a socket error after that does not replace its words. */
    let disconnectSaid = false;
    /** A socket error during the session: a reset link, not a broker closing a healthy session. */
    let sessionErrored = false;
    const onReached = (): void => void (reached = true);
    client.stream?.once?.('connect', onReached);
    client.stream?.once?.('secureConnect', onReached);
    client.on('connect', (connack) => {
      if (client !== this.current) return;
      this.connected = true;
      this.offlineAnnounced = false;
      // Only an MQTT 5 CONNACK says the broker speaks 5 (a 3.1.1 one after a fallback does not).
      if (this.protocolVersion === 5) this.fallback.answered();
      this.unretainedCloses = 0;
      if (this.willRetain && this.willQos === 1) this.fullWillTaken = true;
      // The next disconnect gets its own reason, not one left over from an earlier attempt.
      this.lastError = null;
      this.backoff.reset();
      this.takeover.connected();
      const properties = connack.properties;
      this.log.info({ broker: displayUrl(this.link.url), protocolVersion: this.protocolVersion, ...properties }, 'mqtt connected');
      this.emit('up', client, properties);
    });
    client.on('disconnect', (packet) => {
      if (client !== this.current) return;
      const code = packet.reasonCode ?? 0;
      const reasonString = packet.properties?.reasonString;
      const reason = `broker disconnected: ${hex(code)} ${reasonText(code)}${reasonString ? ` (${reasonString})` : ''}`;
      this.lastError = reason;
      disconnectSaid = true;
      this.log.warn({ reasonCode: hex(code), reasonString }, reason);
      this.takeover.serverDisconnect(code);
      this.emit('serverDisconnect', code, reason);
    });
    client.on('error', (error) => {
      if (client !== this.current) return;
      if (!disconnectSaid) this.lastError = describe(error);
      if (this.connected) sessionErrored = true;
      if (!this.connected) attemptError = error;
      const code = (error as { code?: unknown }).code;
      if (!this.connected && code === RETAIN_NOT_SUPPORTED && this.willRetain) this.weakenWill('the broker refused the retained last will (0x9a)');
      if (!this.connected && code === QOS_NOT_SUPPORTED && this.willQos === 1) this.weakenWill('the broker refused the QoS 1 last will (0x9b)', 'qos');
      // MQTT.js keeps the socket after some errors (a refused CONNACK); make sure the attempt ends.
      if (!this.connected) client.end(true);
      else if (UNREADABLE_ACK.test(error.message)) {
        // The parser is lost for this connection and the publish is never acknowledged: reconnect now.
        this.lastError = `the broker answered a publish with a reason code not allowed there (${error.message})`;
        this.emit('unreadableAck');
        client.end(true);
      }
    });
    client.on('close', () => {
      if (client !== this.current) return;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      this.current = null;
      const wasConnected = this.connected;
      this.connected = false;
      this.checkTakeover(sessionErrored);
      if (!wasConnected) {
        this.takeover.attemptFailed();
        this.learnFromFailedAttempt(reached, attemptError);
      }
      const contested = this.takeover.current;
      const reason = contested !== null ? `client id in use by another device: ${contested.reason}` : this.lastError ?? (wasConnected || !reached ? 'connection closed' : 'connection closed before CONNACK');
      if (this.retryNow) {
        this.retryNow = false;
        if (this.floorMs === 0) this.attempt();
        else this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.attempt();
        }, this.floorMs);
        return;
      }
      if (wasConnected) {
        this.reconnects += 1;
        this.log.warn({ reason }, 'mqtt disconnected; buffering readings until the broker is back');
        this.offlineAnnounced = true;
        this.emit('down', reason);
      } else if (!this.offlineAnnounced) {
        this.offlineAnnounced = true;
        this.log.warn({ broker: displayUrl(this.link.url), reason }, 'mqtt broker unreachable; buffering readings and retrying with backoff');
        this.emit('down', reason);
      } else {
        this.log.debug({ reason }, 'mqtt connect attempt failed');
      }
      this.scheduleRetry();
    });
  }

  /** Logged once per episode, at error level: a restart cannot fix it, a person must. */
  private checkTakeover(sessionErrored: boolean): void {
    const verdict = this.takeover.closed({ clean: !sessionErrored });
    const current = this.takeover.current;
    if (verdict === 'detected' && current !== null) {
      this.log.error({ clientId: current.clientId, reason: current.reason }, `mqtt client id "${current.clientId}" is taken over again and again: ${current.advice}; reconnecting only every few minutes meanwhile`);
      this.emit('takeover', current);
    } else if (verdict === 'cleared') {
      this.log.info({ clientId: this.link.clientId }, 'mqtt client id no longer contested: reconnecting as usual');
      this.emit('takeover', null);
    }
  }

  /** An attempt ended before CONNACK: maybe the broker does not speak MQTT 5, or takes no retained will. */
  private learnFromFailedAttempt(reached: boolean, error: (Error & { code?: string | number }) | null): void {
    if (this.protocolVersion === 5) {
      if (!this.fallback.closedWithoutConnack(reached, error)) return;
      this.protocolVersion = 4;
      this.retryNow = true;
      const how = error?.code === 1 || error?.code === 0x84 ? 'does not accept MQTT 5' : 'closes MQTT 5 connections without CONNACK';
      this.log.warn({ broker: displayUrl(this.link.url) }, `broker ${how}; using MQTT 3.1.1 for the rest of this run`);
      return;
    }
    // 3.1.1 has no reason codes: a broker that hangs up at every CONNECT (Mosquitto with
    // retain_available false or max_qos 0) is tried with a plainer will, first without retain, then at QoS 0.
    // Not once it took the full will in this run: then the closes are an outage (a broker restart
    // behind a proxy), and a will without retain would leave the status topic unretained for good.
    if (this.fullWillTaken) return;
    const hungUp = reached && (error === null || error.code === 'ECONNRESET');
    this.unretainedCloses = hungUp && this.willQos === 1 ? this.unretainedCloses + 1 : 0;
    if (this.unretainedCloses < CLOSES_BEFORE_UNRETAINED_WILL) return;
    this.unretainedCloses = 0;
    if (this.willRetain) this.weakenWill('the broker closes 3.1.1 connections with a retained last will');
    else this.weakenWill('the broker closes 3.1.1 connections with a QoS 1 last will', 'qos');
  }

  private weakenWill(why: string, what: 'retain' | 'qos' = 'retain'): void {
    if (what === 'retain') this.willRetain = false;
    else this.willQos = 0;
    this.retryNow = true;
    const effect = what === 'retain' ? 'last will and status messages go without retain' : 'the last will goes at QoS 0';
    this.log.warn({ broker: displayUrl(this.link.url) }, `${why}; ${effect} for the rest of this run`);
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.takeover.retryDelayMs(this.backoff.next());
    this.emit('retrying', delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.attempt();
    }, delay);
  }
}

/** An error in the words a technician understands. */
export function describe(error: Error & { code?: string | number }): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the broker running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'broker host name not found (check mqtt.url and DNS)';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ECONNRESET':
      return 'connection reset by the broker or the network';
    default:
      return error.message || String(error.code ?? 'unknown error');
  }
}
