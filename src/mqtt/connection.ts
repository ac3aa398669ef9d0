// The MQTT link: one MQTT.js client per attempt, our own reconnect loop with jittered backoff,
// and one log line per state change (not one per failed retry).
import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { ReconnectBackoff, type BackoffOptions } from './backoff.js';
import { clientOptions, displayUrl, type MqttLinkOptions } from './client-options.js';

export interface ConnectionEvents {
  /** Connected (CONNACK accepted). receiveMaximum is the broker's (MQTT 5), if it sent one. */
  up: [client: MqttClient, receiveMaximum: number | undefined];
  down: [reason: string];
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
  /** Starts as configured; falls back to 3.1.1 once if the broker refuses MQTT 5 (Aedes, old brokers). */
  private protocolVersion: 4 | 5;
  private retryNow = false;
  lastError: string | null = null;
  reconnects = 0;

  constructor(
    private readonly link: MqttLinkOptions,
    backoff: BackoffOptions,
    private readonly log: Logger,
    private connect: ConnectFn | null = null,
  ) {
    super();
    this.backoff = new ReconnectBackoff(backoff);
    this.protocolVersion = link.protocolVersion;
  }

  /** The MQTT version in use: 5, or 4 after the broker refused 5. */
  get version(): 4 | 5 {
    return this.protocolVersion;
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
    void import('mqtt').then(
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
    const client = this.connect(this.link.url, clientOptions({ ...this.link, protocolVersion: this.protocolVersion }));
    this.current = client;
    client.on('connect', (connack) => {
      if (client !== this.current) return;
      this.connected = true;
      this.offlineAnnounced = false;
      // The next disconnect gets its own reason, not one left over from an earlier attempt.
      this.lastError = null;
      this.backoff.reset();
      this.log.info({ broker: displayUrl(this.link.url), protocolVersion: this.protocolVersion, topicAliases: connack.properties?.topicAliasMaximum ?? 0 }, 'mqtt connected');
      this.emit('up', client, connack.properties?.receiveMaximum);
    });
    client.on('error', (error) => {
      if (client !== this.current) return;
      this.lastError = describe(error);
      if (!this.connected && this.protocolVersion === 5 && isUnacceptableVersion(error)) {
        this.protocolVersion = 4;
        this.retryNow = true;
        this.log.warn({ broker: displayUrl(this.link.url) }, 'broker does not accept MQTT 5; using MQTT 3.1.1');
      }
      // MQTT.js keeps the socket after some errors (a refused CONNACK); make sure the attempt ends.
      if (!this.connected) client.end(true);
    });
    client.on('close', () => {
      if (client !== this.current) return;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      this.current = null;
      const wasConnected = this.connected;
      this.connected = false;
      const reason = this.lastError ?? 'connection closed';
      if (this.retryNow) {
        this.retryNow = false;
        this.attempt();
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

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.emit('retrying', delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.attempt();
    }, delay);
  }
}

function isUnacceptableVersion(error: Error & { code?: string | number }): boolean {
  // CONNACK return code 1 (3.1.1) or reason code 0x84 (5): unsupported protocol version.
  return error.code === 1 || error.code === 0x84 || /protocol version/i.test(error.message);
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
