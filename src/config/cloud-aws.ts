// AWS IoT Core's documented limits (README "Cloud brokers" cites each one's source page):
// QoS 0 and 1 only; 128 KB per message; 100 unacknowledged QoS 1 publishes per connection; 100
// publishes per second and 512 KiB/s per connection; topics of at most 7 slashes and 256 bytes;
// 1 CONNECT per second per client id (the reconnect floor, broker-profiles.ts); keep alive up to
// 1200 s; TLS only (8883, or 443 for WebSockets), a device authenticating by its X.509 certificate
// or a custom authorizer's user name.
import type { ProfileRules } from './cloud-profile.js';

export const AWS_LIMITS = {
  payloadBytes: 128 * 1024,
  inflight: 100,
  publishesPerSecond: 100,
  bytesPerSecond: 512 * 1024,
  topicSlashes: 7,
  topicBytes: 256,
  keepaliveS: 1200,
  clientIdBytes: 128,
} as const;

/**
 * The backlog drain's default rate: at most twice this goes in any one second (the bucket holds a
 * second's worth), so 40 messages a second stays under 100 with room for live readings, status
 * and output states; and 512 readings a second at a generous 512 bytes per reading (a bme280
 * reading is about 70 bytes of compact JSON, a system one 250) stays under 512 KiB/s at twice the rate.
 */
export const AWS_DRAIN = { messagesPerSecond: 40, readingsPerSecond: AWS_LIMITS.bytesPerSecond / 2 / 512 } as const;

export function awsIotCoreRules(rules: ProfileRules): void {
  const { mqtt } = rules.config;
  rules.tlsOnly({ mqtts: 8883, wss: 443 });
  if (mqtt.tls.cert === undefined && mqtt.username === undefined) {
    rules.fail('mqtt.tls.cert', 'missing (AWS IoT Core authenticates a device by its X.509 certificate, mqtt.tls.cert and mqtt.tls.key, or by a custom authorizer given mqtt.username)');
  }
  if (Buffer.byteLength(mqtt.clientId) > AWS_LIMITS.clientIdBytes) {
    rules.fail('mqtt.clientId', `"${mqtt.clientId}" is ${Buffer.byteLength(mqtt.clientId)} bytes (AWS IoT Core takes client ids of at most ${AWS_LIMITS.clientIdBytes} bytes)`);
  }
  rules.qosAtMostOne();
  rules.packetSizeAtMost(AWS_LIMITS.payloadBytes, '128 KB per message');
  if (mqtt.maxInflight !== undefined && mqtt.maxInflight > AWS_LIMITS.inflight) {
    rules.clamped(['mqtt', 'maxInflight'], String(mqtt.maxInflight), `${AWS_LIMITS.inflight} unacknowledged QoS 1 publishes per connection`, String(AWS_LIMITS.inflight));
    mqtt.maxInflight = AWS_LIMITS.inflight;
  }
  rules.keepaliveAtMost(AWS_LIMITS.keepaliveS);
  rules.drainRateAtMost(AWS_DRAIN.messagesPerSecond, AWS_DRAIN.readingsPerSecond, `${AWS_LIMITS.publishesPerSecond} publishes and 512 KiB per second per connection; the backlog drains at up to twice its rate in one second`);
  const live = rules.liveMessagesPerSecond();
  if (live >= AWS_LIMITS.publishesPerSecond) {
    rules.fail('sensors', `publish about ${Math.round(live)} messages per second live (AWS IoT Core takes ${AWS_LIMITS.publishesPerSecond} publishes per second per connection: lengthen intervals or set mqtt.batch)`);
  }
  for (const { key, topic } of rules.topics('paths')) {
    const slashes = topic.split('/').length - 1;
    const bytes = Buffer.byteLength(topic);
    if (slashes > AWS_LIMITS.topicSlashes) rules.fail(key, `gives the topic "${topic}" with ${slashes} slashes (AWS IoT Core takes at most ${AWS_LIMITS.topicSlashes})`);
    if (bytes > AWS_LIMITS.topicBytes) rules.fail(key, `gives a topic of ${bytes} bytes (AWS IoT Core takes at most ${AWS_LIMITS.topicBytes}): "${topic.slice(0, 60)}..."`);
  }
}
