// Home Assistant's own status topic (`homeassistant.statusTopic`, birth `online`, last will
// `offline`): subscribed again on every connection (the agent's sessions are clean), and an
// `online` (retained or live) schedules one re-announce after a random delay up to
// `announceDelay`, so a fleet does not answer HA's restart in the same second. Anything else on
// the topic is ignored and logged, at most once a minute with the count since, never a crash.
import type { MqttClient } from '../mqtt/client-types.js';
import type { Logger } from 'pino';

const GARBAGE_LOG_INTERVAL_MS = 60_000;

export interface HaStatusOptions {
  topic: string;
  announceDelayMs: number;
  reannounce(): void;
  log: Logger;
  random?: () => number;
  now?: () => number;
}

export class HaStatusListener {
  private timer: NodeJS.Timeout | null = null;
  private garbage = 0;
  private lastGarbageLog = Number.NEGATIVE_INFINITY;
  private readonly random: () => number;
  private readonly now: () => number;
  /** `online` messages heard since start (status and tests). */
  onlineHeard = 0;

  constructor(private readonly options: HaStatusOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** A connection came up: subscribe on its client and listen to its messages. */
  attach(client: MqttClient): void {
    client.on('message', (topic, payload) => {
      if (topic === this.options.topic) this.heard(payload);
    });
    client.subscribe(this.options.topic, { qos: 1 }, (error) => {
      if (error) this.options.log.warn({ err: error.message, topic: this.options.topic }, 'cannot subscribe to the Home Assistant status topic; discovery is sent at connect only');
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private heard(payload: Buffer): void {
    const text = payload.toString('utf8').trim();
    if (text === 'online') {
      this.onlineHeard += 1;
      if (this.timer !== null) return;
      const delay = Math.round(this.random() * this.options.announceDelayMs);
      this.options.log.info({ delayMs: delay }, 'Home Assistant is online; announcing again after a random delay');
      this.timer = setTimeout(() => {
        this.timer = null;
        this.options.reannounce();
      }, delay);
      this.timer.unref();
      return;
    }
    if (text === 'offline') return void this.options.log.info('Home Assistant went offline');
    this.garbage += 1;
    const at = this.now();
    if (at - this.lastGarbageLog < GARBAGE_LOG_INTERVAL_MS) return;
    this.lastGarbageLog = at;
    this.options.log.warn({ topic: this.options.topic, payload: text.slice(0, 64), ignoredSinceStart: this.garbage }, `ignored a message on the Home Assistant status topic (expected online or offline)`);
  }
}
