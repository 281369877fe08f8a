/** Go's `LifecycleHooks`: a ServiceLifecycle shaped for a host framework's start / stop hooks. */
import type { LifecycleRunError } from "../errors.ts";
import type { LifecycleStatus } from "../lifecycle.ts";
import type { ServiceLifecycle } from "./service-lifecycle.ts";

/** Go `LifecycleHookOptions`. */
export interface LifecycleHookOptions {
  lifecycle: ServiceLifecycle;
  /** The lifecycle's async errors (watch, register replay, way out). */
  onError?: (error: LifecycleRunError) => void;
}

export class LifecycleHooks {
  readonly lifecycle: ServiceLifecycle;
  readonly #onError: ((error: LifecycleRunError) => void) | undefined;
  #started = false;

  constructor(options: LifecycleHookOptions) {
    if (!options?.lifecycle) throw new TypeError("lifecycle is required");
    this.lifecycle = options.lifecycle;
    this.#onError = options.onError;
  }

  /**
   * For the host's start hook: starts the lifecycle in the background and returns at once.
   * `signal` only refuses a start already cancelled. It does not bind the lifecycle: hosts bound
   * the start hook itself (e.g. a startup deadline), and that passing must not drain a running
   * service; onStop is the way out.
   */
  async onStart(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#started) return; // start() is idempotent; one reader of its errors is enough
    this.#started = true;
    const errors = this.lifecycle.start();
    void (async () => {
      for await (const error of errors) this.#onError?.(error);
    })();
  }

  /** For the host's stop hook: drain, drain delay, deregister (Go: drain + deregister). */
  async onStop(signal?: AbortSignal): Promise<void> {
    await this.lifecycle.shutdown(signal);
  }

  status(): LifecycleStatus {
    return this.lifecycle.status();
  }
}

export function newLifecycleHooks(options: LifecycleHookOptions): LifecycleHooks {
  return new LifecycleHooks(options);
}
