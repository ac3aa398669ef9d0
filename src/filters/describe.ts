// What check-config says about the filters: the line each `calibrate` step fits, so a technician
// sees the correction before it runs (and a poor fit by its worst residual).
import type { SensorConfig } from '../config/sensor-schema.js';
import { describeFit, linearFit } from './linear-fit.js';

/** `sensors[0].filters.humidity[0].calibrate: true = 0.943333 × raw + 3.63333 (worst residual 0)` per step. */
export function calibrationLines(sensors: readonly SensorConfig[]): string[] {
  const lines: string[] = [];
  sensors.forEach((sensor, index) => {
    for (const [name, steps] of Object.entries(sensor.filters ?? {})) {
      steps.forEach((step, position) => {
        if (!('calibrate' in step)) return;
        const fit = linearFit(step.calibrate);
        if (fit) lines.push(`sensors[${index}].filters.${name}[${position}].calibrate: ${describeFit(fit)}`);
      });
    }
  });
  return lines;
}
