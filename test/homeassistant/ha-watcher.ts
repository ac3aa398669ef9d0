// A Home Assistant stand-in on the broker: subscribes like HA's MQTT integration (the discovery
// prefix and the agent's topics) and keeps every message as it came (topic, text, retain flag),
// so tests read discovery, availability and states the way HA would.
import mqtt, { type MqttClient } from 'mqtt';
import { until } from '../helpers/poll.js';

export interface Seen {
  topic: string;
  text: string;
  retain: boolean;
  at: number;
}

export interface HaWatcher {
  client: MqttClient;
  messages: Seen[];
  on(topic: string): Seen[];
  last(topic: string): Seen | undefined;
  /** Parsed JSON of the last message on `topic`. */
  json(topic: string): Record<string, unknown>;
  waitFor(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startHaWatcher(url: string, topics: string[] = ['homeassistant/#', 'sensors/#']): Promise<HaWatcher> {
  const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0, clientId: `ha-watcher-${Math.random().toString(16).slice(2)}` });
  const messages: Seen[] = [];
  client.on('message', (topic, payload, packet) => void messages.push({ topic, text: payload.toString(), retain: packet.retain, at: messages.length }));
  await client.subscribeAsync(topics, { qos: 1 });
  const on = (topic: string): Seen[] => messages.filter((message) => message.topic === topic);
  return {
    client,
    messages,
    on,
    last: (topic) => on(topic).at(-1),
    json: (topic) => JSON.parse(on(topic).at(-1)?.text ?? 'null') as Record<string, unknown>,
    waitFor: (predicate, what, timeoutMs = 15_000) => until(predicate, timeoutMs, what),
    stop: async () => void (await client.endAsync(true)),
  };
}
