// Builds the Hardware the drivers get from the config: each I2C bus and GPIO line is real unless
// the `simulate:` section names it. Buses are opened once and shared by the sensors on them.
import type { Hardware } from './hardware.js';
import type { I2cBus } from './i2c/i2c-bus.js';
import type { GpioBackendSetting, GpioLine, GpioLineOptions } from './gpio/gpio.js';
import { loadRegisterMap } from './i2c/register-map.js';
import { SimulatedI2cBus } from './i2c/simulated-i2c.js';
import { openRealI2cBus } from './i2c/real-i2c.js';
import { createSimulatedGpio } from './gpio/simulated-gpio.js';
import { createRealGpio } from './gpio/gpio-backend.js';
import type { SimulatedGpioScript } from './gpio/simulated-gpio-script.js';

export interface HardwareConfig {
  hardware: { gpio: GpioBackendSetting; gpioRoot: string; oneWireRoot: string; iioRoot: string; hwmonRoot: string };
  simulate: { i2c: Record<string, string>; gpio: Record<string, SimulatedGpioScript> };
}

export function createHardware(config: HardwareConfig, warn?: (message: string) => void, info?: (message: string) => void): Hardware {
  const buses = new Map<number, Promise<I2cBus>>();
  const lines = new Set<GpioLine>();
  const simulatedPins = new Map(Object.entries(config.simulate.gpio).map(([pin, script]) => [Number(pin), script]));
  const simulatedGpio = createSimulatedGpio(simulatedPins);
  const realGpio = createRealGpio({ setting: config.hardware.gpio, sysfsRoot: config.hardware.gpioRoot, ...(warn ? { warn } : {}), ...(info ? { info } : {}) });

  const openBus = async (busNumber: number): Promise<I2cBus> => {
    const mapFile = config.simulate.i2c[String(busNumber)];
    if (mapFile !== undefined) return new SimulatedI2cBus(busNumber, await loadRegisterMap(mapFile));
    return openRealI2cBus(busNumber);
  };

  return {
    oneWireRoot: config.hardware.oneWireRoot,
    iioRoot: config.hardware.iioRoot,
    hwmonRoot: config.hardware.hwmonRoot,
    i2c: (busNumber) => {
      let bus = buses.get(busNumber);
      if (!bus) {
        bus = openBus(busNumber);
        // A failed open is retried by the next sensor start, not cached.
        bus.catch(() => buses.delete(busNumber));
        buses.set(busNumber, bus);
      }
      return bus;
    },
    gpio: {
      open: async (pin: number, options: GpioLineOptions) => {
        const provider = simulatedPins.has(pin) ? simulatedGpio : realGpio;
        const line = await provider.open(pin, options);
        lines.add(line);
        // A failing sensor re-opens its line: forget closed lines so the set stays bounded.
        const close = line.close.bind(line);
        line.close = async () => {
          lines.delete(line);
          await close();
        };
        return line;
      },
    },
    close: async () => {
      await Promise.allSettled([...lines].map((line) => line.close()));
      const opened = await Promise.allSettled([...buses.values()]);
      buses.clear();
      await Promise.allSettled(opened.map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)));
    },
  };
}
