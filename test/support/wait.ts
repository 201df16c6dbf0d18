import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it returns true, or fails after `timeoutMs` with `message`. For what the
 * system promises to reach eventually (a reader catching up, a queue draining), never for timing.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, message: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await sleep(20);
  }
}
