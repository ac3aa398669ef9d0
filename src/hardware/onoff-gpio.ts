// PLACEHOLDER until the GPIO work lands: real lines through onoff over sysfs.
import type { GpioProvider } from './gpio.js';

export function createOnoffGpio(_options: { sysfsRoot: string }): GpioProvider {
  return {
    open: async (pin) => {
      throw new Error(`GPIO ${pin}: GPIO is not available yet`);
    },
  };
}
