// Azure IoT Hub's MQTT rules (README "Cloud brokers" cites the pages): MQTT 3.1.1 (protocol level
// 4), QoS 0 and 1, no retained messages, device-to-cloud messages only on
// `devices/{deviceId}/messages/events/` (topic-layout.ts), the client id equal to the device id,
// the user name `{iothubhostname}/{deviceId}/?api-version=2021-04-12`, a SAS token as password or
// an X.509 client certificate, keep alive at most 1177 s, TLS on 8883 (or WebSockets on 443),
// 256 KB per message. The device id is the agent's device.id.
//
// No retain: the birth and the last will still go to the status topic, unretained, so a consumer
// sees `online`/`offline` as they happen but a late one cannot read the last state from the broker;
// IoT Hub's own device connection state (device twin connectionState, Event Grid
// DeviceConnected/DeviceDisconnected) is where a late consumer looks.
import { iotHubEventsPrefix } from '../mqtt/topic-layout.js';
import type { ProfileRules } from './cloud-profile.js';

export const AZURE_LIMITS = { payloadBytes: 256 * 1024, keepaliveS: 1177 } as const;
export const AZURE_API_VERSION = '2021-04-12';
const SAS_PREFIX = 'SharedAccessSignature ';

/**
 * The backlog's default drain: 10 messages a second per device. IoT Hub throttles device-to-cloud
 * sends per hub, not per device (S1: 100 a second or 12 per unit, whichever is higher), so a fleet
 * shares the figure; raise mqtt.drainRate for a small fleet on a larger hub.
 */
export const AZURE_DRAIN = { messagesPerSecond: 10, readingsPerSecond: 2000 } as const;

export function azureUsername(url: string, deviceId: string): string {
  let host = url;
  try {
    host = new URL(url).hostname;
  } catch {
    // mqtt.url's own check reports it
  }
  return `${host}/${deviceId}/?api-version=${AZURE_API_VERSION}`;
}

export function azureIotHubRules(rules: ProfileRules): void {
  const { config } = rules;
  const { mqtt } = config;
  const deviceId = config.device.id;
  rules.tlsOnly({ mqtts: 8883, wss: 443 });
  if (mqtt.protocolVersion !== 4) {
    if (rules.written(['mqtt', 'protocolVersion'])) rules.warnings.push('mqtt.protocolVersion: 5 is not what Azure IoT Hub speaks (MQTT 3.1.1); using 4');
    mqtt.protocolVersion = 4;
  }
  if (rules.written(['mqtt', 'clientId']) && mqtt.clientId !== deviceId) {
    rules.fail('mqtt.clientId', `"${mqtt.clientId}" is not the device id "${deviceId}" (Azure IoT Hub takes the device id as client id: leave mqtt.clientId out, or set device.id)`);
  }
  mqtt.clientId = deviceId;
  const username = azureUsername(mqtt.url, deviceId);
  if (mqtt.username !== undefined && mqtt.username !== username) {
    rules.fail('mqtt.username', `"${mqtt.username}" is not the form Azure IoT Hub takes (expected "${username}", or leave it out)`);
  }
  mqtt.username = username;
  if (mqtt.password !== undefined && !mqtt.password.startsWith(SAS_PREFIX)) {
    rules.fail(mqtt.passwordFile !== undefined ? 'mqtt.passwordFile' : 'mqtt.password', `is not a SAS token (expected "SharedAccessSignature sr=...&sig=...&se=...", e.g. from az iot hub generate-sas-token)`);
  }
  if (mqtt.password === undefined && mqtt.tls.cert === undefined) {
    rules.fail('mqtt.password', 'missing (Azure IoT Hub needs a SAS token in mqtt.password or mqtt.passwordFile, or an X.509 certificate in mqtt.tls.cert and mqtt.tls.key)');
  }
  const events = iotHubEventsPrefix(deviceId);
  if (rules.written(['mqtt', 'topicPrefix']) && mqtt.topicPrefix !== events) {
    rules.fail('mqtt.topicPrefix', `"${mqtt.topicPrefix}" is not where Azure IoT Hub takes device messages (expected "devices/{deviceId}/messages/events", or leave it out)`);
  }
  mqtt.topicPrefix = events;
  config.sensors.forEach((sensor, index) => {
    if (sensor.topic !== undefined && !sensor.topic.startsWith(`${events}/`)) {
      rules.fail(['sensors', index, 'topic'], `"${sensor.topic}" is not under "${events}/" (the only topic Azure IoT Hub takes device messages on; add properties after it, e.g. ${events}/sensor=${sensor.id}&site=north)`);
    }
  });
  if (config.outputs.length > 0) rules.fail('outputs', 'are switched over <topicPrefix>/<id>/set, which Azure IoT Hub does not allow (it sends to devices only on devices/{deviceId}/messages/devicebound/#)');
  if (config.remote.config) rules.fail('remote.config', 'true needs a subscription to <topicPrefix>/config/set, which Azure IoT Hub does not allow (it sends to devices only on devices/{deviceId}/messages/devicebound/#)');
  if (config.homeassistant.enabled) rules.fail('homeassistant.enabled', 'true needs a broker Home Assistant reads (discovery topics), not Azure IoT Hub');
  rules.qosAtMostOne();
  const limit = 'no retained messages';
  if (mqtt.retain) {
    mqtt.retain = false;
    rules.clamped(['mqtt', 'retain'], 'true', limit, 'false');
  }
  config.sensors.forEach((sensor, index) => {
    if (sensor.retain !== true) return;
    sensor.retain = false;
    rules.clamped(['sensors', index, 'retain'], `true (${sensor.id})`, limit, 'false');
  });
  rules.packetSizeAtMost(AZURE_LIMITS.payloadBytes, '256 KB per device-to-cloud message');
  rules.keepaliveAtMost(AZURE_LIMITS.keepaliveS);
  rules.drainRateAtMost(AZURE_DRAIN.messagesPerSecond, AZURE_DRAIN.readingsPerSecond, 'device-to-cloud sends are throttled per hub');
}
