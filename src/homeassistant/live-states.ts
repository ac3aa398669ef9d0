// The states Home Assistant reads: the latest values of each sensor, fed by the readings as they
// are accepted live (never by the buffer's drain), published retained as flat JSON on the
// sensor's state topic, unbatched. HA stamps a state with the time it receives it, so while the
// link is down only the latest values are kept (one slot per sensor, overwritten), and after the
// outage HA gets the current values once, not the backlog as hours of readings at "now".
import type { Values } from '../sensors/types.js';

export class LiveStates {
  private readonly latest = new Map<string, Values>();
  private readonly dirty = new Set<string>();
  private scheduled = false;
  private live = false;

  constructor(private readonly send: (sensorId: string, payload: string) => void) {}

  /** A reading was accepted: its values become the sensor's state (merged: a filter may report some values only). */
  update(sensorId: string, values: Values): void {
    const known = this.latest.get(sensorId);
    this.latest.set(sensorId, known ? { ...known, ...values } : { ...values });
    this.dirty.add(sensorId);
    if (!this.live || this.scheduled) return;
    // Coalesced per turn: a burst of readings is one state message per sensor.
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** The link is up and discovery announced: publish every state once, then each update as it comes. */
  resume(): void {
    this.live = true;
    for (const sensorId of this.latest.keys()) this.dirty.add(sensorId);
    this.flush();
  }

  pause(): void {
    this.live = false;
  }

  payloadOf(sensorId: string): string | undefined {
    const values = this.latest.get(sensorId);
    return values && JSON.stringify(values);
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.live) return;
    const sensors = [...this.dirty];
    this.dirty.clear();
    for (const sensorId of sensors) this.send(sensorId, this.payloadOf(sensorId)!);
  }
}
