/**
 * A bounded async queue of errors: what Go's `<-chan error` becomes. Read it with `for await`
 * (several readers share the errors, each error goes to one); it ends once closed and drained.
 * Unread errors beyond the bound drop the oldest, so a service that never reads them does not
 * grow without limit while an agent stays down.
 */
export class ErrorQueue<E extends Error> implements AsyncIterable<E> {
  readonly #items: E[] = [];
  readonly #limit: number;
  #closed = false;
  readonly #waiting = new Set<() => void>();

  constructor(limit = 64) {
    this.#limit = limit;
  }

  push(error: E): void {
    if (this.#closed) return;
    this.#items.push(error);
    if (this.#items.length > this.#limit) this.#items.shift();
    this.#wakeAll();
  }

  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const wake of this.#waiting) wake();
    this.#waiting.clear();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<E> {
    while (true) {
      const next = this.#items.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#waiting.add(resolve));
    }
  }
}
