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
  | { type: 'error'; error: string }
  /** The answer to an output command: the confirmed state, or why it was refused. */
  | { type: 'output'; output: string; ok: boolean; state?: 0 | 1 | null; error?: string };

export const topics = ['readings'] as const;
export type Topic = (typeof topics)[number];

export type ClientCommand =
  | { kind: 'subscribe'; topic: Topic }
  | { kind: 'unsubscribe'; topic: Topic }
  /** `{"output":"pump","state":1,"for":"5s"}`: the body is parsed by the outputs (page-commands.ts). */
  | { kind: 'output'; output: string; body: Record<string, unknown>; bytes: number };

/** What the status port needs from the outputs to take the page's commands (interface of its consumer). */
export interface PageOutputCommands {
  /** Checks and carries out one command from the client at `remote`; never throws. */
  command(command: Extract<ClientCommand, { kind: 'output' }>, remote: string): Promise<{ ok: true; state: 0 | 1 | null } | { ok: false; detail: string }>;
  /** Counts and logs a command refused before it got that far (a read-only socket). */
  refuse(output: string, remote: string, detail: string): void;
}

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
  if (keys.includes('output')) {
    if (typeof fields.output !== 'string' || fields.output.length > 64) return { ok: false, error: 'output must be an output id' };
    return { ok: true, command: { kind: 'output', output: fields.output, body: fields, bytes: Buffer.byteLength(data) } };
  }
  if (keys.length === 1 && (keys[0] === 'subscribe' || keys[0] === 'unsubscribe')) {
    const kind = keys[0];
    const topic = fields[kind];
    if (isTopic(topic)) return { ok: true, command: { kind, topic } };
    return { ok: false, error: `unknown topic; known topics: ${topics.join(', ')}` };
  }
  return { ok: false, error: 'unknown command; known commands: {"subscribe":"readings"}, {"unsubscribe":"readings"}, {"output":"<id>","state":1}' };
}
