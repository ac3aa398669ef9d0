// The device status messages on `<topicPrefix>/status`: the birth (`online` with version and
// counters, one per connection) and the graceful `offline`. Both follow the connection's limits:
// at most its QoS, retained only where the broker takes retain, and a birth too large for its
// Maximum Packet Size is shortened to `{"state":"online"}` (or, below even that, not sent).
// A QoS 1 birth takes a slot of the in-flight window until its PUBACK (drain.ts counts it).
// Also the once-per-run warnings about what a broker's limits cost (WarnOnce).
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { LinkLimits } from './broker-limits.js';
import { publishPacketSize } from './broker-limits.js';
import { OFFLINE_PAYLOAD } from './client-options.js';
import { refusalCode } from './refusals.js';
import type { QoS } from './topics.js';

export const SHORT_BIRTH = '{"state":"online"}';

export interface BirthFacts {
  version: string;
  dropped: number;
  /** Of `dropped`, the high-priority readings. */
  droppedHigh: number;
  epoch: number;
  lastSeq: number;
  /** Readings taken out as unsendable this run (too large for the broker). */
  unsendable: number;
  /** The clock's state (time quality), when the agent knows it. */
  clock?: string | undefined;
}

export function statusPublishOptions(limits: LinkLimits): { qos: QoS; retain: boolean } {
  return { qos: Math.min(1, limits.maximumQoS) as QoS, retain: limits.retainAvailable };
}

/** The birth payload that fits this connection, or null when not even the short one does. */
export function birthPayload(facts: BirthFacts, topic: string, limits: LinkLimits, now = Date.now()): string | null {
  const { qos } = statusPublishOptions(limits);
  const full = JSON.stringify({ state: 'online', version: facts.version, dropped: facts.dropped, droppedHigh: facts.droppedHigh, epoch: facts.epoch, lastSeq: facts.lastSeq, unsendable: facts.unsendable, ts: now, ...(facts.clock === undefined ? {} : { clock: facts.clock }) });
  for (const payload of [full, SHORT_BIRTH]) {
    if (publishPacketSize(topic, payload, qos, limits.protocolVersion) <= limits.maxPacketSize) return payload;
  }
  return null;
}

/** The window slot a QoS > 0 birth holds until its PUBACK. */
export interface StatusSlot {
  take(): void;
  /** The birth is done: its slot (if it took one) is free, and the drain goes on. */
  done(tookSlot: boolean): void;
  /** The connection the birth was sent on is still the current one. */
  current(): boolean;
}

/** One birth on this connection (or a warning when none fits its Maximum Packet Size). */
export function publishBirth(client: MqttClient, topic: string, facts: BirthFacts, limits: LinkLimits, slot: StatusSlot, log: Logger, warned: WarnOnce): void {
  const birth = birthPayload(facts, topic, limits);
  if (birth === null) return warned.warn([`the broker's Maximum Packet Size (${limits.maxPacketSize} bytes) cannot hold a birth message; none is sent`]);
  const options = statusPublishOptions(limits);
  if (options.qos > 0) slot.take();
  client.publish(topic, birth, options, (error) => {
    if (!slot.current()) return;
    if (error && refusalCode(error) !== null) log.warn({ err: error.message }, 'broker refused the birth message');
    slot.done(options.qos > 0);
  });
}

/** The graceful `offline` on stop, waited for at most `waitMs` (at least 100 ms). */
export async function publishOffline(client: MqttClient, topic: string, options: { qos: QoS; retain: boolean }, waitMs: number): Promise<void> {
  await Promise.race([
    client.publishAsync(topic, OFFLINE_PAYLOAD, options).catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, Math.max(100, waitMs)).unref()),
  ]);
}

/** What a broker's limits cost: warned once per run, not per connection (the same broker says the same at every connect). */
export class WarnOnce {
  private readonly warned = new Set<string>();

  constructor(private readonly log: Logger) {}

  warn(warnings: string[]): void {
    for (const warning of warnings) {
      if (this.warned.has(warning)) this.log.debug(warning);
      else this.log.warn(warning);
      this.warned.add(warning);
    }
  }
}
