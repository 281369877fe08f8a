/**
 * Go's `LocalRuntime`: the client, the watch source, the controller (which holds the chart)
 * and the runner, assembled for one service. Exposes the running XState actor.
 */

import type { RegisterRequest } from "../../machines/types.ts";
import { JSONHTTPClient } from "../agent/http-client.ts";
import {
  DefaultAdminBaseURL,
  DefaultReconnectInterval,
  DefaultRequestTimeout,
  DefaultWatchPath,
} from "../defaults.ts";
import { type RuntimeOptions, resolveOptions } from "../options.ts";
import type { ServiceNode } from "../v2/types.ts";
import { type ClientFor, Controller } from "./controller.ts";
import {
  type DescriptorProvider,
  type ServiceRegistration,
  ServiceRegistrationProvider,
} from "./registration.ts";
import { Runner } from "./runner.ts";
import { WatchSource } from "./watch-source.ts";

/** Go `LocalRuntimeOptions` (baseURL, watchURL, requestTimeout, reconnectInterval, onError) and the rest of RuntimeOptions. */
export type LocalRuntimeOptions = RuntimeOptions;

/** The Go defaults for an agent at `baseURL` (Go `DefaultLocalRuntimeOptions`). */
export function defaultLocalRuntimeOptions(baseURL: string = DefaultAdminBaseURL): LocalRuntimeOptions {
  const base = baseURL.trim() || DefaultAdminBaseURL;
  return {
    baseURL: base,
    watchURL: `${base.replace(/\/+$/, "")}${DefaultWatchPath}`,
    requestTimeout: DefaultRequestTimeout,
    reconnectInterval: DefaultReconnectInterval,
  };
}

/** A runtime of either contract. */
export type AnyLocalRuntime = LocalRuntime<RegisterRequest> | LocalRuntime<ServiceNode>;

export class LocalRuntime<R extends RegisterRequest | ServiceNode = RegisterRequest> {
  readonly client: ClientFor<R>;
  readonly source: WatchSource;
  readonly controller: Controller<R>;
  readonly runner: Runner;

  constructor(client: ClientFor<R>, source: WatchSource, controller: Controller<R>, runner: Runner) {
    this.client = client;
    this.source = source;
    this.controller = controller;
    this.runner = runner;
  }

  /** The running XState actor of the lifecycle chart. */
  get actor(): Controller<R>["actor"] {
    return this.controller.actor;
  }

  /** Drains with the last registered request (see Controller.drain). */
  drain(gracePeriod?: string, signal?: AbortSignal): Promise<void> {
    return this.controller.drain(gracePeriod, signal);
  }

  /** Deregisters with the last registered request (see Controller.deregister). */
  deregister(signal?: AbortSignal): Promise<void> {
    return this.controller.deregister(signal);
  }
}

/**
 * Assembles a runtime for `provider`'s request (Go `NewLocalRuntime`). Rejects before anything
 * is sent when the options are bad or the agent would refuse the request (every problem listed).
 */
export async function newLocalRuntime(
  provider: DescriptorProvider,
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime> {
  if (!provider || typeof provider.buildRegisterRequest !== "function") {
    throw new TypeError("descriptor provider is required");
  }
  const resolved = resolveOptions(options);
  const request = await provider.buildRegisterRequest();
  const ownClient = options.client
    ? undefined
    : new JSONHTTPClient(resolved.baseURL, resolved.requestTimeout);
  const client = options.client ?? (ownClient as JSONHTTPClient);
  const source = new WatchSource(resolved.watchURL, resolved.timing.reconnectInterval, {
    maxFrameSize: resolved.maxFrameSize,
  });
  const { onError, ...chartOptions } = options;
  let controller: Controller;
  try {
    // createLifecycle, under the Controller, refuses a request the agent would refuse.
    controller = new Controller(client, request, chartOptions);
  } catch (error) {
    await ownClient?.close();
    throw error;
  }
  // The pooled connections to the agent go when the lifecycle ends, so a process can exit.
  if (ownClient) controller.finished().finally(() => ownClient.destroy());
  return new LocalRuntime(client, source, controller, new Runner(source, controller, onError));
}

/** Go `NewLocalRuntimeFromServiceRegistration`. */
export function newLocalRuntimeFromServiceRegistration(
  descriptor: ServiceRegistration,
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime> {
  return newLocalRuntime(new ServiceRegistrationProvider(descriptor), options);
}

/** Go `NewJSONHTTPClient`: a pooled JSON-over-HTTP client to the agent at `baseURL`. */
export function newJSONHTTPClient(baseURL?: string, timeout?: number): JSONHTTPClient {
  return new JSONHTTPClient(baseURL, timeout);
}
