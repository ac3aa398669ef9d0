// When a remote config counts as healthy (issue 22): the broker is reachable again, no sensor
// failed that was ok before the change (a sensor the new config adds must read at least once), and
// the buffer is open. `healthAfter` is also the `health` of config/result, so the sender sees why.

export interface SensorView {
  id: string;
  state: 'ok' | 'failed' | 'starting';
  lastError: string | null;
}

/** What the gate looks at: the running parts' status hub and the buffer. */
export interface HealthInputs {
  connected: boolean;
  sensors: readonly SensorView[];
  /** null: the buffer is not open. */
  buffer: { lastSeq: number; backlog: number } | null;
}

export interface HealthAfter {
  healthy: boolean;
  /** Why not, one line each; empty when healthy. */
  reasons: string[];
  mqtt: { connected: boolean };
  buffer: { open: boolean; lastSeq: number | null; backlog: number | null };
  sensors: { ok: string[]; failed: Array<{ id: string; error: string | null }>; starting: string[] };
}

/** `failedBefore`: the sensors already failed before the change, which it need not mend. */
export function healthAfter(inputs: HealthInputs, failedBefore: ReadonlySet<string>): HealthAfter {
  const reasons: string[] = [];
  if (!inputs.connected) reasons.push('the broker is not reachable');
  if (inputs.buffer === null) reasons.push('the buffer is not open');
  const ok = inputs.sensors.filter((sensor) => sensor.state === 'ok').map((sensor) => sensor.id);
  const failed = inputs.sensors.filter((sensor) => sensor.state === 'failed');
  const starting = inputs.sensors.filter((sensor) => sensor.state === 'starting').map((sensor) => sensor.id);
  for (const sensor of failed) {
    if (!failedBefore.has(sensor.id)) reasons.push(`sensor ${sensor.id} failed${sensor.lastError === null ? '' : `: ${sensor.lastError}`}`);
  }
  for (const id of starting) if (!failedBefore.has(id)) reasons.push(`sensor ${id} has not read yet`);
  return {
    healthy: reasons.length === 0,
    reasons,
    mqtt: { connected: inputs.connected },
    buffer: { open: inputs.buffer !== null, lastSeq: inputs.buffer?.lastSeq ?? null, backlog: inputs.buffer?.backlog ?? null },
    sensors: { ok, failed: failed.map((sensor) => ({ id: sensor.id, error: sensor.lastError })), starting },
  };
}

/**
 * Polls `probe` until healthy, `timeoutMs` passes or `cancelled()` holds; resolves with the last
 * view. Polling (every `pollMs`) keeps the gate out of the parts' events, which restart with them.
 */
export async function waitHealthy(
  probe: () => HealthAfter,
  timeoutMs: number,
  cancelled: () => boolean,
  pollMs = 100,
): Promise<HealthAfter> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = probe();
    if (view.healthy || cancelled() || Date.now() >= deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
}
