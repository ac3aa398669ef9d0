// The Home Assistant part (issue 17; README, "Home Assistant"): at every connection, and when HA
// says `online`, it announces: first HA's removal form for what the announced-set store says was
// announced and is gone from the config, then the discovery messages, each sensor's availability,
// the latest states and the health; the store is rewritten once HA's broker acknowledged all of
// it. Between announcements it forwards live states and availability changes. Everything goes
// through the publisher's connection under the broker's limits (src/mqtt/extra-publishes.ts).
import type { MqttClient } from '../mqtt/client-types.js';
import type { Logger } from 'pino';
import type { HomeassistantConfig } from '../config/schema.js';
import type { SensorConfig } from '../config/sensor-schema.js';
import type { ExtraMessage, ExtraResult } from '../mqtt/extra-publishes.js';
import type { Values } from '../sensors/types.js';
import { announcedPath, loadAnnounced, removedSince, saveAnnounced, type Announced } from './announced-store.js';
import { discoveryMessages, type DiscoveryContext, type DiscoveryMessage } from './discovery.js';
import { healthComponents, type Component, healthStateTopic, sensorAvailabilityTopic, sensorComponents, sensorStateTopic, type ComponentSource } from './entities.js';
import { AgentHealth, HEALTH_INTERVAL_MS } from './health.js';
import { HaStatusListener } from './ha-status.js';
import { LiveStates } from './live-states.js';

/** What the part needs of the MQTT side: the publisher's extra messages and its connection events. */
export interface HaLink {
  publishExtra(message: ExtraMessage): Promise<ExtraResult>;
  on(event: 'connected', listener: () => void): unknown;
  on(event: 'disconnected', listener: () => void): unknown;
  /** The connected client (to subscribe on), or null. */
  client(): MqttClient | null;
}

export interface HomeAssistantOptions {
  config: HomeassistantConfig;
  deviceId: string;
  topicPrefix: string;
  version: string;
  sensors: readonly SensorConfig[];
  storePath: string;
  statusUrl?: string | undefined;
  link: HaLink;
  health: AgentHealth;
  log: Logger;
  /** Besides the sensors (the outputs issue: switches). */
  sources?: readonly ComponentSource[];
  random?: () => number;
}

export class HomeAssistant {
  private readonly states: LiveStates;
  private readonly status: HaStatusListener;
  private readonly failed = new Set<string>();
  private readonly included: ReadonlySet<string>;
  private readonly storeFile: string;
  private announced: Announced = new Map();
  private components: Component[] = [];
  private context: DiscoveryContext | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private announcing: Promise<void> | null = null;
  private again = false;
  private connected = false;
  /** Completed announcements since start. */
  announcements = 0;

  constructor(private readonly options: HomeAssistantOptions) {
    this.storeFile = announcedPath(options.storePath);
    this.included = new Set(options.sensors.filter((sensor) => sensor.homeassistant !== false).map((sensor) => sensor.id));
    this.states = new LiveStates((sensorId, payload) => void this.publish(sensorStateTopic(options.topicPrefix, sensorId), payload, 0, true));
    this.status = new HaStatusListener({
      topic: options.config.statusTopic,
      announceDelayMs: options.config.announceDelay,
      reannounce: () => this.announce(),
      log: options.log,
      ...(options.random ? { random: options.random } : {}),
    });
  }

  /** Reads the announced set and the host's health once (which health values this host has), then follows the link. */
  async start(): Promise<void> {
    const { options } = this;
    this.announced = await loadAnnounced(this.storeFile, (message) => options.log.warn(message));
    const available = new Set(Object.keys(await options.health.read()));
    this.components = [
      ...sensorComponents(options.deviceId, options.topicPrefix, options.sensors),
      ...healthComponents(options.deviceId, options.topicPrefix, available),
      ...(options.sources ?? []).flatMap((source) => source.components(options.deviceId, options.topicPrefix)),
    ];
    const areas = new Map(options.sensors.filter((sensor) => sensor.area !== undefined).map((sensor) => [sensor.id, { name: sensor.name ?? sensor.id, area: sensor.area! }]));
    this.context = { ...options.config, deviceId: options.deviceId, version: options.version, topicPrefix: options.topicPrefix, statusUrl: options.statusUrl, areas };
    options.link.on('connected', () => {
      this.connected = true;
      const client = options.link.client();
      if (client) this.status.attach(client);
      this.announce();
    });
    options.link.on('disconnected', () => {
      this.connected = false;
      this.states.pause();
    });
    this.healthTimer = setInterval(() => void this.publishHealth(), HEALTH_INTERVAL_MS);
    this.healthTimer.unref();
  }

