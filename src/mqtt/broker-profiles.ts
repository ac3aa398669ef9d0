// Known brokers' limits, for what a 3.1.1 connection cannot be told and for check-config's warnings
// (mqtt.brokerProfile). Each figure is the broker's documented default or hard limit; a broker
// configured otherwise announces its own limits on MQTT 5, which then win.
import type { QoS } from './topics.js';

export interface BrokerProfile {
  /** Most QoS > 0 publishes in flight the broker takes from one client. */
  receiveMaximum?: number;
  /** The largest PUBLISH (or payload, where the broker limits that) in bytes. */
  maxPacketSize?: number;
  maximumQoS: QoS;
  retainAvailable: boolean;
  /** Least time between two CONNECTs of one client id the broker tolerates (the reconnect floor). */
  minConnectIntervalMs?: number;
  note: string;
}

// One CONNECT per second per client id, with a quarter second for the TLS handshakes' jitter.
const AWS_IOT_CORE: BrokerProfile = { receiveMaximum: 100, maxPacketSize: 128 * 1024, maximumQoS: 1, retainAvailable: true, minConnectIntervalMs: 1250, note: 'AWS IoT Core (QoS 2 not supported, 128 KB messages, 100 in flight)' };

export const BROKER_PROFILES = {
  // max_inflight_messages 20, message_size_limit 0 (no limit), max_qos 2, retain_available true.
  mosquitto: { receiveMaximum: 20, maximumQoS: 2, retainAvailable: true, note: 'Mosquitto 2.0 defaults' },
  // The 3.x MQTT plugin speaks 3.1.1 only before 3.13 and takes QoS 0 and 1.
  rabbitmq: { maximumQoS: 1, retainAvailable: true, note: 'RabbitMQ MQTT plugin (QoS 2 not supported)' },
  // AWS IoT Core: QoS 0 and 1, payloads up to 128 KB, 100 unacknowledged QoS 1 publishes per connection.
  'aws-iot-core': AWS_IOT_CORE,
  // The name before mqtt.profile existed: the same broker.
  'aws-iot': AWS_IOT_CORE,
  // Azure IoT Hub: QoS 0 and 1, no retained messages, 256 KB messages.
  'azure-iot-hub': { maxPacketSize: 256 * 1024, maximumQoS: 1, retainAvailable: false, note: 'Azure IoT Hub (QoS 2 and retain not supported, 256 KB messages)' },
} satisfies Record<string, BrokerProfile>;

export type BrokerProfileName = keyof typeof BROKER_PROFILES;
export const BROKER_PROFILE_NAMES = Object.keys(BROKER_PROFILES) as [BrokerProfileName, ...BrokerProfileName[]];

export interface WantedLink {
  maxInflight?: number | undefined;
  maxPacketSize?: number | undefined;
  qos: QoS;
  retain: boolean;
  sensors: ReadonlyArray<{ id: string; qos?: QoS | undefined; retain?: boolean | undefined }>;
}

/** What the config asks for beyond the profile, one line per key: check-config prints these. */
export function profileWarnings(name: BrokerProfileName, wanted: WantedLink): string[] {
  const profile: BrokerProfile = BROKER_PROFILES[name];
  const warnings: string[] = [];
  const beyond = (key: string, value: string, limit: string, effect: string): void =>
    void warnings.push(`${key}: ${value} is more than mqtt.brokerProfile ${name} allows (${limit}); ${effect}`);
  if (wanted.qos > profile.maximumQoS) beyond('mqtt.qos', String(wanted.qos), `QoS ${profile.maximumQoS}`, `published at QoS ${profile.maximumQoS}`);
  if (wanted.retain && !profile.retainAvailable) beyond('mqtt.retain', 'true', 'no retained messages', 'published without retain');
  wanted.sensors.forEach((sensor, index) => {
    if (sensor.qos !== undefined && sensor.qos > profile.maximumQoS) beyond(`sensors[${index}].qos (${sensor.id})`, String(sensor.qos), `QoS ${profile.maximumQoS}`, `published at QoS ${profile.maximumQoS}`);
    if (sensor.retain === true && !profile.retainAvailable) beyond(`sensors[${index}].retain (${sensor.id})`, 'true', 'no retained messages', 'published without retain');
  });
  if (wanted.maxInflight !== undefined && profile.receiveMaximum !== undefined && wanted.maxInflight > profile.receiveMaximum) {
    beyond('mqtt.maxInflight', String(wanted.maxInflight), `${profile.receiveMaximum} in flight`, 'on 3.1.1 the excess may be lost; on MQTT 5 the broker\'s Receive Maximum caps it');
  }
  if (wanted.maxPacketSize !== undefined && profile.maxPacketSize !== undefined && wanted.maxPacketSize > profile.maxPacketSize) {
    beyond('mqtt.maxPacketSize', `${wanted.maxPacketSize} bytes`, `${profile.maxPacketSize} bytes`, 'larger messages are refused or dropped');
  }
  return warnings;
}
