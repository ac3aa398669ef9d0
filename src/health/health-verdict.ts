// A health message in the terms of the status page's verdict (src/status/page/verdict.ts), so the
// fleet view says of a device what its own status page says: the same problems, the same words.
// Ages are counted on the device's own clock at the message's time (`ts`), as the page does, so a
// fleet of clocks a little apart still reads alike. A health message is sent only while its link
// is up: the link is connected as of `ts` (the fleet view says offline itself, from the status
// topic's last will).
import { problems, type VerdictFacts } from '../status/page/verdict.js';
import type { HealthMessage } from './health-message.js';

export function verdictFacts(health: HealthMessage): VerdictFacts {
  const { link, buffer } = health;
  return {
    time: health.ts,
    mqtt: {
      connected: true,
      since: link.since,
      failedAttempts: 0,
      nextAttemptAt: null,
      lastError: link.lastError,
      unsendable: link.unsendable ?? 0,
      lastRefusal: link.refusing ? { persistent: true, ...link.refusing } : null,
      takeover: link.takeover ?? null,
    },
    buffer: {
      problem: buffer.problem ?? null,
      writeFailing: buffer.writeFailing,
      recoveredFrom: buffer.recoveredFrom ?? null,
      dropped: buffer.dropped,
      oldestTs: buffer.oldestAge === null ? null : health.ts - buffer.oldestAge * 1000,
    },
    sensors: Object.entries(health.sensors.failed).map(([id, code]) => ({ id, state: 'failed' as const, lastError: code })),
    clock: health.clock,
  };
}

/** The page's problem lines for this device, as of its message. */
export function healthProblems(health: HealthMessage): string[] {
  return problems(verdictFacts(health));
}
