// The DriverContext a driver's create() gets, for drivers that need no hardware (simulated,
// system): any bus or GPIO use rejects, so a driver reaching for hardware fails loudly.
import { pino } from 'pino';
import type { Hardware } from '../../src/hardware/hardware.js';
import type { DriverContext } from '../../src/sensors/types.js';

const noHardware: Hardware = {
  i2c: async (busNumber) => {
    throw new Error(`test context has no I2C bus ${busNumber}`);
  },
  gpio: {
    open: async (pin) => {
      throw new Error(`test context has no GPIO line ${pin}`);
    },
  },
  oneWireRoot: '/nonexistent/w1',
  iioRoot: '/nonexistent/iio',
  hwmonRoot: '/nonexistent/hwmon',
  close: async () => undefined,
};

export function noHardwareContext(overrides: Partial<DriverContext> = {}): DriverContext {
  return { sensorId: 'test', storePath: '/nonexistent/store', log: pino({ level: 'silent' }), hardware: noHardware, ...overrides };
}
