/**
 * Waiting on a condition over a server's state: each waiter re-checks when the owner reports a
 * change (a call answered, a stream opened or closed), so tests wait on facts, not on sleeps.
 * Used by the dev agent and by the tests' scriptable agent.
 */
export class Conditions {
  readonly #owner: string;
  readonly #waiters = new Set<() => void>();

  /** `owner` names the server in the timeout message. */
  constructor(owner: string) {
    this.#owner = owner;
  }

  /** Resolves once `check()` holds; rejects after `timeoutMs` naming `what` it waited for. */
  async until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.#owner}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve();
      };
      this.#waiters.add(waiter);
    });
  }

  /** Something changed: every waiter checks again. */
  changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
