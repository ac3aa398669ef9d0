// The limits a broker announces in CONNACK (MQTT 5, section 3.2.2.3), or the safe defaults the
// agent assumes on 3.1.1 where a broker cannot announce anything, and what they mean for one
// publish: its window slot, its size on the wire, its QoS and retain flag. One BrokerLimits per
// connection: a reconnect may land on a broker with other limits.
import type { BrokerProfile } from './broker-profiles.js';
import type { Route, QoS } from './topics.js';

/** What the agent's config says about the link, before any broker answered. */
export interface LimitSettings {
  /** mqtt.maxInflight when set; otherwise the protocol's default window below. */
  maxInflight?: number | undefined;
  /** mqtt.maxPacketSize when set: the largest PUBLISH the agent sends, whatever the broker says. */
  maxPacketSize?: number | undefined;
  /** mqtt.brokerProfile: stands in for the announcements 3.1.1 cannot make. */
  profile?: BrokerProfile | undefined;
}

/** The window without mqtt.maxInflight on MQTT 5 (the broker's Receive Maximum may lower it). */
export const DEFAULT_WINDOW_V5 = 64;
/**
 * The window without mqtt.maxInflight on 3.1.1: Mosquitto's default max_inflight_messages is 20,
 * and on 3.1.1 it acknowledges and drops the excess of QoS 2 (issue 24). Birth included.
 */
export const DEFAULT_WINDOW_V4 = 20;
/** The largest PUBLISH on 3.1.1 without mqtt.maxPacketSize (README, "MQTT conformance"). */
export const DEFAULT_PACKET_SIZE_V4 = 65_536;
/** The protocol's own ceiling: the largest remaining length a 4-byte varint holds, plus its header. */
export const PROTOCOL_MAX_PACKET_SIZE = 268_435_455 + 5;

export interface ConnackProperties {
  receiveMaximum?: number | undefined;
  maximumPacketSize?: number | undefined;
  maximumQoS?: number | undefined;
  retainAvailable?: boolean | undefined;
  topicAliasMaximum?: number | undefined;
  serverKeepAlive?: number | undefined;
}

/** The limits in force on one connection, as the status page shows them. */
export interface LinkLimits {
  protocolVersion: 4 | 5;
  /** QoS > 0 publishes in flight at once, the birth included. */
  window: number;
  /** Receive Maximum as announced (MQTT 5), null when not announced. */
  receiveMaximum: number | null;
  /** The largest PUBLISH the agent sends, in bytes (the lower of the broker's and mqtt.maxPacketSize). */
  maxPacketSize: number;
  maximumQoS: QoS;
  retainAvailable: boolean;
  topicAliasMaximum: number;
  /** Keep alive the broker imposed, in seconds; null when it kept ours. */
  serverKeepAlive: number | null;
}

export function linkLimits(protocolVersion: 4 | 5, properties: ConnackProperties | undefined, settings: LimitSettings, retainAvailable = true): LinkLimits {
  const v5 = protocolVersion === 5;
  const profile = settings.profile;
  // On 3.1.1 the profile's documented limits stand in for the CONNACK that cannot carry them.
  const announced: ConnackProperties = v5
    ? (properties ?? {})
    : { receiveMaximum: profile?.receiveMaximum, maximumPacketSize: profile?.maxPacketSize, maximumQoS: profile?.maximumQoS, retainAvailable: profile?.retainAvailable };
  const defaultWindow = v5 ? DEFAULT_WINDOW_V5 : DEFAULT_WINDOW_V4;
  const receiveMaximum = announced.receiveMaximum ?? null;
  const ownPacketSize = settings.maxPacketSize ?? (v5 ? PROTOCOL_MAX_PACKET_SIZE : (profile?.maxPacketSize ?? DEFAULT_PACKET_SIZE_V4));
  return {
    protocolVersion,
    // Receive Maximum is absent when it is the protocol default 65,535 (3.2.2.3.3).
    window: Math.max(1, Math.min(settings.maxInflight ?? defaultWindow, receiveMaximum ?? 65_535)),
    receiveMaximum,
    maxPacketSize: Math.min(ownPacketSize, announced.maximumPacketSize ?? PROTOCOL_MAX_PACKET_SIZE),
    // Absent means 2 (3.2.2.3.4); only 0 and 1 may be sent.
    maximumQoS: announced.maximumQoS === 0 || announced.maximumQoS === 1 ? announced.maximumQoS : 2,
    // Absent means available (3.2.2.3.5); on 3.1.1, what the connection loop learned from a refusal.
    retainAvailable: announced.retainAvailable !== false && retainAvailable,
    topicAliasMaximum: announced.topicAliasMaximum ?? 0,
    serverKeepAlive: announced.serverKeepAlive ?? null,
  };
}

/** The bytes a PUBLISH takes on the wire: fixed header, topic, packet id, properties, payload. */
export function publishPacketSize(topic: string, payload: string, qos: QoS, protocolVersion: 4 | 5): number {
  // A topic alias property (3 bytes) counted always: MQTT.js may add one, never more.
  const properties = protocolVersion === 5 ? 1 + 3 : 0;
  const remaining = 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + properties + Buffer.byteLength(payload);
  return 1 + varintLength(remaining) + remaining;
}

function varintLength(value: number): number {
  return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}

/** The publish options a route gets on a connection: its QoS capped, retain dropped where unavailable. */
export class RouteOptions {
  private readonly byRoute = new Map<Route, { qos: QoS; retain: boolean }>();

  constructor(private readonly limits: LinkLimits) {}

  for(route: Route): { qos: QoS; retain: boolean } {
    let options = this.byRoute.get(route);
    if (options === undefined) {
      const { maximumQoS, retainAvailable } = this.limits;
      options = route.qos <= maximumQoS && (retainAvailable || !route.retain) ? route.publishOptions : { qos: Math.min(route.qos, maximumQoS) as QoS, retain: route.retain && retainAvailable };
      this.byRoute.set(route, options);
    }
    return options;
  }
}

/** What the agent gives up on this connection because of the limits: one warning at connect. */
export function limitWarnings(limits: LinkLimits, wanted: { maxQoS: QoS; anyRetain: boolean }): string[] {
  const warnings: string[] = [];
  if (wanted.maxQoS > limits.maximumQoS) {
    warnings.push(`the broker accepts at most QoS ${limits.maximumQoS}: QoS ${wanted.maxQoS} readings are published at QoS ${limits.maximumQoS} on this connection`);
  }
  if (!limits.retainAvailable) {
    warnings.push(`the broker does not support retained messages: the status messages${wanted.anyRetain ? ' and retained readings' : ''} are published without retain`);
  }
  return warnings;
}
