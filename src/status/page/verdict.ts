// The first thing on the page: healthy or not, and why not, in a technician's words. Derived from
// the snapshot alone, so the page and /status.json never disagree. `now` is the device's time at
// render, the same the cards use, so the verdict and the MQTT card count one outage alike.
// The fleet view (src/cli/fleet.ts) words each device's health message with the same functions:
// they read only the facts in VerdictFacts, which a snapshot and a health message both give.
import type { BufferStats } from '../../buffer/index.js';
import type { ClockStatus } from '../host-info.js';
import type { MqttStatus, SensorStatus, StatusSnapshot } from '../status-types.js';
import { counted, duration } from './format.js';
import { explain } from './plain-words.js';
import { errorHelp } from './error-help.js';

/** A backlog this old means readings are not leaving the device. */
const staleBacklogMs = 5 * 60_000;

/** What the verdict reads of a device's state: a StatusSnapshot is one. */
export interface VerdictFacts {
  time: number;
  mqtt: Pick<MqttStatus, 'connected' | 'since' | 'failedAttempts' | 'nextAttemptAt' | 'lastError' | 'unsendable'> & {
    lastRefusal: Pick<NonNullable<MqttStatus['lastRefusal']>, 'persistent' | 'reason' | 'inARow' | 'topic'> | null;
    takeover?: Pick<NonNullable<MqttStatus['takeover']>, 'clientId' | 'reason' | 'advice'> | null | undefined;
  };
  buffer: Pick<BufferStats, 'problem' | 'writeFailing' | 'recoveredFrom' | 'dropped' | 'oldestTs'>;
  sensors: ReadonlyArray<Pick<SensorStatus, 'id' | 'state' | 'lastError'>>;
  clock: Pick<ClockStatus, 'plausible' | 'synchronized'>;
}

export const ALL_GOOD = 'All good: readings are taken, stored and published.';

/** The verdict's first line: all good, or how many problems need attention (listed after it). */
export function verdictHeadline(found: readonly string[]): string {
  return found.length === 0 ? ALL_GOOD : `Needs attention (${found.length}):`;
}

/** "tried 12 times, next try in 8 s" while the agent waits to reconnect; "trying now" while it tries. */
export function retrying(mqtt: Pick<StatusSnapshot['mqtt'], 'failedAttempts' | 'nextAttemptAt'>, now: number): string {
  const tried = mqtt.failedAttempts > 0 ? `tried ${counted(mqtt.failedAttempts, 'time')}, ` : '';
  if (mqtt.nextAttemptAt === null || mqtt.nextAttemptAt <= now) return `${tried}trying now`;
  return `${tried}next try in ${duration(mqtt.nextAttemptAt - now + 999)}`;
}

export function problems(status: VerdictFacts, now: number = status.time): string[] {
  const found: string[] = [];
  const { mqtt, buffer } = status;
  if (!mqtt.connected) {
    const since = mqtt.since === null ? '' : ` for ${duration(now - mqtt.since)}`;
    found.push(`MQTT broker not connected${since} (${retrying(mqtt, now)}). ${mqtt.lastError ? explain(mqtt.lastError) : 'Connecting…'} Readings are kept in the buffer.`);
  }
  const refusal = mqtt.lastRefusal;
  if (refusal?.persistent) {
    found.push(`The broker keeps refusing publishes (${refusal.reason}, ${refusal.inARow} in a row, topic ${refusal.topic}): fix its ACL or quota. Readings wait in the buffer.`);
  }
  if (mqtt.takeover) found.push(`Another device uses this device's MQTT client id "${mqtt.takeover.clientId}" (${mqtt.takeover.reason}): ${mqtt.takeover.advice}. Reconnecting only every few minutes meanwhile.`);
  if (mqtt.unsendable > 0) found.push(`${mqtt.unsendable} reading(s) were too large for the broker's maximum packet size and were taken out of the queue.`);
  // The store's own line (disk full, read-only file system) says which and what to do.
  if (buffer.problem) found.push(`${buffer.problem.charAt(0).toUpperCase()}${buffer.problem.slice(1)}.`);
  else if (buffer.writeFailing) found.push('The buffer refuses writes (disk full or storage error): new readings are being dropped.');
  if (buffer.recoveredFrom) found.push(`The buffer store was corrupt and was replaced at start (old copy: ${buffer.recoveredFrom}).`);
  if (buffer.dropped > 0) found.push(`${counted(buffer.dropped, 'reading was', 'readings were')} dropped because the buffer was full or failing.`);
  if (buffer.oldestTs !== null && mqtt.connected && now - buffer.oldestTs > staleBacklogMs) {
    found.push(`The oldest waiting reading is ${duration(now - buffer.oldestTs)} old.`);
  }
  const failed = status.sensors.filter((sensor) => sensor.state === 'failed');
  for (const sensor of failed) {
    const help = errorHelp(sensor.lastError);
    found.push(`Sensor ${sensor.id} fails: ${sensor.lastError ?? 'no answer'}${help ? ` What to do (${help.code}): ${help.action}` : ''}`);
  }
  if (!status.clock.plausible) found.push("The device's clock is wrong (year before 2024): reading times cannot be trusted.");
  else if (status.clock.synchronized === false) found.push("The device's clock is not synchronized yet: readings are marked as such until it is, then corrected.");
  return found;
}
