// A test subscriber: collects the readings (by seq), status and health messages a broker delivers.
import mqtt, { type MqttClient } from 'mqtt';

export interface ReceivedReading {
  topic: string;
  /** 0 when the payload has none (README: de-duplicate on (device, epoch, seq)). */
  epoch: number;
  seq: number;
  ts: number;
  v: Record<string, number>;
  retain: boolean;
  /** "unsynced" or "corrected" for a reading of an unsynchronized clock; absent otherwise. */
  clock?: string;
}

export interface Subscriber {
  client: MqttClient;
  readings: ReceivedReading[];
  statuses: Array<Record<string, unknown>>;
  /** The health messages (`<prefix>/health`, issue 22), kept apart from the readings. */
  healths: Array<Record<string, unknown>>;
  seqs(): Set<number>;
  /** Resolves once every seq in 1..lastSeq was received at least once. */
  waitForAll(lastSeq: number, timeoutMs?: number): Promise<void>;
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startSubscriber(url: string, topic = 'sensors/#'): Promise<Subscriber> {
  const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 200, clientId: `test-sub-${Math.random().toString(16).slice(2)}` });
  const readings: ReceivedReading[] = [];
  /** Every seq received, kept as they arrive: rebuilding it per check costs O(readings) each time. */
  const received = new Set<number>();
  const statuses: Array<Record<string, unknown>> = [];
  const healths: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  client.on('message', (messageTopic, payload, packet) => {
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    if (messageTopic.endsWith('/status')) statuses.push(body);
    else if (messageTopic.endsWith('/health')) healths.push(body);
    else {
      const reading: ReceivedReading = { topic: messageTopic, epoch: (body.epoch as number | undefined) ?? 0, seq: body.seq as number, ts: body.ts as number, v: body.v as Record<string, number>, retain: packet.retain };
      if (typeof body.clock === 'string') reading.clock = body.clock;
      readings.push(reading);
      received.add(reading.seq);
    }
    for (const listener of listeners) listener();
  });
  await client.subscribeAsync(topic, { qos: 2 });

  const waitFor = (predicate: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> =>
    new Promise((resolve, reject) => {
      if (predicate()) return resolve();
      let checkedAt = 0;
      const check = (): void => {
        checkedAt = Date.now();
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      // Per message at most every 100 ms: a predicate over every reading received, checked on each of
      // 100,000 messages, would keep this process too busy to read them (the poll covers the rest).
      const onMessage = (): void => {
        if (Date.now() - checkedAt >= 100) check();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(check, 100);
      const cleanup = (): void => {
        clearTimeout(timer);
        clearInterval(poll);
        listeners.delete(onMessage);
      };
      listeners.add(onMessage);
    });

  const seqs = (): Set<number> => new Set(received);
  return {
    client,
    readings,
    statuses,
    healths,
    seqs,
    waitFor,
    waitForAll: (lastSeq, timeoutMs = 30_000) =>
      waitFor(
        () => {
          const received = seqs();
          for (let seq = 1; seq <= lastSeq; seq += 1) if (!received.has(seq)) return false;
          return true;
        },
        timeoutMs,
        `every seq from 1 to ${lastSeq}`,
      ),
    stop: async () => {
      await client.endAsync(true);
    },
  };
}

/** The seqs in 1..lastSeq that never arrived. */
export function missingSeqs(received: Iterable<number>, lastSeq: number): number[] {
  const seen = received instanceof Set ? (received as Set<number>) : new Set(received);
  const missing: number[] = [];
  for (let seq = 1; seq <= lastSeq; seq += 1) if (!seen.has(seq)) missing.push(seq);
  return missing;
}
