/**
 * XState's SimulatedClock, plus `expire`: the test says which of the chart's pending timers has
 * come due, and only that one fires. A path is a sequence of causes, and "the liveness timeout
 * passed while a register retry was pending" is one of them, whatever the timing values.
 */
import { type AnyActorRef, SimulatedClock } from "xstate";

interface PendingTimer {
  ms: number;
  run: () => void;
}

export class ModelClock extends SimulatedClock {
  readonly #pending = new Map<number, PendingTimer>();

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    let id = -1;
    const run = () => {
      this.#pending.delete(id);
      fn();
    };
    id = super.setTimeout(run, timeout);
    this.#pending.set(id, { ms: timeout, run });
    return id;
  }

  override clearTimeout(id: number): void {
    this.#pending.delete(id);
    super.clearTimeout(id);
  }

  /** Fires now the timer the actor's system scheduled for `eventType` (e.g. `xstate.after.drainDelay.…`). */
  expire(actor: AnyActorRef, eventType: string): void {
    const scheduled = Object.values(actor.system.getSnapshot()._scheduledEvents);
    const index = scheduled.findIndex((event) => event.event.type === eventType);
    const wanted = scheduled[index];
    if (wanted === undefined) {
      const names = scheduled.map((event) => event.event.type).join(", ") || "none";
      throw new Error(`no timer is pending for ${eventType} (pending: ${names})`);
    }
    // The scheduler and this clock add and remove timers in lockstep, so positions match;
    // the delay double-checks it, and alone decides when it is unambiguous.
    const pending = [...this.#pending.values()];
    const sameDelay = pending.filter((timer) => timer.ms === wanted.delay);
    const timer =
      pending.length === scheduled.length && pending[index]?.ms === wanted.delay
        ? pending[index]
        : sameDelay.length === 1
          ? sameDelay[0]
          : undefined;
    if (timer === undefined) {
      throw new Error(`cannot tell which clock timer is ${eventType} (${wanted.delay} ms)`);
    }
    const id = [...this.#pending].find(([, entry]) => entry === timer)?.[0] as number;
    super.clearTimeout(id);
    timer.run();
  }
}
