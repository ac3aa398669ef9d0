// Every error code the product emits, once: where it comes from, what it means and what a
// technician does about it. A leaf module (no imports), so throw sites, doctor, the status page
// and the README generator (scripts/docs.ts) can all read it. The code is the first word of the
// error's message ("CODE: ..."), on stderr, in the log and in `lastError` on the status port.

export type ErrorArea = 'config' | 'cli' | 'sensor' | '1-wire' | 'gpio' | 'buffer' | 'mqtt' | 'status';

export interface ErrorEntry {
  area: ErrorArea;
  /** What the failure is, in a line. */
  message: string;
  /** What a technician should do. */
  action: string;
}

/** Names an earlier release used for the same failure; documented, and mapped by canonicalCode(). */
export const ERROR_ALIASES = {
  CRC_ERROR: 'CRC_MISMATCH',
  W1_IO: 'W1_IO_ERROR',
} as const;

export const ERROR_CATALOGUE = {
  CONFIG_INVALID: { area: 'config', message: 'The config file (or an environment override) has one or more problems; each is listed with its key, value and what is expected. The daemon exits 78.', action: 'Fix every listed line (the key and the expected values are named; a typo gets a did-you-mean), then run `sensor-agent check-config`.' },
  USAGE: { area: 'cli', message: 'The command line has an unknown option, a missing value or an unknown command. Exits 1.', action: 'Run `sensor-agent --help` and correct the option named in the message.' },

  SENSOR_NOT_FOUND: { area: 'sensor', message: 'Nothing answers where the sensor should be: no I2C device at the address, no 1-Wire device with that id, or no kernel driver bound for iio/hwmon.', action: 'Check wiring, power and the address; run `sensor-agent scan-i2c --bus N` for I2C, and the dtoverlay line for 1-Wire or kernel drivers.' },
  CHIP_MISMATCH: { area: 'sensor', message: 'A chip answers at the address, but its identification registers say it is another part.', action: 'Run `sensor-agent scan-i2c --bus N` to see which chip is there, then set the matching driver or address.' },
  I2C_ADDRESS_BUSY: { area: 'sensor', message: 'A kernel driver holds the I2C address (EBUSY), so the agent cannot talk to the chip directly.', action: 'Use `driver: iio` or `driver: hwmon` with the device the kernel publishes, or remove the dtoverlay line that binds it.' },
  I2C_IO_ERROR: { area: 'sensor', message: 'An I2C transfer to the chip failed or the chip did not answer in time (NACK, EIO, ETIMEDOUT).', action: 'Check the wiring, pull-ups and cable length; the sensor is retried and recovers by itself once the bus works.' },
  SHORT_READ: { area: 'sensor', message: 'The chip answered with fewer bytes than the protocol needs.', action: 'Check the wiring and pull-ups; a loose contact often shows as this.' },
  CRC_MISMATCH: { area: 'sensor', message: "The data's checksum is wrong (Sensirion words, or a DS18B20 scratchpad twice in a row). Was CRC_ERROR for the DS18B20 before.", action: 'Check the cable length, pull-ups and interference (motors, mains cables nearby); a shorter or shielded cable usually fixes it.' },
  BAD_DATA: { area: 'sensor', message: 'The value read is not a measurement: a file that is not a number, garbled w1_slave content, or an all-zero scratchpad (data line held low).', action: 'Check the sensor and its wiring for a short circuit or a disconnected line.' },
  BAD_CALIBRATION: { area: 'sensor', message: "The chip's factory calibration reads as zero, so no value can be compensated.", action: 'Check the wiring (a bus that reads zeros) or replace the chip.' },
  BAD_OPTIONS: { area: 'sensor', message: "The sensor's options cannot work together for this chip (for example an INA219 range beyond its ADC).", action: 'Change the options named in the message (for the INA219: maxCurrent, shuntOhms, busRange).' },
  MEASUREMENT_TIMEOUT: { area: 'sensor', message: 'The chip started a measurement but did not finish it in the time its datasheet gives.', action: 'Check the supply voltage and the wiring; replace the chip if it keeps happening.' },
  SENSOR_NOT_READY: { area: 'sensor', message: 'The sensor returned its power-on value, not a measurement (DS18B20 85 °C after a reset).', action: 'Check its supply; parasite power needs a strong pull-up, or wire VDD to 3.3 V.' },
  SENSOR_RESET: { area: 'sensor', message: 'The chip lost its programmed configuration (a reset or brown-out); it is programmed again on the next start.', action: 'Check the supply for dips; nothing to do if it is rare.' },
  SENSOR_OVERFLOW: { area: 'sensor', message: 'The chip flags a math overflow: the quantity is beyond the range it was calibrated for (INA219 current).', action: 'Raise maxCurrent (or use a smaller shunt) or check the load.' },
  OUT_OF_RANGE: { area: 'sensor', message: "A value is outside the chip's documented range, or outside a `clamp` filter's range: the reading fails and is counted, never clipped.", action: 'Check the sensor and its wiring (a damaged chip reads like this), or the clamp limits in the config.' },
  IO_ERROR: { area: 'sensor', message: 'Reading a kernel sensor file (iio, hwmon) failed: the kernel driver could not read the chip.', action: "Check the chip's wiring and `dmesg` for the kernel driver's messages." },
  AMBIGUOUS_DEVICE: { area: 'sensor', message: 'Several kernel devices have the name given, so the agent cannot tell which one is meant.', action: 'Set `device` to one of the folder names the message lists.' },
  NO_CHANNELS: { area: 'sensor', message: 'The kernel device has no channel this driver reads.', action: 'Check that the right device is selected; the message lists what the driver reads.' },
  CHANNEL_NOT_FOUND: { area: 'sensor', message: 'A channel named in `channels` is not offered by the kernel device.', action: 'Use only the channels the message lists.' },
  W1_IO_ERROR: { area: 'sensor', message: "Reading the 1-Wire sensor's w1_slave file failed; the sensor may have been disconnected. Was W1_IO inside the 1-Wire reader.", action: 'Check the cable, the connectors and the 4.7 kΩ pull-up; the sensor is retried.' },

  W1_NOT_ENABLED: { area: '1-wire', message: '1-Wire is not enabled: /sys/bus/w1/devices does not exist. Shown to users as SENSOR_NOT_FOUND.', action: 'Add dtoverlay=w1-gpio to /boot/firmware/config.txt and reboot.' },
  W1_NO_DEVICE: { area: '1-wire', message: 'The 1-Wire bus works but the device id is not on it. Shown to users as SENSOR_NOT_FOUND.', action: 'Check the wiring, the pull-up and the device id (the message lists the ids present).' },
  W1_CRC: { area: '1-wire', message: 'The kernel reported a failed CRC twice in a row. Shown to users as CRC_MISMATCH.', action: 'As CRC_MISMATCH.' },
  W1_BAD_DATA: { area: '1-wire', message: 'w1_slave holds something unexpected. Shown to users as BAD_DATA.', action: 'As BAD_DATA.' },

  GPIO_ACCESS: { area: 'gpio', message: 'The agent may not open the GPIO line or export the pin (permission denied).', action: 'Add the service user to the gpio group: `sudo usermod -aG gpio sensor-agent`.' },
  GPIO_BUSY: { area: 'gpio', message: 'Another program, a sysfs export or a kernel driver (a dtoverlay) holds the pin.', action: 'Stop the other program, unexport the pin or remove the overlay; `gpioinfo` shows who holds it.' },
  GPIO_OPEN_FAILED: { area: 'gpio', message: 'Opening the GPIO line failed for another reason (the message has the system error).', action: 'Read the system error in the message; run `sensor-agent doctor`.' },
  GPIO_PIN_RANGE: { area: 'gpio', message: 'The BCM pin number does not exist on the GPIO controller.', action: 'Use a BCM number from 0 to 27 (the message gives the controller\'s lines).' },
  GPIO_CHIP_UNKNOWN: { area: 'gpio', message: 'No Raspberry Pi GPIO controller was found among the GPIO chips.', action: 'Check that this is a Raspberry Pi with a current kernel, or set hardware.gpioRoot; run `sensor-agent doctor`.' },
  GPIO_CHIP_UNREADABLE: { area: 'gpio', message: "A GPIO chip's base, label or line count could not be read.", action: 'Check the permissions of /sys/class/gpio; run `sensor-agent doctor`.' },
  GPIO_SYSFS_MISSING: { area: 'gpio', message: 'The GPIO sysfs interface is not there (a kernel without CONFIG_GPIO_SYSFS).', action: 'Set `hardware.gpio: cdev` (or auto), or use a kernel with GPIO sysfs.' },
  GPIO_CDEV_UNAVAILABLE: { area: 'gpio', message: '`hardware.gpio: cdev` is set, but the gpio-cdev addon cannot be loaded.', action: 'Reinstall the package, or set `hardware.gpio: sysfs`.' },
  GPIO_DIRECTION: { area: 'gpio', message: 'An input pin was written (simulated GPIO only).', action: 'A bug in a test or driver: report it.' },
  GPIO_CLOSED: { area: 'gpio', message: 'A closed pin was used (simulated GPIO only).', action: 'A bug in a test or driver: report it.' },

  BUFFER_LOCKED: { area: 'buffer', message: 'Another process has the buffer store open.', action: 'Check for another running sensor-agent (`systemctl status sensor-agent`); stop it, or give this one its own store.path.' },
  BUFFER_OPEN_FAILED: { area: 'buffer', message: 'The buffer store could not be opened or its readable readings could not be copied out of a damaged store.', action: 'Read the system error in the message (permissions, a full or read-only disk); run `sensor-agent doctor`.' },
  BUFFER_NOT_STARTED: { area: 'buffer', message: 'The buffer was used before it was started.', action: 'A bug: report it.' },

  CLIENT_ID_UNAVAILABLE: { area: 'mqtt', message: 'mqtt.clientId uses {hardwareId}, but the device has no serial number and no machine id.', action: 'Run `systemd-machine-id-setup`, or set mqtt.clientId without {hardwareId}.' },

  STATUS_LISTEN_INVALID: { area: 'status', message: 'status.listen is not "host:port".', action: 'Write it as "0.0.0.0:8080", "[::1]:8080" or ":8080".' },
  STATUS_PORT_IN_USE: { area: 'status', message: 'The status port is already in use.', action: 'Check for another running agent, or change status.listen.' },
  STATUS_PORT_DENIED: { area: 'status', message: 'Not allowed to listen on the port (below 1024 without root or CAP_NET_BIND_SERVICE).', action: 'Use a port from 1024 up, or give the service CAP_NET_BIND_SERVICE.' },
  STATUS_ADDRESS_UNAVAILABLE: { area: 'status', message: 'The host in status.listen is not an address of this machine.', action: 'Use 0.0.0.0, 127.0.0.1 or an address `ip addr` shows.' },
  STATUS_LISTEN_FAILED: { area: 'status', message: 'Listening on the status port failed for another reason (the message has the system error).', action: 'Read the system error in the message.' },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export type ErrorAlias = keyof typeof ERROR_ALIASES;

/** The codes of one area, for the error classes that only throw their own (GpioError: 'gpio'). */
export type ErrorCodeOf<A extends ErrorArea> = { [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C]['area'] extends A ? C : never }[ErrorCode];

/** The catalogue's code for `code`, an alias mapped to its current name; undefined when unknown. */
export function canonicalCode(code: string): ErrorCode | undefined {
  if (Object.hasOwn(ERROR_ALIASES, code)) return ERROR_ALIASES[code as ErrorAlias];
  return Object.hasOwn(ERROR_CATALOGUE, code) ? (code as ErrorCode) : undefined;
}

/** The code at the start of an error message ("CODE: ..."), when it is one of the catalogue's. */
export function codeOfMessage(message: string): ErrorCode | undefined {
  const match = /^([A-Z][A-Z0-9_]*): /.exec(message);
  return match === null ? undefined : canonicalCode(match[1] ?? '');
}
