// The health telemetry part (README, "Health telemetry"): a retained health message on
// `<topicPrefix>/health`, made from the agent's current facts (health-facts.ts) when the schedule
// says so (health-schedule.ts). It is sent live on the publisher's connection, under the broker's
// limits, ahead of the readings (src/mqtt/extra-publishes.ts): never stored in the buffer, never
// queued while the link is down, and sent fresh at every connect.
import type { Logger } from 'pino';
import type { ExtraMessage, ExtraResult } from '../mqtt/extra-publishes.js';
import { encodeHealth, type HealthMessage } from './health-message.js';
import type { HealthFacts } from './health-facts.js';
import { HealthSchedule } from './health-schedule.js';

export function healthTopic(topicPrefix: string): string {
  return `${topicPrefix}/health`;
}

/** What the part needs of the MQTT side: the publisher's extra messages and its link events. */
export interface HealthLink {
  publishExtra(message: ExtraMessage): Promise<ExtraResult>;
  on(event: 'connected' | 'disconnected', listener: () => void): unknown;
}

/** What it watches for changes: the status hub, and the buffer's overflow. */
export interface HealthWatch {
  on(event: 'change', listener: () => void): unknown;
}

export interface HealthTelemetryOptions {
  topicPrefix: string;
  /** Where it goes when not `<topicPrefix>/health` (Azure IoT Hub: `.../type=health`, topic-layout.ts). */
  topic?: string;
  intervalMs: number;
  facts: HealthFacts;
  link: HealthLink;
  hub: HealthWatch;
  log: Logger;
  minGapMs?: number;
}

/** The facts a change of which is worth a message of its own (not backlog or uptime: the interval covers those). */
export function stateKey(message: HealthMessage): string {
  const { link, buffer, sensors } = message;
  return JSON.stringify([message.healthy, message.reason, link.since, link.refusing?.reason, link.takeover?.clientId, buffer.writeFailing, buffer.problem, sensors.ok, sensors.failed, message.outputs, message.clock]);
}

export class HealthTelemetry {
  readonly topic: string;
  private readonly schedule: HealthSchedule;
  private warnedTooLarge = false;

  constructor(private readonly options: HealthTelemetryOptions) {
    this.topic = options.topic ?? healthTopic(options.topicPrefix);
    this.schedule = new HealthSchedule({
      intervalMs: options.intervalMs,
      stateKey: () => stateKey(options.facts.collect()),
      publish: () => this.publish(),
      ...(options.minGapMs !== undefined ? { minGapMs: options.minGapMs } : {}),
    });
  }

  /** Messages started since start. */
  get sent(): number {
    return this.schedule.sent;
  }

  start(): void {
    const { link, hub } = this.options;
    link.on('connected', () => this.schedule.connected());
    link.on('disconnected', () => this.schedule.disconnected());
    hub.on('change', () => this.schedule.changed());
  }

  /** The buffer started or stopped dropping: its counts are news even when the state key is the same. */
  bufferOverflow(): void {
    this.schedule.nudge();
  }

  stop(): void {
    this.schedule.stop();
  }

  private async publish(): Promise<void> {
    const { facts, link, log } = this.options;
    await facts.refreshHost();
    const payload = encodeHealth(facts.collect());
    const result = await link.publishExtra({ topic: this.topic, payload, qos: 1, retain: true });
    if (result === 'too large' && !this.warnedTooLarge) {
      this.warnedTooLarge = true;
      log.warn({ topic: this.topic, bytes: Buffer.byteLength(payload) }, "the health message is larger than the broker's Maximum Packet Size; not sent");
    }
  }
}
