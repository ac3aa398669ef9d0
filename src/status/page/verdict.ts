// The first thing on the page: healthy or not, and why not, in a technician's words. Derived from
// the snapshot alone, so the page and /status.json never disagree.
import type { StatusSnapshot } from '../status-types.js';
import { duration } from './format.js';
import { explain } from './plain-words.js';

/** A backlog this old means readings are not leaving the device. */
const staleBacklogMs = 5 * 60_000;

export function problems(status: StatusSnapshot): string[] {
  const found: string[] = [];
  const { mqtt, buffer } = status;
  if (!mqtt.connected) {
    const since = mqtt.since === null ? '' : ` for ${duration(status.time - mqtt.since)}`;
    found.push(`MQTT broker not connected${since}. ${mqtt.lastError ? explain(mqtt.lastError) : 'Connecting…'} Readings are kept in the buffer.`);
  }
  if (buffer.writeFailing) found.push('The buffer refuses writes (disk full or storage error): new readings are being dropped.');
  if (buffer.recoveredFrom) found.push(`The buffer store was corrupt and was replaced at start (old copy: ${buffer.recoveredFrom}).`);
  if (buffer.dropped > 0) found.push(`${buffer.dropped} reading(s) were dropped because the buffer was full or failing.`);
  if (buffer.oldestTs !== null && mqtt.connected && status.time - buffer.oldestTs > staleBacklogMs) {
    found.push(`The oldest waiting reading is ${duration(status.time - buffer.oldestTs)} old.`);
  }
  const failed = status.sensors.filter((sensor) => sensor.state === 'failed');
  for (const sensor of failed) found.push(`Sensor ${sensor.id} fails: ${sensor.lastError ?? 'no answer'}`);
  if (!status.clock.plausible) found.push("The device's clock is wrong (year before 2024): reading times cannot be trusted.");
  else if (status.clock.synchronized === false) found.push("The device's clock is not synchronized yet: readings are marked as such until it is, then corrected.");
  return found;
}
