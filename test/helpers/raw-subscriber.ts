// A subscriber that keeps every message as it came (batches included), expanded into readings.
import mqtt, { type MqttClient } from 'mqtt';
import { decodeBatchPayload, type BatchPayload } from '../../src/mqtt/payloads.js';
import { decodeSummaryPayload, isSummaryPayload, type SummaryPayload } from '../../src/mqtt/summary-payloads.js';

export interface RawMessage {
  topic: string;
  body: Record<string, unknown>;
  /** The readings in it: one, or a batch's entries (none for summaries). */
  seqs: number[];
  /** The seq ranges of the summaries in it (store.overflow: downsample), each [first, last]. */
  summaries: Array<[number, number]>;
  receivedAt: number;
}

export interface RawSubscriber {
  client: MqttClient;
  messages: RawMessage[];
  /** Every reading seq received, in arrival order. */
  seqs(): number[];
  stop(): Promise<void>;
}

export async function startRawSubscriber(url: string, topic = 'sensors/test/#'): Promise<RawSubscriber> {
  const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 200, clientId: `raw-sub-${Math.random().toString(16).slice(2)}` });
  const messages: RawMessage[] = [];
  client.on('message', (messageTopic, payload) => {
    if (messageTopic.endsWith('/status') || messageTopic.endsWith('/health')) return;
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    if (isSummaryPayload(body)) {
      const summaries = decodeSummaryPayload(body as SummaryPayload).map((summary) => summary.seq);
      messages.push({ topic: messageTopic, body, seqs: [], summaries, receivedAt: Date.now() });
      return;
    }
    const seqs = 'seq0' in body ? decodeBatchPayload(body as unknown as BatchPayload).map((reading) => reading.seq) : [body.seq as number];
    messages.push({ topic: messageTopic, body, seqs, summaries: [], receivedAt: Date.now() });
  });
  await client.subscribeAsync(topic, { qos: 2 });
  return {
    client,
    messages,
    seqs: () => messages.flatMap((message) => message.seqs),
    stop: async () => {
      await client.endAsync(true);
    },
  };
}

/** Seqs in 1..lastSeq missing from `received`. */
