// mqtt.profile: a cloud broker's documented limits applied to the resolved config before anything
// starts (check-config and run alike). A limit the agent can keep by itself is a clamp with a
// warning (QoS 2 to 1, a window or a packet size lowered); one it cannot (a topic too deep, the
// wrong credentials form) is an error, and the config is refused with exit 78. The rules of each
// cloud are cloud-aws.ts and cloud-azure.ts; this file has the shared pieces and how mqtt.profile
// and mqtt.brokerProfile relate: a profile implies its brokerProfile (the limits the publisher
// assumes on 3.1.1), and a brokerProfile naming another broker is an error.
import type { BrokerProfileName } from '../mqtt/broker-profiles.js';
import { deviceTopic, sensorTopic, type TopicLayout } from '../mqtt/topic-layout.js';
import { formatPath, isRecord, type KeyPath } from './keys.js';
import type { Config } from './schema.js';

export const CLOUD_PROFILE_NAMES = ['aws-iot-core', 'azure-iot-hub'] as const;
export type CloudProfileName = (typeof CLOUD_PROFILE_NAMES)[number];

/** The mqtt.brokerProfile each mqtt.profile stands for, and the older names that agree with it. */
export const PROFILE_BROKERS: Record<CloudProfileName, readonly BrokerProfileName[]> = {
  'aws-iot-core': ['aws-iot-core', 'aws-iot'],
  'azure-iot-hub': ['azure-iot-hub'],
};

/** What one rule set works on: a copy of the config it may clamp, the raw file to tell set from defaulted. */
export class ProfileRules {
  readonly warnings: string[] = [];
  readonly problems: string[] = [];

  constructor(
    readonly config: Config,
    private readonly raw: Record<string, unknown>,
    readonly cloud: string,
  ) {}

  /** Whether the file (after environment overrides) sets this key. */
  written(path: KeyPath): boolean {
    let value: unknown = this.raw;
    for (const key of path) value = isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[String(key)] : undefined;
    return value !== undefined;
  }

  fail(path: KeyPath | string, message: string): void {
    this.problems.push(`${typeof path === 'string' ? path : formatPath(path)}: ${message}`);
  }

  /** A value beyond the cloud's limit, lowered to it. */
  clamped(path: KeyPath | string, value: string, limit: string, now: string): void {
    this.warnings.push(`${typeof path === 'string' ? path : formatPath(path)}: ${value} is more than ${this.cloud} allows (${limit}); using ${now}`);
  }

  /** QoS 2 anywhere (mqtt.qos, sensors[].qos, outputs[].qos) is published at QoS 1: still at least once. */
  qosAtMostOne(): void {
    const { mqtt, sensors, outputs } = this.config;
    const limit = 'QoS 0 and 1; QoS 2 is not supported';
    if (mqtt.qos === 2) {
      mqtt.qos = 1;
      this.clamped(['mqtt', 'qos'], '2', limit, 'QoS 1 (consumers de-duplicate on seq)');
    }
    for (const [kind, list] of [['sensors', sensors], ['outputs', outputs]] as const) {
      list.forEach((entry, index) => {
        if (entry.qos !== 2) return;
        entry.qos = 1;
        this.clamped([kind, index, 'qos'], `2 (${entry.id})`, limit, 'QoS 1');
      });
    }
  }

  /** mqtt.maxPacketSize at most `bytes` (the default when absent): batches are split to fit. */
  packetSizeAtMost(bytes: number, limit: string): void {
    const { mqtt } = this.config;
    if (mqtt.maxPacketSize !== undefined && mqtt.maxPacketSize > bytes) this.clamped(['mqtt', 'maxPacketSize'], `${mqtt.maxPacketSize} bytes`, limit, `${bytes} bytes`);
    mqtt.maxPacketSize = Math.min(mqtt.maxPacketSize ?? bytes, bytes);
  }

  /** mqtt.keepalive at most `seconds`. */
  keepaliveAtMost(seconds: number): void {
    const { mqtt } = this.config;
    if (mqtt.keepalive <= seconds * 1000) return;
    this.clamped(['mqtt', 'keepalive'], `${mqtt.keepalive / 1000} s`, `a keep alive of at most ${seconds} s`, `${seconds} s`);
    mqtt.keepalive = seconds * 1000;
  }

