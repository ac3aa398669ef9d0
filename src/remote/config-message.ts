// A message on <topicPrefix>/config/set, parsed at the edge: `{ id, config, version?, signature? }`.
// Anything else (not JSON, too large, the wrong shape) becomes a refusal with every problem, and
// the id when one could be read, so the sender can be answered. Never throws.

/** Larger than any config a Pi runs: a bigger payload is refused unread. */
export const MAX_CONFIG_MESSAGE_BYTES = 256 * 1024;
const MAX_ID_LENGTH = 200;

export interface ConfigMessage {
  id: string;
  config: Record<string, unknown>;
  version?: number;
  signature?: string;
}

export type ConfigMessageParse = { ok: true; message: ConfigMessage } | { ok: false; id: string | null; errors: string[] };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The id of a message that is otherwise wrong, when it has a usable one. */
function readableId(data: Record<string, unknown>): string | null {
  const { id } = data;
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : null;
}

export function parseConfigMessage(payload: Buffer): ConfigMessageParse {
  if (payload.length > MAX_CONFIG_MESSAGE_BYTES) {
    return { ok: false, id: null, errors: [`config/set: the message is ${payload.length} bytes (at most ${MAX_CONFIG_MESSAGE_BYTES})`] };
  }
  let data: unknown;
  try {
    data = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    return { ok: false, id: null, errors: [`config/set: not valid JSON (${(error as Error).message})`] };
  }
  if (!isRecord(data)) return { ok: false, id: null, errors: ['config/set: expected a JSON object {"id": ..., "config": {...}}'] };
  const id = readableId(data);
  const errors: string[] = [];
  if (id === null) errors.push(`config/set: id: ${data.id === undefined ? 'missing' : 'is not'} a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  if (!isRecord(data.config)) errors.push(`config/set: config: ${data.config === undefined ? 'missing' : 'is not'} a mapping of settings (a whole config)`);
  const { version, signature } = data;
  if (version !== undefined && !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 1)) {
    errors.push(`config/set: version: ${JSON.stringify(version)} is not a whole number of at least 1`);
  }
  if (signature !== undefined && typeof signature !== 'string') errors.push('config/set: signature: is not a base64 string');
  const unknown = Object.keys(data).filter((key) => !['id', 'config', 'version', 'signature'].includes(key));
  if (unknown.length > 0) errors.push(`config/set: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected id, config, version, signature)`);
  if (errors.length > 0 || id === null || !isRecord(data.config)) return { ok: false, id, errors };
  const message: ConfigMessage = { id, config: data.config };
  if (typeof version === 'number') message.version = version;
  if (typeof signature === 'string') message.signature = signature;
  return { ok: true, message };
}
