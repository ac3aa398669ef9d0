// `sensor-agent doctor`: checks what the config needs on this device and says what to fix, so a
// technician does not have to read a stack trace. Each check prints one line: ok, warn or FAIL;
// the closing line (doctor-result.ts) says what `run` will do with what was found.
import { access, constants } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { displayUrl } from '../mqtt/client-options.js';
import { probeBroker } from '../mqtt/broker-probe.js';
import { maskCredentialsIn } from '../config/mask-url.js';
import { chooseGpioBackend } from '../hardware/gpio/gpio-backend.js';
import { checkStoreSpace } from './doctor-store-space.js';
import { checkClientId } from './doctor-client-id.js';
import { resolveClientId } from '../mqtt/client-id.js';
import { codeOf, plural, type CheckResult } from './doctor-result.js';
import { checkStatusPort, checkStoreFolder, checkStoreLock } from './doctor-start.js';
import { checkClock } from './doctor-clock.js';
import { checkKernelDrivers } from './doctor-kernel.js';
import { bindDriver } from '../sensors/bound-driver.js';

export { formatResult, summarize, type CheckResult, type Verdict } from './doctor-result.js';

async function accessible(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

function userGroups(): string[] {
  try {
    return execFileSync('id', ['-Gn'], { encoding: 'utf8' }).trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Real (not simulated) I2C buses in use, each with the sensors on it. */
function usedBuses(config: Config): Map<number, string[]> {
  const buses = new Map<number, string[]>();
  for (const sensor of config.sensors) {
    const use = bindDriver(sensor).where();
    if (use?.kind === 'i2c' && config.simulate.i2c[String(use.bus)] === undefined) buses.set(use.bus, [...(buses.get(use.bus) ?? []), sensor.id]);
  }
  return buses;
}

/** The ids of sensors on real (not simulated) GPIO lines. */
function gpioSensors(config: Config): string[] {
  return config.sensors
    .filter((sensor) => {
      const use = bindDriver(sensor).where();
      return use?.kind === 'gpio' && config.simulate.gpio[String(use.pin)] === undefined;
    })
    .map((sensor) => sensor.id);
}

async function checkI2c(config: Config, groups: string[], isRoot: boolean): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const buses = usedBuses(config);
  for (const [bus, sensors] of buses) {
    const device = `/dev/i2c-${bus}`;
    if (!(await accessible(device, constants.F_OK))) {
      results.push({ verdict: 'fail', what: `${device} does not exist`, fix: 'enable I2C: sudo raspi-config nonint do_i2c 0 (or dtparam=i2c_arm=on in /boot/firmware/config.txt) and reboot', sensors });
    } else if (!(await accessible(device, constants.R_OK | constants.W_OK))) {
      results.push({ verdict: 'fail', what: `${device} is not readable and writable by this user`, fix: 'add the service user to the i2c group: sudo usermod -aG i2c sensor-agent', sensors });
    } else {
      results.push({ verdict: 'ok', what: `${device} is accessible` });
    }
  }
  if (buses.size > 0 && !isRoot && !groups.includes('i2c')) {
    results.push({ verdict: 'warn', what: 'this user is not in the i2c group', fix: 'sudo usermod -aG i2c <user>' });
  }
  return results;
}

/** The character device the agent would use: readable and writable by this user (GPIO_V2_GET_LINE_IOCTL needs both). */
async function checkGpioCdev(path: string, label: string, sensors: string[]): Promise<CheckResult> {
  return (await accessible(path, constants.R_OK | constants.W_OK))
    ? { verdict: 'ok', what: `GPIO character device ${path} "${label}" is readable and writable` }
    : { verdict: 'fail', what: `${path} is not readable and writable by this user`, fix: 'add the service user to the gpio group (Raspberry Pi OS gives it /dev/gpiochip*): sudo usermod -aG gpio sensor-agent', sensors };
}

async function checkGpioSysfs(root: string, sensors: string[]): Promise<CheckResult[]> {
  if (!(await accessible(root, constants.F_OK))) {
    return [{ verdict: 'fail', what: `GPIO sysfs root ${root} does not exist`, fix: 'use a kernel with CONFIG_GPIO_SYSFS, or set hardware.gpioRoot, or hardware.gpio: cdev', sensors }];
  }
  const results: CheckResult[] = [{ verdict: 'ok', what: `GPIO sysfs root ${root} exists` }];
  if (!(await accessible(join(root, 'export'), constants.W_OK))) {
    results.push({ verdict: 'fail', what: `${root}/export is not writable by this user`, fix: 'add the service user to the gpio group: sudo usermod -aG gpio sensor-agent', sensors });
  }
  return results;
}

/** "chosen by hardware.gpio: auto" or "because <a sentence>": no brackets inside brackets. */
function why(reason: string): string {
  return reason.startsWith('hardware.gpio') ? `chosen by ${reason}` : `because ${reason}`;
}

async function checkGpio(config: Config, groups: string[], isRoot: boolean): Promise<CheckResult[]> {
  const sensors = gpioSensors(config);
  if (sensors.length === 0) return [];
  const setting = config.hardware.gpio;
  const results: CheckResult[] = [];
  try {
    const choice = await chooseGpioBackend({ setting, sysfsRoot: config.hardware.gpioRoot });
    if (choice.backend === 'cdev') {
      results.push({ verdict: 'ok', what: `GPIO backend: character device, ${why(choice.reason)}` }, await checkGpioCdev(choice.chip.path, choice.chip.label, sensors));
    } else {
      const fellBack = choice.warning !== undefined;
      results.push({
        verdict: fellBack ? 'warn' : 'ok',
        what: `GPIO backend: sysfs, ${why(choice.reason)}`,
        ...(fellBack ? { fix: 'sysfs can fold edges that arrive while the agent is busy (a counter may undercount); reinstall the package so the gpio-cdev addon loads' } : {}),
      });
      results.push(...(await checkGpioSysfs(config.hardware.gpioRoot, sensors)));
    }
  } catch (error) {
    results.push({ verdict: 'fail', what: `GPIO backend ${setting}: ${(error as Error).message}`, fix: 'set hardware.gpio: auto (or sysfs), or check that /dev/gpiochip* exist (kernel 5.10 or later)', ...codeOf(error), sensors });
  }
  if (!isRoot && !groups.includes('gpio')) results.push({ verdict: 'warn', what: 'this user is not in the gpio group', fix: 'sudo usermod -aG gpio <user>' });
  return results;
}

async function checkOneWire(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const oneWire = config.sensors.flatMap((sensor) => {
    const use = bindDriver(sensor).where();
    return use?.kind === '1-wire' ? [{ sensor, deviceId: use.deviceId }] : [];
  });
  for (const { sensor, deviceId } of oneWire) {
    const folder = join(config.hardware.oneWireRoot, deviceId);
    results.push(
      (await accessible(folder, constants.R_OK))
        ? { verdict: 'ok', what: `1-Wire device ${deviceId} is present` }
        : { verdict: 'fail', what: `1-Wire device ${folder} not found`, fix: 'enable 1-Wire: dtoverlay=w1-gpio in /boot/firmware/config.txt, check wiring and the 4.7 kOhm pull-up', code: 'SENSOR_NOT_FOUND', sensors: [sensor.id] },
    );
  }
  return results;
}

async function checkBroker(config: Config): Promise<CheckResult[]> {
  const url = new URL(config.mqtt.url);
  const shown = displayUrl(config.mqtt.url);
  try {
    await lookup(url.hostname);
  } catch {
    return [{ verdict: 'warn', what: `broker host ${url.hostname} does not resolve now`, fix: 'check mqtt.url and DNS (the agent buffers until it resolves)' }];
  }
  let outcome = await probeBroker({
    url: config.mqtt.url,
    clientId: `${safeClientId(config.mqtt.clientId)}-doctor`,
    protocolVersion: config.mqtt.protocolVersion,
    username: config.mqtt.username,
    password: config.mqtt.password,
  });
  if (outcome !== null) outcome = maskCredentialsIn(outcome);
  if (outcome === null) return [{ verdict: 'ok', what: `broker ${shown} accepts the connection and credentials` }];
  if (/protocol version/i.test(outcome) && config.mqtt.protocolVersion === 5) {
    return [{ verdict: 'warn', what: `broker ${shown} does not speak MQTT 5`, fix: 'the agent falls back to 3.1.1; set mqtt.protocolVersion: 4 to skip the attempt' }];
  }
  // Refused credentials keep every reading on the device forever; an absent broker only delays them.
  if (/not authori[sz]ed|bad user ?name or password|identifier rejected/i.test(outcome)) {
    return [{ verdict: 'fail', what: `broker ${shown} refuses the credentials: ${outcome}`, fix: 'check mqtt.username, mqtt.password / passwordFile and the broker ACL' }];
  }
  return [{ verdict: 'warn', what: `broker ${shown} not reachable now: ${outcome}`, fix: 'the agent buffers until it is; check mqtt.url, the network and that the broker runs' }];
}

function safeClientId(template: string): string {
  try {
    return resolveClientId(template);
  } catch {
    return 'sensor-agent';
  }
}

export async function runDoctor(config: Config, warnings: readonly string[] = []): Promise<CheckResult[]> {
  const groups = userGroups();
  const isRoot = process.getuid?.() === 0;
  const present = <T>(result: T | null): T[] => (result === null ? [] : [result]);
  const space = await checkStoreSpace(config);
  // A read-only file system is said once, in its own words, not also as "not writable".
  const readOnly = space.some((result) => result.what.includes('read-only file system'));
  return [
    { verdict: 'ok', what: `config is valid (${plural(config.sensors.length, 'sensor')})` },
    ...warnings.map((warning): CheckResult => ({ verdict: 'warn', what: `config: ${warning}` })),
    ...(readOnly ? [] : [await checkStoreFolder(config)]),
    ...space,
    checkClientId(config),
    ...present(await checkStoreLock(config)),
    ...present(await checkStatusPort(config)),
    ...(await checkI2c(config, groups, isRoot)),
    ...(await checkKernelDrivers(config)),
    ...(await checkGpio(config, groups, isRoot)),
    ...(await checkOneWire(config)),
    await checkClock(),
    ...(await checkBroker(config)),
  ];
}
