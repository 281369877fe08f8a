/** First retry waits at most this long, so a replay after an agent restart lands fast. */
export const BACKOFF_BASE_MS = 100;

/**
 * Exponential backoff with full jitter: attempt 0 waits up to `BACKOFF_BASE_MS`, each later
 * attempt up to twice as long, never more than `cap`. The jitter spreads the services of one
 * host, so a restarted agent is not stormed by all of them in the same millisecond.
 * `random` is a number in [0, 1), passed in so the function stays pure.
 */
export function backoffDelay(attempt: number, cap: number, random: number): number {
  const ceiling = Math.min(cap, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.floor(random * ceiling);
}
