// PLACEHOLDER until the GPIO work lands: simulated lines from `simulate.gpio` scripts.
import type { GpioProvider } from './gpio.js';
import type { SimulatedGpioScript } from './simulated-gpio-script.js';

export function createSimulatedGpio(_scripts: ReadonlyMap<number, SimulatedGpioScript>): GpioProvider {
  return {
    open: async (pin) => {
      throw new Error(`GPIO ${pin}: simulated GPIO is not available yet`);
    },
  };
}
