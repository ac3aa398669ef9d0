// The one way tests wait for a condition: poll it until it holds or the time is up. A check may be
// synchronous (a count of received messages) or asynchronous (a file's content, an HTTP status).
// Waits driven by events (log lines, WebSocket frames) listen instead and live beside their source.
import { readFile } from 'node:fs/promises';

const pause = (everyMs: number): Promise<void> => new Promise((resolve) => (everyMs === 0 ? setImmediate(resolve) : setTimeout(resolve, everyMs)));

async function poll<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs: number, timedOut: (last: T) => string, everyMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(timedOut(value));
    await pause(everyMs);
  }
}

/** Waits until `predicate` holds, checking every `everyMs` (0: on the next turn of the event loop). */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition', everyMs = 20): Promise<void> {
  await poll(predicate, (ok) => ok, timeoutMs, () => `timed out waiting for ${what}`, everyMs);
}

/** Polls `read` until it returns a value `accept` takes and returns that value; a time-out names the last one. */
export function untilValue<T>(read: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs: number, what: string, everyMs = 50): Promise<T> {
  return poll(read, accept, timeoutMs, (last) => `timed out waiting for ${what}; last: ${JSON.stringify(last)}`, everyMs);
}

/** Waits until the file at `path` (missing counts as empty) has text that `predicate` accepts. */
export function untilFile(path: string, predicate: (text: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return until(async () => predicate(await readFile(path, 'utf8').catch(() => '')), timeoutMs, what);
}
