/**
 * Go's `Runner`: feeds an EventSource into the chart. The chart makes every decision (register
 * on `connected`, reconnect with backoff, liveness); the Runner only wires the source in and
 * waits for the chart to finish.
 */
import { toPromise } from "xstate";
import { LifecycleRunError } from "../errors.ts";
import type { ErrorHandler } from "../options.ts";
import { type AnyController, LifecycleFinishedError } from "./controller.ts";
import type { EventSource } from "./watch-source.ts";

export interface RunOptions {
  /** False holds the first register until the business server reports ready. Default true. */
  serverReady?: boolean;
  /** Grace period of the drain that aborting `signal` starts. Default: the runtime's. */
  gracePeriod?: string;
}

export class Runner {
  readonly source: EventSource;
  readonly controller: AnyController;
  readonly onError: ErrorHandler | undefined;

  constructor(source: EventSource, controller: AnyController, onError?: ErrorHandler) {
    this.source = source;
    this.controller = controller;
    this.onError = onError;
  }

  /**
   * Starts the chart over the source and resolves once it reached its end (after a shutdown).
   * Aborting `signal` starts the way out (drain, deregister). Errors along the way go to
   * `onError`; the way out's own failure rejects with a LifecycleRunError.
   */
  async run(signal?: AbortSignal, options: RunOptions = {}): Promise<void> {
    const { actor } = this.controller;
    if (actor.getSnapshot().status === "done") {
      throw new LifecycleRunError(new LifecycleFinishedError("run"));
    }
    this.controller.useSource(this.source);
    const off = this.onError ? this.controller.addErrorHandler(this.onError) : () => {};
    const stop = () => {
      this.controller.shutdown(options.gracePeriod).catch(() => {}); // its failure is the run's output, below
    };
    try {
      signal?.addEventListener("abort", stop, { once: true });
      actor.send({ type: "START", serverReady: options.serverReady });
      if (signal?.aborted) stop();
      const output = await toPromise(actor);
      if (output.error) throw new LifecycleRunError(output.error);
    } finally {
      signal?.removeEventListener("abort", stop);
      off();
    }
  }
}

export function newRunner(source: EventSource, controller: AnyController, onError?: ErrorHandler): Runner {
  if (!source || typeof source.subscribe !== "function") throw new TypeError("event source is required");
  if (!controller) throw new TypeError("controller is required");
  return new Runner(source, controller, onError);
}
