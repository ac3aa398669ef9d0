// Outputs from the status page: the WebSocket's `{"output":"pump","state":1,"for":"5s"}` turned
// into a command with its source (`page <client address>`). The status port decides who may write
// (only with status.token set, after the token and Origin checks); this adapter checks the body.
import type { PageOutputCommands } from '../status/ws-protocol.js';
import { MAX_COMMAND_BYTES, parseCommandBody } from './output-command.js';
import type { OutputSet } from './output-set.js';

const PAGE_KEYS = new Set(['output', 'state', 'for', 'ts']);

export function pageCommands(outputs: OutputSet): PageOutputCommands {
  return {
    command: async ({ output, body, bytes }, remote) => {
      const source = `page ${remote}`;
      if (bytes > MAX_COMMAND_BYTES) return outputs.refuse(output, source, 'oversized', `message is ${bytes} bytes (at most ${MAX_COMMAND_BYTES})`) as { ok: false; detail: string };
      const parsed = parseCommandBody(body, PAGE_KEYS);
      if (!parsed.ok) return outputs.refuse(output, source, parsed.reason, parsed.detail) as { ok: false; detail: string };
      const result = await outputs.submit(output, parsed.command, source);
      return result.ok ? result : { ok: false, detail: result.detail };
    },
    refuse: (output, remote, detail) => void outputs.refuse(output, `page ${remote}`, 'read-only', detail),
  };
}
