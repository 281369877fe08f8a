/**
 * XState's SimulatedClock, plus `expire`: the test says which of the chart's pending timers has
 * come due, and only that one fires. A path is a sequence of causes, and "the liveness timeout
 * passed while a register retry was pending" is one of them, whatever the timing values.
 * It also keeps a virtual time (`elapsed`): each timer fired moves it to that timer's due time,
 * so the properties can say when a timer was due relative to a step (a deadline armed in time).
 */
import { type AnyActorRef, SimulatedClock } from "xstate";

/** A timer set and not yet run or cleared. */
export interface PendingTimer {
  /** The delay it was set with, in ms. */
  readonly delay: number;
  /** When it comes due on the virtual time (`elapsed` when it was set, plus `delay`). */
  readonly due: number;
}

interface Entry extends PendingTimer {
  readonly fire: () => void;
}

export class ModelClock extends SimulatedClock {
  readonly #pending = new Map<number, Entry>();
  #cleared: Entry | undefined;
  #elapsed = 0;
  #lastExpired: PendingTimer | undefined;

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = super.setTimeout(() => {
      this.#pending.delete(id);
      fn();
    }, timeout);
    this.#pending.set(id, { fire: fn, delay: timeout, due: this.#elapsed + timeout });
    return id;
  }

  override clearTimeout(id: number): void {
    this.#cleared = this.#pending.get(id);
    this.#pending.delete(id);
    super.clearTimeout(id);
  }

  /** Virtual ms since the clock was made: the due time of the latest timer `expire` fired. */
  get elapsed(): number {
    return this.#elapsed;
  }

  /** The timer the last `expire` fired: the delay the chart chose for it (e.g. a backoff wait). */
  get lastExpired(): PendingTimer | undefined {
    return this.#lastExpired;
  }

  /** Timers set and not yet run or cleared. */
  pending(): PendingTimer[] {
    return [...this.#pending.values()].map(({ delay, due }) => ({ delay, due }));
  }

  /**
   * Fires now the timer `actor` scheduled for `eventType` (e.g. `xstate.after.drainDelay.…`).
   * XState schedules a state's `after` event under its event type, and cancels it by that id on
   * exit; cancelling it the same way through the system's public scheduler hands this clock
   * exactly that timer's callback, which then runs as if it had come due.
   */
  expire(actor: AnyActorRef, eventType: string): void {
    this.#cleared = undefined;
    actor.system.scheduler.cancel(actor, eventType);
    const entry = this.#cleared as Entry | undefined;
    this.#cleared = undefined;
    if (entry === undefined) {
      throw new Error(`no timer is pending for ${eventType} (${this.#pending.size} other timers pending)`);
    }
    this.#elapsed = Math.max(this.#elapsed, entry.due);
    this.#lastExpired = { delay: entry.delay, due: entry.due };
    entry.fire();
  }
}
