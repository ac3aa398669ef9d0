// The device status messages on `<topicPrefix>/status`: the birth (`online` with version and
// counters, one per connection) and the graceful `offline`. Both follow the connection's limits:
// at most its QoS, retained only where the broker takes retain, and a birth too large for its
// Maximum Packet Size is shortened to `{"state":"online"}` (or, below even that, not sent).
// Also the once-per-run warnings about what a broker's limits cost (WarnOnce).
import type { Logger } from 'pino';
import type { LinkLimits } from './broker-limits.js';
import { publishPacketSize } from './broker-limits.js';
import type { QoS } from './topics.js';

export const SHORT_BIRTH = '{"state":"online"}';

export interface BirthFacts {
  version: string;
  dropped: number;
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
  const full = JSON.stringify({ state: 'online', version: facts.version, dropped: facts.dropped, epoch: facts.epoch, lastSeq: facts.lastSeq, unsendable: facts.unsendable, ts: now, ...(facts.clock === undefined ? {} : { clock: facts.clock }) });
  for (const payload of [full, SHORT_BIRTH]) {
    if (publishPacketSize(topic, payload, qos, limits.protocolVersion) <= limits.maxPacketSize) return payload;
  }
  return null;
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
