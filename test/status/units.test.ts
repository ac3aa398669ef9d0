// The status page's unit per value name: design.md's names, with the channel index and the modifier
// the iio/hwmon drivers keep from the kernel's channel names.
import { describe, expect, it } from 'vitest';
import { unitOf } from '../../src/status/page/units.js';

describe('unitOf', () => {
  it.each([
    ['temperature', '°C'],
    ['voltage0', 'V'],
    ['voltage1', 'V'],
    ['temperatureAmbient', '°C'],
    ['illuminance', 'lux'],
    ['power', 'W'],
    ['shuntVoltage', 'V'],
    ['diskFreeMB', 'MB'],
    ['memoryUsedPercent', '%'],
    ['load1', ''],
  ])('%s → %s', (name, unit) => {
    expect(unitOf(name)).toBe(unit);
  });
});
