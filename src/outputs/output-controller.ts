// One output: its line, its level, and the rules that keep it safe. Owns the timers that bound
// the level (a pulse's `for`, `maxOn`, `failsafeAfter` while the link is down) and the write →
// read-back that confirms it. Every line operation runs through one queue, so a pulse ending, a
// command and the fail-safe never interleave. A write that fails or reads back wrong is "doubt":
// the controller tries the safe state and reports the error; it never throws at its callers.
import { EventEmitter } from 'node:events';
import type { GpioLine, Level } from '../hardware/gpio/gpio.js';
import type { OutputConfig } from '../config/output-schema.js';

/** Who asked: `mqtt`, `page <address>`, or the agent itself (`initial`, `pulse`, `maxOn`, `failsafe`, `stop`). */
export type CommandSource = string;

export interface LastCommand {
  state: Level;
  forMs: number | null;
  source: CommandSource;
  at: number;
}

export interface OutputStatus {
  id: string;
  pin: number;
  activeLow: boolean;
  /** The confirmed (read back) logical level; null before the first read or after a line error. */
  state: Level | null;
  safeState: Level;
  since: number;
  lastCommand: LastCommand | null;
  /** Commands carried out, by source (`mqtt`, `page`, or the agent's own). */
  commands: Record<string, number>;
  refused: number;
  lastError: string | null;
  /** Wire level of a simulated line (what a relay board would see); absent on real lines. */
  simulatedWire?: Level;
}

export interface OutputControllerEvents {
  /** The confirmed state (or the last command) changed. */
  change: [];
}

export class OutputController extends EventEmitter<OutputControllerEvents> {
  private queue: Promise<void> = Promise.resolve();
  private pulseTimer: NodeJS.Timeout | null = null;
  private maxOnTimer: NodeJS.Timeout | null = null;
  private failsafeTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly status: OutputStatus;

  constructor(
    readonly config: OutputConfig,
    private readonly line: GpioLine & { wireLevel?: Level },
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.status = { id: config.id, pin: config.pin, activeLow: config.activeLow, state: null, safeState: config.safeState, since: now(), lastCommand: null, commands: {}, refused: 0, lastError: null };
  }

  get id(): string {
    return this.config.id;
  }

  /** The line was opened at `initial`; read it back so the first status is a confirmed one. */
  async confirmInitial(): Promise<void> {
    await this.enqueue(async () => {
      this.status.lastCommand = { state: this.config.initial, forMs: null, source: 'initial', at: this.now() };
      await this.readBack(this.config.initial);
      if (this.config.initial === 1) this.armMaxOn();
    });
  }

  /** Carries out a command (already checked for age, rate and authority); resolves with the confirmed level. */
  command(state: Level, forMs: number | undefined, source: CommandSource): Promise<Level | null> {
    return this.enqueue(async () => {
      if (this.stopped) return;
      this.clearPulse();
      this.status.lastCommand = { state, forMs: forMs ?? null, source, at: this.now() };
      const family = source.split(' ')[0] ?? source;
      this.status.commands[family] = (this.status.commands[family] ?? 0) + 1;
      await this.apply(state);
      if (forMs !== undefined && this.status.state === state) {
        const after: Level = state === 1 ? 0 : 1;
        this.pulseTimer = setTimeout(() => {
          this.pulseTimer = null;
          void this.command(after, undefined, 'pulse');
        }, forMs);
      }
    }).then(() => this.status.state);
  }

  /** Counts a refused command (the refusal itself is logged by whoever refused it). */
  refused(): void {
    this.status.refused += 1;
    this.emit('change');
  }

  /** The link went down: after failsafeAfter, go to the safe state (unless `off`). */
  linkDown(): void {
    if (this.config.failsafeAfter === 'off' || this.failsafeTimer !== null || this.stopped) return;
    this.failsafeTimer = setTimeout(() => {
      this.failsafeTimer = null;
      void this.toSafeState('failsafe');
    }, this.config.failsafeAfter);
  }

