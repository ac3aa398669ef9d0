// The systemd watchdog policy: WATCHDOG=1 is sent only while the main loop is healthy, so a hung
// agent stops feeding it and systemd restarts it (WatchdogSec= in the unit). Healthy means all of:
//   - the event loop runs: the ping timer fires at all (a blocked loop sends nothing);
//   - the agent's health rule holds where a restart could help (the /healthz rule: buffer open, not
//     every sensor failed); a full or read-only disk or a taken-over client id make /healthz 503 but
//     do not starve the watchdog (restartHelps false, service.ts hubProbe): a restart cannot fix them;
//   - the sampler makes progress: the readings counter (accepted + refused + failed reads, summed
//     over sensors) moved within `stallAfterMs`, measured on the monotonic clock, so a wedged
//     sensor loop or a buffer append that never returns is caught even while /healthz still
//     answers, and an NTP jump of the wall clock at boot is not mistaken for a stall.
// A broker being away is not unhealthy: the agent buffers offline by design.
import { performance } from 'node:perf_hooks';

export interface LoopProbe {
  healthy: boolean;
  reason: string | null;
  /** Any number that changes whenever the sampler completed a read (accepted, refused or failed). */
  progress: number;
}

export interface WatchdogSink {
  watchdog(): Promise<void>;
  status(text: string): Promise<void>;
}

export interface WatchdogOptions {
  /** Ping period: half of WatchdogSec (see watchdogIntervalMs). */
  intervalMs: number;
  /** No sampler progress for this long means wedged. */
  stallAfterMs: number;
  probe: () => LoopProbe;
  sink: WatchdogSink;
  /** Monotonic milliseconds; performance.now by default. */
  now?: () => number;
}

export class Watchdog {
  private readonly options: WatchdogOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private lastProgress = Number.NaN;
  private lastProgressAt = 0;
  private pending = false;
  private lastVerdict: string | null = null;

  constructor(options: WatchdogOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
  }

  start(): void {
    if (this.timer) return;
    this.lastProgressAt = this.now();
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Why the watchdog is not fed right now, or null when it is. */
  verdict(): string | null {
    const probe = this.options.probe();
    const time = this.now();
    if (probe.progress !== this.lastProgress) {
      this.lastProgress = probe.progress;
      this.lastProgressAt = time;
    }
    if (!probe.healthy) return probe.reason ?? 'unhealthy';
    const idleMs = time - this.lastProgressAt;
    if (idleMs > this.options.stallAfterMs) return `sampling stalled: no sensor read completed for ${Math.round(idleMs / 1000)} s`;
    return null;
  }

  private tick(): void {
    const verdict = this.verdict();
    if (verdict !== this.lastVerdict) {
      // One STATUS= line per change, so `systemctl status` says why the watchdog went hungry.
      void this.options.sink.status(verdict === null ? 'running' : `watchdog not fed: ${verdict}`);
      this.lastVerdict = verdict;
    }
    // A send still running (slow manager) is not doubled up.
    if (verdict !== null || this.pending) return;
    this.pending = true;
    void this.options.sink.watchdog().finally(() => (this.pending = false));
  }
}
