// The status page's unit per value name: design.md's names, with the channel index and the modifier
// the iio/hwmon drivers keep from the kernel's channel names.
import { describe, expect, it } from 'vitest';
import { unitOf } from '../../src/status/page/units.js';
import { reading } from '../../src/status/page/format.js';
import { StatusHub } from '../../src/status/status-hub.js';
import { bindDriver } from '../../src/sensors/bound-driver.js';
import { sensorsSchema } from '../../src/config/sensor-schema.js';

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

describe('units a driver declares', () => {
  it('reach the page through the status hub, and win over the guess by name', () => {
    // A simulated sensor standing for a pressure: its name says nothing, its definition says hPa.
    const simulated = configured({ id: 'baro', driver: 'simulated', unit: 'hPa' });
    const hub = new StatusHub({ device: 'pi', version: '0', mqttUrl: 'mqtt://localhost', bufferStats: () => ({}) as never, hostInfo: () => ({ addresses: [], clock: { plausible: true, synchronized: true } }) });
    hub.registerSensor(simulated.id, simulated.driver, bindDriver(simulated).units());
    const units = hub.snapshot().sensors[0]!.units;
    expect(units).toEqual({ value: 'hPa' });
    expect(reading('value', 1013.2, units?.value)).toBe('1013.2\u00a0hPa');
    expect(reading('value', 3)).toBe('3');
  });

  it('are absent for a driver that learns its values from the device', () => {
    const iio = configured({ id: 'env', driver: 'iio', device: 'bme280' });
    expect(bindDriver(iio).units()).toBeUndefined();
  });

  it('map each declared value, unitless ones to an empty unit', () => {
    const pin = configured({ id: 'door', driver: 'gpio-input', pin: 17 });
    expect(bindDriver(pin).units()).toEqual({ level: '' });
    const room = configured({ id: 'room', driver: 'bme280' });
    expect(bindDriver(room).units()).toEqual({ temperature: '°C', humidity: '%RH', pressure: 'hPa' });
  });
});

function configured(entry: Record<string, unknown>) {
  return sensorsSchema().parse([entry])[0]!;
}
