/**
 * Paces the registers one process sends to one agent. Each lifecycle already waits its own
 * jittered backoff, but when a garbage-collector pause or a busy turn holds the event loop, every
 * reconnect timer that came due meanwhile fires back to back, and their registers would reach the
 * restarted agent as one burst. Two bounds stop that:
 * - a token bucket: `burst` at once, then `perMs` a millisecond, so any 10 ms lets at most
 *   `burst + 10 × perMs` leave whatever the loop does;
 * - at most `inFlight` unanswered: when the agent answers slowly, more would queue inside the
 *   connection pool and leave together as its answers come back, out of the bucket's reach.
 * A register that finds both free leaves at once (a lone lifecycle's replay never waits). Waiting
 * counts against the call's own timeout: the caller aborts its signal to leave the queue.
 */
export interface Pace {
  burst: number;
  perMs: number;
  inFlight: number;
}

interface Waiter {
  resolve: () => void;
  signal: AbortSignal;
  leave: () => void;
}

export class RegisterPacer {
  readonly #pace: Pace;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;
  #inFlight = 0;
  readonly #waiting: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(pace: Pace, now: () => number = () => performance.now()) {
    this.#pace = pace;
    this.#now = now;
    this.#tokens = pace.burst;
    this.#refilledAt = now();
  }

  /**
   * Resolves when this register may leave, then counts it in flight until `done()`; rejects with
   * the signal's reason if the signal is aborted first (and then needs no `done()`).
   */
  take(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#waiting.length === 0 && this.#mayLeave()) {
      this.#leave();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        signal,
        leave: () => {
          this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", waiter.leave, { once: true });
      this.#waiting.push(waiter);
      this.#schedule();
    });
  }

  /** The register that `take` let go was answered (or failed). */
  done(): void {
    this.#inFlight -= 1;
    this.#release();
  }

  /** Registers waiting for their turn now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #mayLeave(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#pace.burst, this.#tokens + (now - this.#refilledAt) * this.#pace.perMs);
    this.#refilledAt = now;
    return this.#tokens >= 1 && this.#inFlight < this.#pace.inFlight;
  }

  #leave(): void {
    this.#tokens -= 1;
    this.#inFlight += 1;
  }

  #release(): void {
    while (this.#waiting.length > 0 && this.#mayLeave()) {
      const waiter = this.#waiting.shift() as Waiter;
      waiter.signal.removeEventListener("abort", waiter.leave);
      this.#leave();
      waiter.resolve();
    }
    this.#schedule();
  }

  /** A timer for the next token, when registers wait for one; an answer wakes those that wait for a slot. */
  #schedule(): void {
    if (this.#waiting.length === 0 || this.#tokens >= 1) {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#release();
      },
      Math.ceil((1 - this.#tokens) / this.#pace.perMs),
    );
  }
}
