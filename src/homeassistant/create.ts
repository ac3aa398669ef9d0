// Builds the Home Assistant part from the config and the agent's parts (the composition root
// calls this when `homeassistant.enabled` is true): the status page's URL as HA's configuration
// URL, the health inputs, the publisher as the link, and the outputs as switches.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Publisher } from '../mqtt/publisher.js';
import type { MqttConnection } from '../mqtt/connection.js';
import { AgentHealth } from './health.js';
import { HomeAssistant } from './home-assistant.js';
import type { ComponentSource } from './entities.js';
import { outputSwitches } from './switches.js';

export interface HomeAssistantParts {
  publisher: Publisher;
  connection: MqttConnection;
  buffer(): { backlog: number; dropped: number };
  failingSensors(): number;
  statusAddress: { host: string; port: number } | null;
  version: string;
  log: Logger;
  sources?: readonly ComponentSource[];
}

/** `http://<host>:<port>/`: the bound address, or this host's name when it listens on every interface. */
export function statusUrl(address: { host: string; port: number } | null, hostName = hostname()): string | undefined {
  if (address === null) return undefined;
  const any = address.host === '0.0.0.0' || address.host === '::' || address.host === '';
  const host = any ? hostName : address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}/`;
}

export function createHomeAssistant(config: Config, parts: HomeAssistantParts): HomeAssistant {
  const systemSensor = config.sensors.find((sensor) => sensor.driver === 'system');
  return new HomeAssistant({
    config: config.homeassistant,
    deviceId: config.device.id,
    topicPrefix: config.mqtt.topicPrefix,
    version: parts.version,
    sensors: config.sensors,
    storePath: config.store.path,
    statusUrl: statusUrl(parts.statusAddress),
    link: {
      publishExtra: (message) => parts.publisher.publishExtra(message),
      on: (event: 'connected' | 'disconnected', listener: () => void) => parts.publisher.on(event, listener),
      client: () => parts.connection.client,
    },
    health: new AgentHealth({ buffer: parts.buffer, failingSensors: parts.failingSensors, storePath: config.store.path, system: systemSensor?.options }),
    log: parts.log,
    sources: [outputSwitches(config.outputs), ...(parts.sources ?? [])],
  });
}