  stop(): void {
    this.status.stop();
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
  }

  /** A reading was accepted live (not drained from the buffer). */
  reading(sensorId: string, values: Values): void {
    if (this.included.has(sensorId)) this.states.update(sensorId, values);
  }

  sensorFailed(sensorId: string): void {
    if (this.failed.has(sensorId)) return;
    this.failed.add(sensorId);
    if (this.connected) void this.publishAvailability(sensorId);
  }

  sensorRecovered(sensorId: string): void {
    if (!this.failed.delete(sensorId)) return;
    if (this.connected) void this.publishAvailability(sensorId);
  }

  /** Announces now, or once more after the announcement under way. */
  announce(): void {
    if (this.announcing) {
      this.again = true;
      return;
    }
    this.announcing = this.announceOnce().finally(() => {
      this.announcing = null;
      if (this.again && this.connected) {
        this.again = false;
        this.announce();
      }
    });
  }

  private async announceOnce(): Promise<void> {
    const { options } = this;
    const now = announcedOf(discoveryMessages(this.components, this.context!));
    // A component gone from a device still announced gets HA's removal form first (discovery.ts);
    // a device topic no longer announced at all gets an empty retained payload.
    const messages = discoveryMessages(this.components, this.context!, removedSince(this.announced, now));
    const emptied = [...this.announced.keys()].filter((topic) => !now.has(topic));
    const results = await Promise.all([
      ...emptied.map((topic) => this.publish(topic, '', 1, true)),
      ...messages.map((message) => this.publish(message.topic, message.payload, 1, options.config.retain)),
    ]);
    const tooLarge = messages.filter((_message, i) => results[emptied.length + i] === 'too large');
    for (const message of tooLarge) options.log.warn({ topic: message.topic, bytes: Buffer.byteLength(message.payload) }, "a discovery message is larger than the broker's Maximum Packet Size; not announced (try homeassistant.discovery: entity)");
    if (results.includes('offline')) return;
    if (!sameAnnounced(this.announced, now)) {
      await saveAnnounced(this.storeFile, now).catch((error: unknown) => options.log.warn({ err: error, path: this.storeFile }, 'cannot save the Home Assistant announced set'));
      this.announced = now;
    }
    for (const sensorId of this.included) void this.publishAvailability(sensorId);
    this.states.resume();
    await this.publishHealth();
    this.announcements += 1;
  }

  private publishAvailability(sensorId: string): Promise<ExtraResult> {
    return this.publish(sensorAvailabilityTopic(this.options.topicPrefix, sensorId), this.failed.has(sensorId) ? 'offline' : 'online', 1, true);
  }

  private async publishHealth(): Promise<void> {
    if (!this.connected) return;
    await this.publish(healthStateTopic(this.options.topicPrefix), JSON.stringify(await this.options.health.read()), 0, true);
  }

  /** States and availability are always retained (HA reads them when it subscribes); discovery as `homeassistant.retain` says. */
  private publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): Promise<ExtraResult> {
    return this.options.link.publishExtra({ topic, payload, qos, retain });
  }
}

function announcedOf(messages: readonly DiscoveryMessage[]): Announced {
  const announced: Announced = new Map();
  for (const message of messages) announced.set(message.topic, { ...announced.get(message.topic), ...message.components });
  return announced;
}

function sameAnnounced(a: Announced, b: Announced): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}