  /** The link is back: the fail-safe timer stops; nothing is re-applied. */
  linkUp(): void {
    if (this.failsafeTimer !== null) clearTimeout(this.failsafeTimer);
    this.failsafeTimer = null;
  }

  /** Puts the line to safeState, whatever happened before (stop, fail-safe, doubt). */
  toSafeState(source: CommandSource): Promise<void> {
    return this.enqueue(async () => {
      this.clearPulse();
      this.status.lastCommand = { state: this.config.safeState, forMs: null, source, at: this.now() };
      await this.apply(this.config.safeState);
    });
  }

  /** Safe state, then no more commands; timers cleared. The line is closed by its owner. */
  async stop(): Promise<void> {
    this.linkUp();
    await this.toSafeState('stop');
    this.stopped = true;
    this.clearPulse();
    this.clearMaxOn();
  }

  /** The process is exiting now (a fatal error, a second signal): the safe level, synchronously, if the line can. */
  emergencySafeState(): void {
    try {
      this.line.writeSync?.(this.config.safeState);
    } catch {
      // Nothing more can be done in an exit handler; the wiring notes (README) cover this case.
    }
  }

  snapshot(): OutputStatus {
    const { lastCommand, commands } = this.status;
    const wire = this.line.wireLevel;
    return { ...this.status, lastCommand: lastCommand && { ...lastCommand }, commands: { ...commands }, ...(wire !== undefined ? { simulatedWire: wire } : {}) };
  }

  private async apply(state: Level): Promise<void> {
    try {
      await this.line.write(state);
    } catch (error) {
      return this.doubt(`write ${state} failed: ${(error as Error).message}`);
    }
    await this.readBack(state);
    if (this.status.state === 1) this.armMaxOn();
    else this.clearMaxOn();
  }

  private async readBack(expected: Level): Promise<void> {
    let level: Level;
    try {
      level = await this.line.read();
    } catch (error) {
      return this.doubt(`read-back failed: ${(error as Error).message}`);
    }
    if (level !== expected) return this.doubt(`wrote ${expected}, read back ${level}`);
    this.setConfirmed(level, null);
  }

  /** Something is wrong with the line: try the safe state once, keep the error visible. */
  private async doubt(message: string): Promise<void> {
    this.clearPulse();
    let level: Level | null;
    try {
      await this.line.write(this.config.safeState);
      level = await this.line.read();
    } catch {
      level = null;
    }
    this.setConfirmed(level, `BCM ${this.config.pin}: ${message}; safe state ${this.config.safeState} ${level === this.config.safeState ? 'set' : 'could not be confirmed'}`);
    if (level !== 1) this.clearMaxOn();
  }

  private setConfirmed(level: Level | null, error: string | null): void {
    if (level !== this.status.state) this.status.since = this.now();
    this.status.state = level;
    this.status.lastError = error;
    this.emit('change');
  }

  /** maxOn counts from the moment the output went on; a repeated ON does not extend it. */
  private armMaxOn(): void {
    if (this.config.maxOn === undefined || this.maxOnTimer !== null) return;
    this.maxOnTimer = setTimeout(() => {
      this.maxOnTimer = null;
      void this.enqueue(async () => {
        if (this.status.state !== 1) return;
        this.clearPulse();
        this.status.lastCommand = { state: 0, forMs: null, source: 'maxOn', at: this.now() };
        await this.apply(0);
      });
    }, this.config.maxOn);
  }

  private clearMaxOn(): void {
    if (this.maxOnTimer !== null) clearTimeout(this.maxOnTimer);
    this.maxOnTimer = null;
  }

  private clearPulse(): void {
    if (this.pulseTimer !== null) clearTimeout(this.pulseTimer);
    this.pulseTimer = null;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task, task);
    // The queue never rejects: every task handles its own errors (doubt()).
    this.queue = run.catch(() => undefined);
    return run;
  }
}
