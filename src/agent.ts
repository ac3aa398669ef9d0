// The composition root: owns the lifecycle (design.md, "Lifecycle"). What lives for the whole run
// is here: the clock monitor, the buffer (opened once, never closed, reset or re-sequenced by a
// config change) and, with remote.config, the remote configuration (remote/remote-config.ts). The
// parts a config change restarts (hardware and outputs, status, MQTT, sensors) are agent-parts.ts.
// Start in order, unwind what started when a later start fails, stop in reverse.
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { ReadingBuffer } from './buffer/index.js';
import type { StatusHub } from './status/status-hub.js';
import { ClockMonitor } from './clock/clock-monitor.js';
import { systemClockSource } from './clock/system-clock-source.js';
import type { ClockSource } from './clock/clock-source.js';
import { stopInReverse, type Part } from './started-parts.js';
import { startParts, type RunningParts, type SharedParts } from './agent-parts.js';
import { RemoteConfig, type ConfigSource } from './remote/remote-config.js';
import type { HealthInputs } from './remote/health-gate.js';

export interface RunningAgent {
  /** The running parts' status hub (a config change starts a new one). */
  readonly hub: StatusHub;
  buffer: ReadingBuffer;
  /** The status port's real address (port 0 in the config means an ephemeral port), or null when off. */
  readonly statusAddress: { host: string; port: number } | null;
  /** The config the parts run with: the local file's, or a remote override (remote.config). */
  readonly config: Config;
  stop(): Promise<void>;
}

/**
 * What the agent takes from its host besides the config; every field defaults to the real one.
 * Tests replace the clock (the kernel's time state is the hardware here).
 */
export interface AgentHost {
  clockSource?: ClockSource;
  /** The wall clock readings are stamped with. */
  now?: () => number;
  /** The monotonic clock (CLOCK_MONOTONIC, ms). */
  monoNow?: () => number;
  /** This boot's id (clock marks). */
  bootId?: string;
  /** The config as written and how it resolves: remote.config validates remote configs against it. */
  configSource?: ConfigSource;
}

function bufferOf(config: Config, clock: ClockMonitor, log: Logger): ReadingBuffer {
  return new ReadingBuffer(
    {
      path: config.store.path,
      maxBytes: config.store.maxBytes,
      keepFree: config.store.keepFree,
      ...(config.store.maxReadings !== undefined ? { maxReadings: config.store.maxReadings } : {}),
      overflow: config.store.overflow,
      commitIntervalMs: config.store.commitInterval,
      timeCorrection: (mark) => clock.correct(mark),
    },
    log.child({ part: 'buffer' }),
  );
}

function healthOf(parts: RunningParts | null, buffer: ReadingBuffer | null): HealthInputs {
  const snapshot = parts?.hub.snapshot();
  let stats: HealthInputs['buffer'] = null;
  try {
    if (buffer !== null) stats = (({ lastSeq, backlog }) => ({ lastSeq, backlog }))(buffer.stats());
  } catch {
    stats = null;
  }
  return { connected: snapshot?.mqtt.connected ?? false, sensors: snapshot?.sensors ?? [], buffer: stats };
}

export async function startAgent(config: Config, log: Logger, host: AgentHost = {}): Promise<RunningAgent> {
  const started: Part[] = [];
  const unwind = stopInReverse(started, log);

  try {
    const clock = new ClockMonitor({
      source: host.clockSource ?? systemClockSource(),
      log: log.child({ part: 'clock' }),
      ...(host.now ? { now: host.now } : {}),
      ...(host.monoNow ? { monoNow: host.monoNow } : {}),
      ...(host.bootId !== undefined ? { bootId: host.bootId } : {}),
    });
    // Its first look (a file, maybe timedatectl) runs while the buffer opens; sensors wait for it.
    const clockReady = clock.start();
    started.push({ name: 'clock', stop: async () => (await clockReady.catch(() => undefined), clock.stop()) });

    let buffer: ReadingBuffer | null = null;
    const shared: SharedParts = {
      clock,
      clockReady,
      openBuffer: async () => {
        if (buffer !== null) return buffer;
        const opening = bufferOf(config, clock, log);
        await opening.start();
        started.push({ name: 'buffer', stop: () => opening.stop() });
        log.info({ path: config.store.path, ...opening.stats() }, 'buffer open');
        buffer = opening;
        return opening;
      },
    };

    let parts: RunningParts | null = null;
    let lastParts: RunningParts | null = null;
    const partsHost = host.now ? { now: host.now } : {};
    let remote: RemoteConfig | null = null;
    if (config.remote.config) {
      if (host.configSource === undefined) throw new Error('remote.config needs the config as written (AgentHost.configSource)');
      remote = new RemoteConfig({
        local: config,
        source: host.configSource,
        log: log.child({ part: 'remote' }),
        target: {
          restart: async (next) => {
            remote?.detach();
            const running = parts;
            parts = null;
            await running?.stop();
            parts = lastParts = await startParts(next, shared, log, partsHost);
            remote?.attach(parts.connection, parts.config.mqtt.topicPrefix);
          },
          health: () => healthOf(parts, buffer),
        },
      });
    }
    const startWith = remote === null ? config : await remote.startConfig();
    try {
      parts = lastParts = await startParts(startWith, shared, log, partsHost);
    } catch (error) {
      // A good override the parts cannot start with (its status port taken at boot, say) must not
      // keep the agent from starting at all: the local file is the config that always remains.
      if (remote === null || startWith === config) throw error;
      await remote.abandonOverride(`the agent could not start with it: ${(error as Error).message}`);
      parts = lastParts = await startParts(config, shared, log, partsHost);
    }
    remote?.attach(parts.connection, parts.config.mqtt.topicPrefix);
    const openBuffer = await shared.openBuffer();
    // Stopped first: a remote config being applied ends (it stays pending), then the parts stop.
    started.push({
      name: 'parts',
      stop: async () => {
        await remote?.stop();
        const running = parts;
        parts = null;
        await running?.stop();
      },
    });

    const current = (): RunningParts => {
      if (lastParts === null) throw new Error('the agent has no running parts');
      return lastParts;
    };
    return {
      get hub() {
        return current().hub;
      },
      get statusAddress() {
        return current().statusAddress;
      },
      get config() {
        return current().config;
      },
      buffer: openBuffer,
      stop: unwind,
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}
