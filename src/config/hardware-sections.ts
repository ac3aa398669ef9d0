// The `hardware:` section (where the kernel's interfaces live) and the `simulate:` section
// (which buses and lines are simulated, for demos and tests without hardware).
import { parse } from 'yaml';
import { z } from 'zod';
import { parseRegisterMap } from '../hardware/i2c/register-map.js';
import { simulatedGpioScript } from '../hardware/gpio/simulated-gpio-script.js';
import { GPIO_BACKENDS } from '../hardware/gpio/gpio.js';
import { expecting } from '../schema/fields.js';
import { closestKey } from './suggest.js';
import { readNamedFile, type ConfigContext } from '../schema/files.js';

export function hardwareSection() {
  return z.strictObject(
    {
      /**
       * How real GPIO lines are reached: `cdev` (the character device /dev/gpiochipN, every edge
       * queued by the kernel), `sysfs` (onoff), or `auto`: cdev when its addon loads and the main
       * controller's /dev/gpiochipN exists, else sysfs.
       */
      gpio: z
        .enum(GPIO_BACKENDS, {
          error: (issue) => {
            const typo = typeof issue.input === 'string' ? closestKey(issue.input, GPIO_BACKENDS) : undefined;
            return `is not one of ${GPIO_BACKENDS.join(', ')}${typo === undefined ? '' : ` (did you mean ${typo}?)`}`;
          },
        })
        .default('auto'),
      /** sysfs GPIO root; the chip bases are read from its gpiochipN/base and label. */
      gpioRoot: z.string().default('/sys/class/gpio'),
      /** 1-Wire devices folder (28-…/w1_slave). */
      oneWireRoot: z.string().default('/sys/bus/w1/devices'),
      /** IIO devices folder (iio:deviceN/ with name, in_temp_input, ...), read by the iio driver. */
      iioRoot: z.string().default('/sys/bus/iio/devices'),
      /** hwmon devices folder (hwmonN/ with name, temp1_input, ...), read by the hwmon driver. */
      hwmonRoot: z.string().default('/sys/class/hwmon'),
      /** The kernel's I2C clients (<bus>-00<addr>/driver): doctor and scan-i2c say which chips a kernel driver holds. */
      i2cDevicesRoot: z.string().default('/sys/bus/i2c/devices'),
    },
    expecting('a mapping of hardware settings'),
  );
}

const busNumberKey = z.string().regex(/^\d+$/, 'is not a bus number such as 1');
const pinKey = z.string().regex(/^\d+$/, 'is not a BCM pin number such as 17');

/** A register-map file: must exist, be readable and parse; resolves to its absolute path. */
function registerMapFile(context: ConfigContext) {
  return z.string(expecting('a register-map file path')).transform((raw, ctx): string => {
    const file = readNamedFile(raw, context);
    if (!file.ok) {
      ctx.addIssue({ code: 'custom', message: file.problem });
      return z.NEVER;
    }
    try {
      parseRegisterMap(parse(file.text), file.path);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `is not a valid register map (${(error as Error).message})` });
      return z.NEVER;
    }
    return file.path;
  });
}

export function simulateSection(context: ConfigContext) {
  return z.strictObject(
    {
      /** Bus number → register-map file: that /dev/i2c-N is simulated. */
      i2c: z.record(busNumberKey, registerMapFile(context)).default({}),
      /** BCM pin → script: that line is simulated. */
      gpio: z.record(pinKey, simulatedGpioScript).default({}),
    },
    expecting('a mapping of simulated buses and lines'),
  );
}
