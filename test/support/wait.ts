// Waiting for a condition instead of sleeping for a guessed time.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the failure message: "... waiting for <what>". */
  what: string;
  /** An upper bound for giving up, not a time the test relies on. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `condition` (sync or async) every `intervalMs` until it returns a truthy value, and
 * resolves with that value. Rejects when `timeoutMs` passes first, naming `what`; an error thrown
 * by `condition` ends the wait at once (throw from it to give up early, e.g. when a process died).
 */
export async function waitFor<T>(condition: () => T | Promise<T>, opts: WaitOptions): Promise<NonNullable<T>> {
  const { what, timeoutMs = 10_000, intervalMs = 10 } = opts;
  const started = Date.now();
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started >= timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}
