// The fleet view's side of the broker (src/cli/fleet.ts): one connection, no reconnect, a
// subscription to some topic filters, and every message that arrives within a wait (the retained
// ones first: the broker sends them on subscribing), the latest per topic. Nothing is published;
// the client id is random and the session clean, so it leaves nothing behind on the broker.
import mqtt from 'mqtt';
import { displayUrl } from './client-options.js';

export interface CollectOptions {
  url: string;
  topics: string[];
  waitMs: number;
  connectTimeoutMs?: number;
}

/** The broker could not be reached, or refused us: `message` says which. */
export class BrokerUnreachable extends Error {
  readonly code = 'BROKER_UNREACHABLE';
}

/** The latest payload per topic seen within waitMs of the subscription. */
export async function collectRetained(options: CollectOptions): Promise<Map<string, string>> {
  const client = mqtt.connect(options.url, {
    clientId: `sensor-agent-fleet-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
  });
  const latest = new Map<string, string>();
  client.on('message', (topic, payload) => void latest.set(topic, payload.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (error) => reject(new BrokerUnreachable(`cannot reach the broker at ${displayUrl(options.url)}: ${error.message}`)));
      client.once('close', () => reject(new BrokerUnreachable(`cannot reach the broker at ${displayUrl(options.url)}: connection closed`)));
    });
    const granted = await client.subscribeAsync(options.topics, { qos: 1 });
    const refused = granted.find((grant) => grant.qos === 128);
    if (refused) throw new BrokerUnreachable(`the broker refused the subscription to ${refused.topic} (not authorized?)`);
    await new Promise((resolve) => setTimeout(resolve, options.waitMs));
    return latest;
  } finally {
    client.end(true);
  }
}
