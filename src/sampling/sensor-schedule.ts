// Reads one sensor on its own schedule: the first reading at start, then every interval on a
// fixed grid (start + k * interval, so delays never accumulate), and a doubling retry delay while
// the sensor fails. Sensors never share a timer, so one slow or broken sensor delays no other.
// Event-driven sensors (GPIO edges, `onReading`) also push readings, accepted as they come; for
// them read() on the grid is the heartbeat.
import type { Logger } from 'pino';
import type { Sensor, Values } from '../sensors/types.js';
import { retryDelayMs } from './retry-delay.js';

export interface ScheduleHooks {
  /** Hands `count` samples taken at `ts` to the buffer; resolves once they are accepted. */
  accept(sensorId: string, ts: number, samples: Values[]): Promise<void>;
  failed(sensorId: string, message: string): void;
  recovered(sensorId: string): void;
}

export interface ScheduleOptions {
  sensorId: string;
  intervalMs: number;
  /** Creates (or re-creates after a failure) the driver instance. */
  open(): Promise<Sensor>;
  hooks: ScheduleHooks;
  log: Logger;
  now?: () => number;
}

/** How long stop() waits for a read in progress. */
export const STOP_WAIT_MS = 2000;

export class SensorSchedule {
  private sensor: Sensor | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failures = 0;
  private gridStart = 0;
  private running: Promise<void> = Promise.resolve();
  /** Pushed readings (onReading) still on their way into the buffer; stop() waits for them. */
  private readonly pendingEvents = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: ScheduleOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.gridStart = this.now();
    this.running = this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A read that hangs (a wedged bus) must not hold the shutdown: wait a bounded time for it.
    const settled = await Promise.race([
      Promise.allSettled([this.running, ...this.pendingEvents]).then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), STOP_WAIT_MS).unref()),
    ]);
    if (!settled) this.options.log.warn({ sensor: this.options.sensorId, waitedMs: STOP_WAIT_MS }, 'sensor read still running at stop; not waiting for it');
    await this.closeSensor();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const { sensorId, hooks, log } = this.options;
    try {
      this.sensor ??= await this.openAndSubscribe();
      const ts = this.now();
      const count = this.sensor.readingsPerTick ?? 1;
      const samples: Values[] = [];
      for (let i = 0; i < count; i += 1) samples.push(await this.sensor.read());
      if (this.stopped) return;
      if (this.failures > 0) {
        log.info({ sensor: sensorId, after: this.failures }, 'sensor recovered');
        hooks.recovered(sensorId);
      }
      this.failures = 0;
      await hooks.accept(sensorId, ts, samples);
      this.scheduleOnGrid();
    } catch (error) {
      if (this.stopped) return;
      this.failures += 1;
      const message = error instanceof Error ? error.message : String(error);
      const delayMs = retryDelayMs(this.options.intervalMs, this.failures);
      if (this.failures === 1) {
        log.warn({ sensor: sensorId, err: message, retryInMs: delayMs }, 'sensor failed; retrying with backoff');
      } else {
        log.debug({ sensor: sensorId, err: message, retryInMs: delayMs }, 'sensor still failing');
      }
      hooks.failed(sensorId, message);
      await this.closeSensor();
      this.schedule(delayMs, true);
    }
  }

  /**
   * Opens the sensor and, for event-driven sources, accepts each pushed reading at once. Readings
   * from an instance that has since failed and been closed, or after stop, are dropped.
   */
  private async openAndSubscribe(): Promise<Sensor> {
    const sensor = await this.options.open();
    sensor.onReading?.((values, ts) => {
      if (this.stopped || this.sensor !== sensor) return;
      const { sensorId, hooks, log } = this.options;
      const accepted = hooks.accept(sensorId, ts, [values]).catch((error: unknown) => {
        log.warn({ sensor: sensorId, err: error instanceof Error ? error.message : String(error) }, 'pushed reading not accepted');
      });
      this.pendingEvents.add(accepted);
      void accepted.finally(() => this.pendingEvents.delete(accepted));
    });
    return sensor;
  }

  /** Next slot on the grid strictly after now; slots missed by a slow read are skipped, not bunched. */
  private scheduleOnGrid(): void {
    const interval = this.options.intervalMs;
    const now = this.now();
    const slots = Math.floor((now - this.gridStart) / interval) + 1;
    this.schedule(this.gridStart + slots * interval - now, false);
  }

  private schedule(delayMs: number, regrid: boolean): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (regrid) this.gridStart = this.now();
      this.running = this.tick();
    }, delayMs);
  }

  private async closeSensor(): Promise<void> {
    const sensor = this.sensor;
    this.sensor = null;
    try {
      await sensor?.close?.();
    } catch (error) {
      this.options.log.debug({ sensor: this.options.sensorId, err: error }, 'closing the sensor failed');
    }
  }
}
