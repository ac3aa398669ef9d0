// What the composition root hands drivers: buses by number, GPIO lines by BCM number, the 1-Wire,
// IIO and hwmon roots. Each is real or simulated according to the config's `simulate:` section.
import type { I2cBus } from './i2c/i2c-bus.js';
import type { GpioProvider } from './gpio/gpio.js';

export interface Hardware {
  /** Opens (once, shared) /dev/i2c-N or its simulation. */
  i2c(busNumber: number): Promise<I2cBus>;
  gpio: GpioProvider;
  /** Folder holding 1-Wire devices (`28-…/w1_slave`), /sys/bus/w1/devices on a Pi. */
  oneWireRoot: string;
  /** Folder holding IIO devices (`iio:deviceN/`), /sys/bus/iio/devices. */
  iioRoot: string;
  /** Folder holding hwmon devices (`hwmonN/`), /sys/class/hwmon. */
  hwmonRoot: string;
  close(): Promise<void>;
}
