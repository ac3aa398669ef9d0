// The MQTT client id: mqtt.clientId as configured, with `{hardwareId}` replaced by an id unique to
// this board and the same at every boot, so cloned SD cards need no per-device config. The id comes
// from the Raspberry Pi's serial number (/proc/device-tree/serial-number, else the Serial line of
// /proc/cpuinfo), else /etc/machine-id, and is hashed (HMAC-SHA256 keyed with the app name, as
// systemd's sd_id128_get_machine_app_specific does): machine-id is meant to stay private.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ErrorCode } from '../errors/catalogue.js';

export const HARDWARE_ID_PLACEHOLDER = '{hardwareId}';

export interface HardwareIdSources {
  serialNumber: string;
  cpuinfo: string;
  machineId: string;
}

export const LINUX_HARDWARE_ID_SOURCES: HardwareIdSources = {
  serialNumber: '/proc/device-tree/serial-number',
  cpuinfo: '/proc/cpuinfo',
  machineId: '/etc/machine-id',
};

export interface HardwareId {
  /** 16 hex digits. */
  id: string;
  /** Where it came from (the file). */
  source: string;
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** A serial of only zeros (some boards, emulators) identifies nothing. */
const usable = (raw: string | null | undefined): raw is string => raw !== null && raw !== undefined && /[1-9a-f]/i.test(raw);

const hashed = (raw: string): string => createHmac('sha256', 'sensor-agent').update(raw.toLowerCase()).digest('hex').slice(0, 16);

/** This board's id, or null when none of the sources has one. */
export function hardwareId(sources: HardwareIdSources = LINUX_HARDWARE_ID_SOURCES): HardwareId | null {
  const serial = read(sources.serialNumber)?.replace(/\0/g, '').trim();
  if (usable(serial)) return { id: hashed(serial), source: sources.serialNumber };
  const cpuSerial = /^Serial\s*:\s*([0-9a-f]+)\s*$/im.exec(read(sources.cpuinfo) ?? '')?.[1];
  if (usable(cpuSerial)) return { id: hashed(cpuSerial), source: `${sources.cpuinfo} (Serial)` };
  const machineId = read(sources.machineId)?.trim();
  if (machineId !== undefined && /^[0-9a-f]{32}$/i.test(machineId) && usable(machineId)) return { id: hashed(machineId), source: sources.machineId };
  return null;
}

export class ClientIdError extends Error {
  readonly code: ErrorCode = 'CLIENT_ID_UNAVAILABLE';
}

/** mqtt.clientId with {hardwareId} filled in; throws ClientIdError when the board has no id. */
export function resolveClientId(template: string, sources: HardwareIdSources = LINUX_HARDWARE_ID_SOURCES): string {
  if (!template.includes(HARDWARE_ID_PLACEHOLDER)) return template;
  const found = hardwareId(sources);
  if (found === null) {
    throw new ClientIdError(
      `CLIENT_ID_UNAVAILABLE: mqtt.clientId "${template}" uses ${HARDWARE_ID_PLACEHOLDER}, but this device has no serial number (${sources.serialNumber}, ${sources.cpuinfo}) and no ${sources.machineId} (run systemd-machine-id-setup, or set mqtt.clientId without ${HARDWARE_ID_PLACEHOLDER})`,
    );
  }
  return template.replaceAll(HARDWARE_ID_PLACEHOLDER, found.id);
}
