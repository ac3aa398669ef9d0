// An output's confirmed state as readings (issue 21, `outputs[].priority: high`). The state topic
// `<topicPrefix>/<id>` carries the current state, retained and live: while the link is down a
// change is not published, and after the outage only the last state is. For an output whose
// changes matter (a valve, a door lock), `priority: high` also accepts every confirmed change into
// the buffer, as a reading of the output with the value `level` (0/1) in the high-priority lane:
// none is lost to an outage, and they drain before any normal backlog. They go to their own topic,
// `<topicPrefix>/<id>/changes`, in the readings' payload form, so the retained ON/OFF state (and
// Home Assistant's switch, which reads it) stays as it is.
import type { Level } from '../hardware/gpio/gpio.js';
import type { OutputConfig } from '../config/output-schema.js';
import type { OutputSet } from './output-set.js';

export const stateChangesTopic = (prefix: string, id: string): string => `${prefix}/${id}/changes`;

/** What the buffer takes: a reading of the output, in the high lane. */
export interface StateReading {
  sensor: string;
  ts: number;
  values: { level: Level };
  high: true;
}

export interface StateReadingsOptions {
  outputs: OutputSet;
  configs: readonly OutputConfig[];
  append(reading: StateReading): Promise<unknown>;
  now?: () => number;
}

/** The routes of the outputs' change readings (their own topic, the output's QoS, not retained). */
export function stateChangeRoutes(configs: readonly OutputConfig[], topicPrefix: string): Array<{ id: string; topic: string; qos?: 0 | 1 | 2; retain: false }> {
  return configs
    .filter((config) => config.priority === 'high')
    .map((config) => ({ id: config.id, topic: stateChangesTopic(topicPrefix, config.id), ...(config.qos !== undefined ? { qos: config.qos } : {}), retain: false as const }));
}

export class OutputStateReadings {
  private readonly high: ReadonlySet<string>;
  private readonly now: () => number;

  constructor(private readonly options: StateReadingsOptions) {
    this.high = new Set(options.configs.filter((config) => config.priority === 'high').map((config) => config.id));
    this.now = options.now ?? Date.now;
  }

  /** True when the output's changes are buffered (its id is then a reading's sensor id, not a sensor's). */
  buffers(id: string): boolean {
    return this.high.has(id);
  }

  start(): void {
    if (this.high.size > 0) this.options.outputs.on('state', this.onState);
  }

  stop(): void {
    this.options.outputs.off('state', this.onState);
  }

  // Unknown (null) is not a state: the availability topic says so; nothing is buffered for it.
  private readonly onState = (id: string, state: Level | null): void => {
    if (state === null || !this.high.has(id)) return;
    void this.options.append({ sensor: id, ts: this.now(), values: { level: state }, high: true });
  };
}
