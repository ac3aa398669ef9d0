// The config schema: the single source of truth for validation, defaults and the editors' JSON
// schema. Parsing turns the file's text-friendly values into what the parts use: durations in ms
// (same key names: `mqtt.keepalive` is a number of ms), sizes in bytes, paths absolute, secrets read
// from their files, `{deviceId}` substituted. `Config` is that resolved shape.
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { evenWithFieldProblems } from '../schema/fields.js';
import { deviceIdFromHostname, type ConfigContext } from '../schema/files.js';
import { deviceSection, logSection, mqttSection, statusSection, storeSection } from './sections.js';
import { sensorsSchema } from './sensor-schema.js';
import { hardwareSection, simulateSection } from './hardware-sections.js';
import { checkOutputClaims, outputsSchema } from './output-schema.js';
import { checkSwitchKeys, homeassistantSection } from './homeassistant-section.js';
import { remoteSection } from './remote-section.js';
import { checkReservedIds } from './reserved-ids.js';

export type { ConfigContext } from '../schema/files.js';
export type { SensorConfig } from './sensor-schema.js';
export type { OutputConfig } from './output-schema.js';

const DEFAULT_STORE_PATH = '/var/lib/sensor-agent/buffer';

function sections(context: ConfigContext) {
  return z.strictObject(
    {
      /** Lets JSON config files name their schema for editors; ignored. */
      $schema: z.string().optional(),
      device: deviceSection().prefault({}),
      mqtt: mqttSection(context).prefault({}),
      store: storeSection().prefault({}),
      status: statusSection(context).prefault({}),
      log: logSection().prefault({}),
      hardware: hardwareSection().prefault({}),
      simulate: simulateSection(context).prefault({}),
      homeassistant: homeassistantSection().prefault({}),
      remote: remoteSection(context).prefault({}),
      sensors: sensorsSchema(),
      outputs: outputsSchema(),
    },
    { error: () => 'is not a mapping of settings' },
  )
    .superRefine(checkOutputClaims, evenWithFieldProblems)
    .superRefine(checkSwitchKeys, evenWithFieldProblems)
    .superRefine(checkReservedIds, evenWithFieldProblems);
}

type Parsed = z.output<ReturnType<typeof sections>>;

/** systemd's StateDirectory= sets STATE_DIRECTORY (a ':'-separated list when it names several). */
function defaultStorePath(env: NodeJS.ProcessEnv): string {
  const stateDirectory = env.STATE_DIRECTORY?.split(':')[0];
  return stateDirectory ? join(stateDirectory, 'buffer') : DEFAULT_STORE_PATH;
}

/** Fills the defaults that depend on other keys or on the host, and flattens secret files into secrets. */
function resolveConfig(parsed: Parsed, context: ConfigContext) {
  const deviceId = parsed.device.id ?? deviceIdFromHostname(context.hostname);
  const { url, passwordFile, password, clientId, topicPrefix, ...mqtt } = parsed.mqtt;
  const { path: storePath, ...store } = parsed.store;
  const { tokenFile, token, ...status } = parsed.status;
  return {
    device: { id: deviceId },
    mqtt: {
      url,
      clientId: clientId ?? `sensor-agent-${deviceId}`,
      ...mqtt,
      topicPrefix: topicPrefix.replaceAll('{deviceId}', deviceId),
      /** From `password`, or read from `passwordFile` (its absolute path stays in `passwordFile`). */
      password: password ?? passwordFile?.secret,
      passwordFile: passwordFile?.path,
    },
    store: {
      path: storePath === undefined ? defaultStorePath(context.env) : resolve(context.baseDir, storePath),
      ...store,
    },
    status: {
      ...status,
      /** From `token`, or read from `tokenFile`. */
      token: token ?? tokenFile?.secret,
      tokenFile: tokenFile?.path,
    },
    log: parsed.log,
    hardware: parsed.hardware,
    simulate: parsed.simulate,
    homeassistant: parsed.homeassistant,
    remote: parsed.remote,
    sensors: parsed.sensors,
    outputs: parsed.outputs,
  };
}

/** The schema for one load: `context` supplies the environment, the config's folder and the host name. */
export function configSchema(context: ConfigContext) {
  return sections(context).transform((parsed) => resolveConfig(parsed, context));
}

/** The resolved config every part receives. */
export type Config = z.output<ReturnType<typeof configSchema>>;
export type MqttConfig = Config['mqtt'];
export type StoreConfig = Config['store'];
export type StatusConfig = Config['status'];
export type HomeassistantConfig = Config['homeassistant'];
export type RemoteConfig = Config['remote'];
