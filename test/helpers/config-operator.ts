// A fleet operator for the remote configuration tests: publishes on <prefix>/config/set and
// collects what the agent answers on <prefix>/config/result.
import mqtt, { type MqttClient } from 'mqtt';
import type { ConfigResult } from '../../src/remote/remote-config.js';
import { until } from './poll.js';

export interface ConfigOperator {
  client: MqttClient;
  results: ConfigResult[];
  /** Publishes a message (an object is sent as JSON, a string or Buffer as it is). */
  send(message: unknown, options?: { retain?: boolean }): Promise<void>;
  /** Resolves with the result for `id` once it arrived. */
  resultFor(id: string, timeoutMs?: number): Promise<ConfigResult>;
  stop(): Promise<void>;
}

export async function startConfigOperator(url: string, topicPrefix: string): Promise<ConfigOperator> {
  const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 200, clientId: `operator-${Math.random().toString(16).slice(2)}` });
  const results: ConfigResult[] = [];
  client.on('message', (_topic, payload) => results.push(JSON.parse(payload.toString()) as ConfigResult));
  await client.subscribeAsync(`${topicPrefix}/config/result`, { qos: 1 });
  return {
    client,
    results,
    send: async (message, options = {}) => {
      const payload = typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message);
      await client.publishAsync(`${topicPrefix}/config/set`, payload, { qos: 1, retain: options.retain ?? false });
    },
    resultFor: async (id, timeoutMs = 20_000) => {
      await until(() => results.some((result) => result.id === id), timeoutMs, `the config/result for ${id}`);
      return results.find((result) => result.id === id)!;
    },
    stop: async () => {
      await client.endAsync(true);
    },
  };
}
