/** First retry waits at most this long, so a replay after an agent restart lands fast. */
export const BACKOFF_BASE_MS = 100;

/**
 * Growth of the backoff window per failed attempt. Not 2: an agent restart typically keeps the
 * port closed for up to half a second, and with doubling the window is already 400–800 ms by
 * then, so the replay landed at p90 ≈ 480 ms after the agent was back (`npm run bench` missed
 * its 500 ms p90 target about one run in four). With 1.5 the windows run 100, 150, 225, 337,
 * 506, 759 ms, then the cap: p90 ≈ 270 ms, median ≈ 80 ms, and a long outage still reaches the
 * cap from the seventh wait on, so a dead agent is not hammered.
 */
export const BACKOFF_FACTOR = 1.5;

/**
 * Exponential backoff with full jitter: attempt 0 waits up to `BACKOFF_BASE_MS`, each later
 * attempt up to `BACKOFF_FACTOR` times as long, never more than `cap` (the reconnectInterval).
 * The jitter spreads the services of one host, so a restarted agent is not stormed by all of
 * them in the same millisecond. `random` is a number in [0, 1), passed in so the function
 * stays pure.
 */
export function backoffDelay(attempt: number, cap: number, random: number): number {
  const ceiling = Math.min(cap, BACKOFF_BASE_MS * BACKOFF_FACTOR ** Math.max(0, attempt));
  return Math.floor(random * ceiling);
}
