// The WebSocket protocol of the status port: what the server sends, and the few commands a
// client may send, parsed at the edge into typed values (anything else is an error reply).
import type { HistorySnapshot } from './history.js';
import type { StatusReading, StatusSnapshot } from './status-types.js';

export type ServerMessage =
  | { type: 'status'; data: StatusSnapshot }
  /** Once, right after the first status: the last 15 minutes per value (clients extend it from statuses). */
  | { type: 'history'; data: HistorySnapshot }
  | { type: 'reading'; data: StatusReading }
  | { type: 'subscribed'; topic: Topic }
  | { type: 'unsubscribed'; topic: Topic }
  | { type: 'error'; error: string };

export const topics = ['readings'] as const;
export type Topic = (typeof topics)[number];

export type ClientCommand = { kind: 'subscribe'; topic: Topic } | { kind: 'unsubscribe'; topic: Topic };

export type ParseResult = { ok: true; command: ClientCommand } | { ok: false; error: string };

function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && (topics as readonly string[]).includes(value);
}

/** `{"subscribe":"readings"}` and `{"unsubscribe":"readings"}`; errors never echo the input back. */
export function parseClientMessage(data: string | null): ParseResult {
  if (data === null) return { ok: false, error: 'binary messages are not supported; send JSON text' };
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return { ok: false, error: 'message is not valid JSON' };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { ok: false, error: 'message must be a JSON object such as {"subscribe":"readings"}' };
  }
  const keys = Object.keys(message);
  const fields = message as Record<string, unknown>;
  if (keys.length === 1 && (keys[0] === 'subscribe' || keys[0] === 'unsubscribe')) {
    const kind = keys[0];
    const topic = fields[kind];
    if (isTopic(topic)) return { ok: true, command: { kind, topic } };
    return { ok: false, error: `unknown topic; known topics: ${topics.join(', ')}` };
  }
  return { ok: false, error: 'unknown command; known commands: {"subscribe":"readings"}, {"unsubscribe":"readings"}' };
}
