/**
 * Go's `ServiceLifecycle`: the runtime shaped for a service's start and exit paths. Every call
 * goes to the one chart; start() is idempotent and hands back the async errors.
 */

import { failureOf } from "../../machines/errors.ts";
import type { LifecycleStateName } from "../../machines/state-name.ts";
import { LifecycleRunError } from "../errors.ts";
import { type LifecycleStatus, onStateChange } from "../lifecycle.ts";
import { checkGracePeriod } from "./controller.ts";
import { ErrorQueue } from "./error-queue.ts";
import { type GRPCDescriptorOptions, newServiceRegistrationFromGRPC } from "./grpc.ts";
import type { ServiceRegistration } from "./registration.ts";
import { ServiceRegistrationProvider } from "./registration.ts";
import {
  type AnyLocalRuntime,
  type LocalRuntimeOptions,
  newLocalRuntime,
  newLocalRuntimeFromServiceRegistration,
} from "./runtime.ts";

/** Go `LifecycleOptions`. */
export interface LifecycleOptions {
  runtime: AnyLocalRuntime;
  /** Grace period sent with drain (Go duration). Default: the runtime's (`20s`). */
  gracePeriod?: string;
}

export interface StartOptions {
  /** Aborting it starts the way out (drain, deregister). */
  signal?: AbortSignal;
  /** False holds the first register until serverReady() (a readiness gate). Default true. */
  serverReady?: boolean;
}

function asRunError(error: unknown): LifecycleRunError {
  if (error instanceof LifecycleRunError) return error;
  return new LifecycleRunError(failureOf(error));
}

export class ServiceLifecycle {
  readonly runtime: AnyLocalRuntime;
  readonly gracePeriod: string;
  #errors: ErrorQueue<LifecycleRunError> | undefined;

  constructor(options: LifecycleOptions) {
    if (!options?.runtime) throw new TypeError("lifecycle runtime is required");
    const gracePeriod = options.gracePeriod ?? options.runtime.controller.lifecycle.options.gracePeriod;
    checkGracePeriod(gracePeriod);
    this.runtime = options.runtime;
    this.gracePeriod = gracePeriod.trim();
  }

  /** The running XState actor of the lifecycle chart. */
  get actor(): AnyLocalRuntime["actor"] {
    return this.runtime.actor;
  }

  /**
   * Starts watching the agent and registering, in the background. Idempotent: later calls
   * return the same iterable. It yields every error the lifecycle records, as
   * LifecycleRunErrors (the oldest dropped beyond 64 unread), and ends when the lifecycle does.
   */
  start(options: StartOptions = {}): AsyncIterable<LifecycleRunError> {
    if (this.#errors) return this.#errors;
    const errors = new ErrorQueue<LifecycleRunError>();
    this.#errors = errors;
    const off = this.runtime.controller.addErrorHandler((error) => errors.push(asRunError(error)));
    this.runtime.runner
      .run(options.signal, { serverReady: options.serverReady, gracePeriod: this.gracePeriod })
      .catch((error: unknown) => errors.push(asRunError(error)))
      .finally(() => {
        off();
        errors.close();
      });
    return errors;
  }

  /** The business server accepts connections: registering may begin (see StartOptions.serverReady). */
  serverReady(): void {
    this.runtime.controller.lifecycle.serverReady();
  }

  /** Drains with the lifecycle's grace period (see Controller.drain). */
  drain(signal?: AbortSignal): Promise<void> {
    return this.runtime.controller.drain(this.gracePeriod, signal);
  }

  deregister(signal?: AbortSignal): Promise<void> {
    return this.runtime.controller.deregister(signal);
  }

  /** Drain, wait the drain delay, stop the business server (if managed), deregister. */
  shutdown(signal?: AbortSignal): Promise<LifecycleStatus> {
    return this.runtime.controller.shutdown(this.gracePeriod, signal);
  }

  status(): LifecycleStatus {
    return this.runtime.controller.status();
  }

  /** Calls `listener` with each new leaf state (and the status then); returns the unsubscribe function. */
  onStateChange(listener: (state: LifecycleStateName, status: LifecycleStatus) => void): () => void {
    return onStateChange(this.actor, listener);
  }
}

export function newServiceLifecycle(options: LifecycleOptions): ServiceLifecycle {
  return new ServiceLifecycle(options);
}

export type ServiceLifecycleOptions = Omit<LifecycleOptions, "runtime">;

/** Go `NewServiceLifecycleFromServiceRegistration`: rejects before any request when the agent would refuse it. */
export async function newServiceLifecycleFromServiceRegistration(
  descriptor: ServiceRegistration,
  runtimeOptions: LocalRuntimeOptions = {},
  lifecycleOptions: ServiceLifecycleOptions = {},
): Promise<ServiceLifecycle> {
  const runtime = await newLocalRuntimeFromServiceRegistration(descriptor, runtimeOptions);
  return new ServiceLifecycle({ ...lifecycleOptions, runtime });
}

/** Go `NewServiceLifecycleFromGRPC`: registers every method path of `rawServices`. */
export async function newServiceLifecycleFromGRPC(
  descriptorOptions: GRPCDescriptorOptions,
  runtimeOptions: LocalRuntimeOptions = {},
  lifecycleOptions: ServiceLifecycleOptions = {},
): Promise<ServiceLifecycle> {
  const provider = new ServiceRegistrationProvider(newServiceRegistrationFromGRPC(descriptorOptions));
  const runtime = await newLocalRuntime(provider, runtimeOptions);
  return new ServiceLifecycle({ ...lifecycleOptions, runtime });
}
