// The agent's outputs as one part: opens every line at its `initial` level (before anything else
// runs), takes commands from any channel through one gate (known output, age, rate), counts and
// logs refusals (rate-limited), and puts every output to its safe state on stop. Channels (MQTT,
// the page) parse their own framing and hand over an OutputCommand or a refusal; nothing here
// knows MQTT or WebSocket.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { GpioLine, GpioProvider, Level } from '../hardware/gpio/gpio.js';
import type { OutputConfig } from '../config/output-schema.js';
import { OutputController, type CommandSource, type OutputStatus } from './output-controller.js';
import { REFUSAL_REASONS, type OutputCommand, type RefusalReason } from './output-command.js';
import { CommandGate, LogThrottle } from './rate-limits.js';

export type CommandResult = { ok: true; state: Level | null } | { ok: false; reason: RefusalReason; detail: string };

export interface OutputSetEvents {
  /** An output's confirmed state or counters changed. */
  change: [id: string];
  /** An output's confirmed level changed (what MQTT publishes). */
  state: [id: string, state: Level | null];
}

export interface OutputSetOptions {
  outputs: readonly OutputConfig[];
  gpio: GpioProvider;
  log: Logger;
  now?: () => number;
  gate?: CommandGate;
  logThrottle?: LogThrottle;
}

export class OutputSet extends EventEmitter<OutputSetEvents> {
  private readonly controllers = new Map<string, OutputController>();
  private readonly lines: GpioLine[] = [];
  private readonly now: () => number;
  private readonly gate: CommandGate;
  private readonly logThrottle: LogThrottle;
  private stopped = false;
  /** Refused commands by reason, unknown outputs included (they have no controller to count them). */
  readonly refusals: Record<RefusalReason, number> = Object.fromEntries(REFUSAL_REASONS.map((reason) => [reason, 0])) as Record<RefusalReason, number>;

  constructor(private readonly options: OutputSetOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.gate = options.gate ?? new CommandGate(undefined, this.now);
    this.logThrottle = options.logThrottle ?? new LogThrottle(undefined, this.now);
  }

  get ids(): string[] {
    return [...this.controllers.keys()];
  }

  config(id: string): OutputConfig | undefined {
    return this.controllers.get(id)?.config;
  }

  /** Any exit that skips stop() (process.exit after a fatal error or a second signal): safe levels, synchronously. */
  private readonly onExit = (): void => {
    for (const controller of this.controllers.values()) controller.emergencySafeState();
  };

  /** Opens every line at `initial`; a line that cannot be opened fails the start (exit, nothing half-driven). */
  async start(): Promise<void> {
    process.once('exit', this.onExit);
    try {
      for (const config of this.options.outputs) {
        const line = await this.options.gpio.open(config.pin, { direction: 'out', activeLow: config.activeLow, initial: config.initial });
        this.lines.push(line);
        const controller = new OutputController(config, line, this.now);
        let last: Level | null | undefined;
        controller.on('change', () => {
          this.emit('change', config.id);
          const state = controller.snapshot().state;
          if (state !== last) this.emit('state', config.id, (last = state));
        });
        this.controllers.set(config.id, controller);
        await controller.confirmInitial();
        this.options.log.info({ output: config.id, pin: config.pin, level: config.initial, activeLow: config.activeLow }, 'output ready at its initial level');
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /**
   * Every output to safeState, and no more commands. The lines stay driven at that level until
   * close(): the agent stops the rest of itself in between, and a released line is left to the pull.
   */
  async safeStop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.controllers.values()].map((controller) => controller.stop()));
    for (const controller of this.controllers.values()) {
      const { id, state } = controller.snapshot();
      this.options.log.info({ output: id, state }, 'output at its safe state for stop');
    }
  }

  /** safeStop(), then the lines are released (the last thing the agent does with them). */
  async stop(): Promise<void> {
    await this.safeStop();
    process.off('exit', this.onExit);
    await Promise.allSettled(this.lines.splice(0).map((line) => line.close()));
  }

  linkDown(): void {
    for (const controller of this.controllers.values()) controller.linkDown();
  }

  linkUp(): void {
    for (const controller of this.controllers.values()) controller.linkUp();
  }

  /** A command from a channel: checked for output, age and rate, then carried out. Never throws. */
  async submit(id: string, command: OutputCommand, source: CommandSource): Promise<CommandResult> {
    const controller = this.controllers.get(id);
    if (!controller) return this.refuse(id, source, 'unknown-output', 'no output has this id');
    if (command.ts !== undefined) {
      const age = this.now() - command.ts;
      if (age > controller.config.maxCommandAge) return this.refuse(id, source, 'too-old', `ts is ${Math.round(age)} ms old (maxCommandAge ${controller.config.maxCommandAge} ms)`);
    }
    if (!this.gate.allow(id)) return this.refuse(id, source, 'rate-limited', 'more than one command per output per 100 ms');
    this.options.log.info({ output: id, state: command.state, forMs: command.forMs, source }, 'output command');
    const state = await controller.command(command.state, command.forMs, source);
    const error = controller.snapshot().lastError;
    if (error !== null) this.options.log.error({ output: id, source }, error);
    return state === command.state ? { ok: true, state } : { ok: false, reason: 'line-error', detail: error ?? 'the line did not confirm the level' };
  }

  /** Counts and logs (rate-limited) a command a channel refused; returns the refusal. */
  refuse(id: string, source: CommandSource, reason: RefusalReason, detail: string): CommandResult {
    this.refusals[reason] += 1;
    this.controllers.get(id)?.refused();
    const left = this.logThrottle.admit(reason);
    if (left !== null) {
      // The output id is logged only when it is one of ours: a flood of invented ids stays one line.
      const output = this.controllers.has(id) ? id : undefined;
      this.options.log.warn({ output, source, reason, notLogged: left }, `output command refused: ${detail}${left > 0 ? ` (${left} more ${reason} refusals not logged)` : ''}`);
    }
    this.emit('change', id);
    return { ok: false, reason, detail };
  }

  snapshot(): OutputStatus[] {
    return [...this.controllers.values()].map((controller) => controller.snapshot());
  }
}
