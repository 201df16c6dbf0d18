/** Backoff before a failed message comes back: 200 ms doubling to 10 s, so a broken handler does not spin. */
export function retryDelayMs(consecutiveFailures: number): number {
  return Math.min(10_000, 200 * 2 ** Math.max(0, consecutiveFailures - 1));
}
