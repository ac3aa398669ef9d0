// The agent's own health as Home Assistant's diagnostic entities read it (entities.ts): backlog
// and dropped readings from the buffer, the number of failing sensors, and the host's CPU
// temperature and free disk of the store's file system, read by the system driver's own code
// (each skipped where the host lacks it: no thermal zone in a VM). Published on the health topic
// at connect and every HEALTH_INTERVAL_MS.
import { createSystem, systemOptions, type SystemOptions } from '../sensors/system.js';
import type { Sensor, Values } from '../sensors/types.js';

export const HEALTH_INTERVAL_MS = 60_000;

export interface HealthInputs {
  buffer(): { backlog: number; dropped: number };
  failingSensors(): number;
  storePath: string;
  /** A configured system sensor's options (its sysfs/proc roots), else the host's defaults. */
  system?: Partial<SystemOptions> | undefined;
}

export class AgentHealth {
  private readonly host: Sensor;

  constructor(private readonly inputs: HealthInputs) {
    this.host = createSystem(systemOptions.parse(inputs.system ?? {}), inputs.storePath);
  }

  async read(): Promise<Values> {
    const { backlog, dropped } = this.inputs.buffer();
    const values: Values = { backlog, dropped, failingSensors: this.inputs.failingSensors() };
    const host = await this.host.read().catch((): Values => ({}));
    if (host.temperature !== undefined) values.cpuTemperature = host.temperature;
    if (host.diskFreeMB !== undefined) values.diskFreeMB = host.diskFreeMB;
    return values;
  }
}
