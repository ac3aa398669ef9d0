// Running under systemd (Type=notify): READY=1 once startAgent() returned (buffer open, status
// port listening, sensors started), the watchdog while the loop is healthy, STOPPING=1 on stop.
// Inert unless systemd set NOTIFY_SOCKET.
import type { RunningAgent } from '../agent.js';
import type { StatusHub } from '../status/status-hub.js';
import { notifierFromEnv, watchdogIntervalMs, type NotifyLog } from './notify.js';
import { Watchdog, type LoopProbe } from './watchdog.js';

export interface SystemdIntegration {
  /** Stops the watchdog and tells systemd the agent is stopping; resolves once sent. */
  stopping(): Promise<void>;
}

export interface SystemdOptions {
  env?: NodeJS.ProcessEnv;
  /** The sensors' sampling intervals: the stall window is twice the longest, plus 10 s. */
  sensorIntervalsMs: number[];
  log: NotifyLog;
  /** Overrides the systemd-notify command (tests). */
  command?: string;
}

export function hubProbe(hub: StatusHub): () => LoopProbe {
  return () => {
    const health = hub.health();
    const progress = hub.snapshot().sensors.reduce((sum, sensor) => sum + sensor.readingsAccepted + sensor.readingsDropped + sensor.failures, 0);
    // "Restart cannot help" (a full or read-only disk, a client id taken over) keeps the watchdog fed:
    // systemd would only loop. A hung loop still starves it, and so does a stalled sampler (watchdog.ts).
    return { healthy: health.healthy || health.restartHelps === false, reason: health.reason, progress };
  };
}

export function stallWindowMs(sensorIntervalsMs: number[]): number {
  return 2 * Math.max(0, ...sensorIntervalsMs) + 10_000;
}

// agent.hub is read at each probe: a remote config change starts new parts with a new hub.
export async function startSystemdIntegration(agent: Pick<RunningAgent, 'hub'>, options: SystemdOptions): Promise<SystemdIntegration | null> {
  const env = options.env ?? process.env;
  const notifier = notifierFromEnv(env, options.log, options.command);
  if (!notifier) return null;
  await notifier.ready(`running, ${options.sensorIntervalsMs.length} sensor${options.sensorIntervalsMs.length === 1 ? '' : 's'}`);
  const intervalMs = watchdogIntervalMs(env);
  const watchdog =
    intervalMs === null
      ? null
      : new Watchdog({ intervalMs, stallAfterMs: stallWindowMs(options.sensorIntervalsMs), probe: () => hubProbe(agent.hub)(), sink: notifier });
  watchdog?.start();
  return {
    stopping: async () => {
      watchdog?.stop();
      await notifier.stopping();
    },
  };
}
