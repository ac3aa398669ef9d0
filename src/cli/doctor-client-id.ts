// `doctor`: the MQTT client id this device would use, and where {hardwareId} comes from (issue 14).
import type { Config } from '../config/schema.js';
import { HARDWARE_ID_PLACEHOLDER, hardwareId, resolveClientId } from '../mqtt/client-id.js';
import type { CheckResult } from './doctor-result.js';

export function checkClientId(config: Config): CheckResult {
  const template = config.mqtt.clientId;
  if (!template.includes(HARDWARE_ID_PLACEHOLDER)) {
    return { verdict: 'ok', what: `mqtt client id "${template}" (from the config or the device id: devices cloned from one image share it unless device.id or mqtt.clientId differ)` };
  }
  try {
    return { verdict: 'ok', what: `mqtt client id "${resolveClientId(template)}" (${HARDWARE_ID_PLACEHOLDER} from ${hardwareId()?.source ?? '?'})` };
  } catch (error) {
    return { verdict: 'fail', what: (error as Error).message, fix: `set mqtt.clientId without ${HARDWARE_ID_PLACEHOLDER}` };
  }
}
