// How long a failed sensor waits before the next try: doubling from its interval (at least 1 s)
// up to 5 minutes, so a missing chip neither floods the log nor stays unnoticed for long.
export const MAX_RETRY_DELAY_MS = 300_000;

export function retryDelayMs(intervalMs: number, consecutiveFailures: number): number {
  const base = Math.max(1000, intervalMs);
  return Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.max(0, Math.min(consecutiveFailures - 1, 20)));
}
