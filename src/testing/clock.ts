/**
 * XState's SimulatedClock, plus `expire`: the test says which of the chart's pending timers has
 * come due, and only that one fires. A path is a sequence of causes, and "the liveness timeout
 * passed while a register retry was pending" is one of them, whatever the timing values.
 */
import { type AnyActorRef, SimulatedClock } from "xstate";

export class ModelClock extends SimulatedClock {
  /** The callback of every timer set and not yet run or cleared, by id. */
  readonly #pending = new Map<number, () => void>();
  #cleared: (() => void) | undefined;

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = super.setTimeout(() => {
      this.#pending.delete(id);
      fn();
    }, timeout);
    this.#pending.set(id, fn);
    return id;
  }

  override clearTimeout(id: number): void {
    this.#cleared = this.#pending.get(id);
    this.#pending.delete(id);
    super.clearTimeout(id);
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
    const fire = this.#cleared as (() => void) | undefined;
    this.#cleared = undefined;
    if (fire === undefined) {
      throw new Error(`no timer is pending for ${eventType} (${this.#pending.size} other timers pending)`);
    }
    fire();
  }
}
