/** First retry waits at most this long, so a replay after an agent restart lands fast. */
export const BACKOFF_BASE_MS = 100;

/**
 * Growth of the backoff window per failed attempt. Not 2: with doubling a window is already
 * 400–800 ms by the fourth failure; with 1.5 the windows run 100, 150, 225, 337, 506, 759 ms,
 * then the cap.
 */
export const BACKOFF_FACTOR = 1.5;

/**
 * Exponential backoff with full jitter, for the register and drain/deregister retries: attempt 0
 * waits up to `BACKOFF_BASE_MS`, each later attempt up to `BACKOFF_FACTOR` times as long, never
 * more than `cap` (the reconnectInterval). A live agent refused the call, or a shutdown deadline
 * is running: the first retry comes fast. `random` is a number in [0, 1), passed in so the
 * function stays pure.
 */
export function backoffDelay(attempt: number, cap: number, random: number): number {
  const ceiling = Math.min(cap, BACKOFF_BASE_MS * BACKOFF_FACTOR ** Math.max(0, attempt));
  return Math.floor(random * ceiling);
}

/** The reconnect period while an agent restarts: the first waits' window, and their spacing. */
export const RECONNECT_PERIOD_MS = 250;

/** Reconnects after the first that keep the period before the windows grow (×BACKOFF_FACTOR). */
export const RECONNECT_STEADY_ATTEMPTS = 3;

/** A later reconnect waits between (1 − this) of its window and the whole window. */
export const RECONNECT_JITTER = 0.2;

/**
 * The wait before a reconnect. A lost stream usually means the agent is restarting, and every
 * service of the host lost it in the same millisecond, so the schedule is a jittered phase, then
 * a steady period, then growth:
 * - attempt 0 waits a random phase in [0, RECONNECT_PERIOD_MS): the host's services spread out;
 * - attempts 1 to RECONNECT_STEADY_ATTEMPTS wait one period each (less up to RECONNECT_JITTER),
 *   so each service keeps its phase and probes the agent about four times a second;
 * - later attempts wait a window grown ×BACKOFF_FACTOR per attempt (375, 562, 843 ms), capped at
 *   `cap` (the reconnectInterval), less up to RECONNECT_JITTER: a dead agent is not hammered.
 * Against full jitter over growing windows (what the retries use), the gap between two attempts
 * stays under the period early on, so the wait from the agent being back to the replay has a
 * short tail (`npm run bench`, ten runs: p90 153–219 ms, the longest 213–243 ms; full
 * jitter gave p90 156–360 and a longest of 229–714), and an outage costs fewer failed attempts
 * (the bench's 500 lifecycles, agent down 200 ms: 318–370 failed reconnects where full jitter made
 * 482–984; README "Backoff").
 */
export function reconnectDelay(attempt: number, cap: number, random: number): number {
  const period = Math.min(cap, RECONNECT_PERIOD_MS);
  if (attempt <= 0) return Math.floor(random * period);
  const growth = Math.max(0, attempt - RECONNECT_STEADY_ATTEMPTS);
  const window = Math.min(cap, RECONNECT_PERIOD_MS * BACKOFF_FACTOR ** growth);
  return Math.floor(window * (1 - RECONNECT_JITTER + RECONNECT_JITTER * random));
}
