// Turns the agent's MQTT settings into MQTT.js options. MQTT.js must not reconnect, queue or
// resend on its own: the buffer is the source of truth and the connection loop owns reconnects.
import type { IClientOptions } from 'mqtt';

export interface MqttLinkOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** File contents already read by the config loader. */
  tls?: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; rejectUnauthorized: boolean };
  protocolVersion: 4 | 5;
  keepaliveMs: number;
  connectTimeoutMs?: number;
  statusTopic: string;
  /** False once the broker refused a retained last will (connection.ts). */
  willRetain?: boolean;
  /** 0 once the broker refused a QoS 1 last will (connection.ts). */
  willQos?: 0 | 1;
}

export const OFFLINE_PAYLOAD = '{"state":"offline"}';

export function clientOptions(link: MqttLinkOptions): IClientOptions {
  const options: IClientOptions = {
    clientId: link.clientId,
    protocolVersion: link.protocolVersion,
    keepalive: Math.max(1, Math.round(link.keepaliveMs / 1000)),
    // Ping every keepalive even while publishing, so a black-holed link (socket open, peer silent)
    // is noticed within 1.5x keepalive: MQTT.js would otherwise postpone pings on every send.
    reschedulePings: false,
    reconnectPeriod: 0,
    connectTimeout: link.connectTimeoutMs ?? 10_000,
    clean: true,
    queueQoSZero: false,
    resubscribe: false,
    will: { topic: link.statusTopic, payload: Buffer.from(OFFLINE_PAYLOAD), qos: link.willQos ?? 1, retain: link.willRetain ?? true },
  };
  if (link.username !== undefined) options.username = link.username;
  if (link.password !== undefined) options.password = link.password;
  if (link.tls) {
    if (link.tls.ca !== undefined) options.ca = link.tls.ca;
    if (link.tls.cert !== undefined) options.cert = link.tls.cert;
    if (link.tls.key !== undefined) options.key = link.tls.key;
    options.rejectUnauthorized = link.tls.rejectUnauthorized;
  }
  if (link.protocolVersion === 5) {
    options.properties = { sessionExpiryInterval: 0 };
    // MQTT 5 topic aliases, only when the CONNACK allows them (topicAliasMaximum > 0): the first
    // publish to a topic carries it with an alias, later ones only the alias (least recently used
    // alias reused when there are more topics than aliases). MQTT.js rebuilds the alias table from
    // every CONNACK, and we use one client per connection, so no alias outlives its connection.
    options.autoAssignTopicAlias = true;
  }
  return options;
}

/** The broker URL as shown to people: no user name or password in it. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
