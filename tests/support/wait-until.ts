import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** The pause between tries (default a second, what a stack needs; in-process waits pass less). */
  everyMs?: number;
  /** Asked before each try: a reason ends the wait at once (the awaited process exited, say). */
  giveUpIf?: () => string | undefined;
}

/**
 * Tries `check` until it returns a value other than undefined or false, and returns that value.
 * A try that throws counts as not yet; the failure names what never held and the last error.
 */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => T | Promise<T>,
  { everyMs = 1000, giveUpIf = () => undefined }: WaitOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    const reason = giveUpIf();
    if (reason !== undefined) throw new Error(reason);
    const value = await Promise.resolve()
      .then(check)
      .catch((error: unknown) => {
        lastError = error instanceof Error ? error.message : JSON.stringify(error);
        return undefined;
      });
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() > deadline) {
      // The last failure says why it never held (a 503 body, a refused connection).
      const why = lastError === undefined ? '' : ` (last error: ${lastError})`;
      throw new Error(`within ${timeoutMs} ms, never: ${what}${why}`);
    }
    await sleep(everyMs);
  }
}
