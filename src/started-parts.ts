// What a start has started so far, so that stopping (or a later part's failed start) stops each of
// them in reverse order (design.md, "Lifecycle"). A part whose stop throws is logged, and the
// parts before it are still stopped. Used by the agent (agent.ts) and its restartable parts (agent-parts.ts).
import type { Logger } from 'pino';

export interface Part {
  name: string;
  stop(): Promise<void>;
}

/** Stops `started` last first, emptying it; a part that fails to stop does not keep the others running. */
export function stopInReverse(started: Part[], log: Logger): () => Promise<void> {
  return async () => {
    for (const part of started.reverse()) {
      try {
        await part.stop();
      } catch (error) {
        log.error({ err: error, part: part.name }, 'stopping a part failed');
      }
    }
  };
}