  /** The broker takes TLS only: mqtts:// (or wss://) on its documented ports. */
  tlsOnly(ports: Record<string, number>): void {
    let url: URL;
    try {
      url = new URL(this.config.mqtt.url);
    } catch {
      return;
    }
    const scheme = url.protocol.slice(0, -1);
    const port = ports[scheme];
    if (port === undefined) {
      this.fail(['mqtt', 'url'], `has the scheme ${scheme}, but ${this.cloud} takes only ${Object.keys(ports).map((name) => `${name}://`).join(' or ')} (TLS)`);
    } else if (url.port !== '' && Number(url.port) !== port) {
      this.warnings.push(`mqtt.url: port ${url.port} is not the port ${this.cloud} listens on for ${scheme} (${port}); fine for a test broker or a proxy`);
    }
  }

  /**
   * The rate the backlog drains at, readings per second, under the connection's message rate:
   * `messagesPerSecond` messages, each holding what a batch holds when the backlog interleaves every
   * sensor (maxReadings / sensors), and at most `readingsCeiling` in all (the byte rate). The drain
   * is a token bucket holding one second's worth (drain-budget.ts), so any one second carries at
   * most twice the rate: the defaults take half the connection's limits. A batch larger than the
   * rate would make the bucket larger than a second's worth, so mqtt.batch.maxReadings is held to it.
   */
  drainRateAtMost(messagesPerSecond: number, readingsCeiling: number, limit: string): void {
    const { mqtt, sensors } = this.config;
    const perMessage = mqtt.batch === undefined ? 1 : Math.max(1, Math.floor(mqtt.batch.maxReadings / Math.max(1, sensors.length)));
    const ceiling = Math.min(messagesPerSecond * perMessage, readingsCeiling);
    if (mqtt.drainRate !== undefined && mqtt.drainRate > ceiling) this.clamped(['mqtt', 'drainRate'], `${mqtt.drainRate}/s`, limit, `${ceiling}/s`);
    mqtt.drainRate = Math.min(mqtt.drainRate ?? ceiling, ceiling);
    if (mqtt.batch !== undefined && mqtt.batch.maxReadings > mqtt.drainRate) {
      const most = Math.max(1, Math.floor(mqtt.drainRate));
      this.clamped(['mqtt', 'batch', 'maxReadings'], String(mqtt.batch.maxReadings), `${limit}: a batch no larger than a second of the drain rate`, String(most));
      mqtt.batch.maxReadings = most;
    }
  }

  /** Messages per second the sensors publish live, from their intervals (a simulated burst counts each reading). */
  liveMessagesPerSecond(): number {
    const { mqtt, sensors } = this.config;
    return sensors.reduce((sum, sensor) => {
      const burst = sensor.driver === 'simulated' ? sensor.options.burst : 1;
      const readings = (1000 / sensor.interval) * burst;
      if (mqtt.batch === undefined) return sum + readings;
      // A batch goes when full or when its oldest reading waited maxDelay, whichever comes first.
      return sum + Math.min(readings, Math.max(readings / mqtt.batch.maxReadings, 1000 / mqtt.batch.maxDelay));
    }, 0);
  }

  /** Every topic the agent publishes or subscribes, with the key that makes it. */
  topics(layout: TopicLayout): Array<{ key: string; topic: string }> {
    const { mqtt, sensors, outputs } = this.config;
    const prefix = mqtt.topicPrefix;
    const found = [
      ...sensors.map((sensor, index) => ({ key: sensor.topic !== undefined ? `sensors[${index}].topic` : `mqtt.topicPrefix (sensor ${sensor.id})`, topic: sensor.topic ?? sensorTopic(layout, prefix, sensor.id) })),
      ...['status', 'health'].map((name) => ({ key: `mqtt.topicPrefix (${name})`, topic: deviceTopic(layout, prefix, name) })),
      ...['config/set', 'config/result'].map((name) => ({ key: `mqtt.topicPrefix (${name})`, topic: `${prefix}/${name}` })),
      ...outputs.flatMap((output) => ['', '/set', '/availability'].map((suffix) => ({ key: `mqtt.topicPrefix (output ${output.id})`, topic: `${prefix}/${output.id}${suffix}` }))),
    ];
    return found;
  }
}

/** mqtt.brokerProfile against mqtt.profile: the profile implies it; another broker is an error. */
function reconcileBrokerProfile(rules: ProfileRules, profile: CloudProfileName): void {
  const { mqtt } = rules.config;
  const agreeing = PROFILE_BROKERS[profile];
  if (mqtt.brokerProfile !== undefined && !agreeing.includes(mqtt.brokerProfile)) {
    rules.fail(['mqtt', 'brokerProfile'], `"${mqtt.brokerProfile}" names another broker than mqtt.profile "${profile}" (expected ${agreeing.join(' or ')}, or leave it out: mqtt.profile implies it)`);
  }
  mqtt.brokerProfile = agreeing[0];
}

export interface ProfileOutcome {
  config: Config;
  warnings: string[];
  problems: string[];
}

type RuleSet = (rules: ProfileRules) => void;

/** Applies mqtt.profile (a no-op without it): the config to run with, its warnings and its errors. */
export function applyCloudProfile(config: Config, raw: Record<string, unknown>, ruleSets: Record<CloudProfileName, RuleSet>): ProfileOutcome {
  const profile = config.mqtt.profile;
  if (profile === undefined) return { config, warnings: [], problems: [] };
  const copy = structuredClone(config);
  const rules = new ProfileRules(copy, raw, profile === 'aws-iot-core' ? 'AWS IoT Core' : 'Azure IoT Hub');
  reconcileBrokerProfile(rules, profile);
  ruleSets[profile](rules);
  return { config: copy, warnings: rules.warnings, problems: rules.problems };
}
