/**
 * Go v0.3's `Agent`: one entry point that builds the ServiceNode from the service's options and
 * its gateway manifest, and runs it on the same chart and facades as v1 (Controller, Runner,
 * ServiceLifecycle, ManagedServer). Only what it registers differs; every decision is the chart's.
 */
import { SidecarLifecycleError } from "../../machines/errors.ts";
import type { HttpClient } from "../agent/http-client.ts";
import {
  DefaultAdminBaseURL,
  DefaultReconnectInterval,
  DefaultRequestTimeout,
  DefaultWatchPath,
} from "../defaults.ts";
import type { LifecycleRunError } from "../errors.ts";
import { Controller, type ControllerOptions } from "../go/controller.ts";
import {
  ManagedServer,
  ManagedServerRunError,
  type ManagedServerStage,
  type ServeFunc,
  type ShutdownFunc,
} from "../go/managed-server.ts";
import { Runner } from "../go/runner.ts";
import { LocalRuntime } from "../go/runtime.ts";
import { ServiceLifecycle } from "../go/service-lifecycle.ts";
import { WatchSource } from "../go/watch-source.ts";
import type { LifecycleStatus } from "../lifecycle.ts";
import type { ErrorHandler } from "../options.ts";
import { resolveOptions } from "../options.ts";
import { ApiClient, newHttpClient } from "./client.ts";
import { DefaultGatewayManifestPath, loadGatewayManifest } from "./manifest.ts";
import { newServiceNode } from "./service-node.ts";
import type { ServiceNode, ServiceOptions } from "./types.ts";

/** Go v0.3 `AgentRunStage*`: the stage an `Agent.run` failure came from. */
export const AgentRunStageLifecycle = "lifecycle";
export const AgentRunStageServe = "serve";
export const AgentRunStageShutdown = "shutdown";
export const AgentRunStageAgentShutdown = "agent_shutdown";
export type AgentRunStage = ManagedServerStage;

/** Go v0.3 `AgentRunError`: `Agent.run` failed in one stage (the stages of ManagedServer). */
export class AgentRunError extends SidecarLifecycleError {
  readonly stage: AgentRunStage;

  constructor(stage: AgentRunStage, cause: Error) {
    super(cause instanceof SidecarLifecycleError ? cause.kind : "runtime_error", cause.message, { cause });
    this.stage = stage;
  }
}

/**
 * Go v0.3 `SidecarAgentConfig` (durations in ms), plus this library's lifecycle options
 * (liveness, drain delay, shutdown deadline …; see README "Options").
 */
export interface SidecarAgentConfig extends Omit<ControllerOptions, "onError"> {
  baseURL?: string;
  watchURL?: string;
  /** Go duration sent with drain. Default `20s`. */
  gracePeriod?: string;
  requestTimeout?: number;
  reconnectInterval?: number;
  /** Default `dep/protobuf/gen/gateway.manifest.json`, relative to the working directory. */
  gatewayManifestPath?: string;
  /** Every asynchronous error (watch, register replay, way out). */
  onError?: ErrorHandler;
  /** The business server's blocking run: `Agent.run` serves it and ties its exit to the lifecycle. */
  serve?: ServeFunc;
  /** The business server's graceful stop, run between the drain delay and deregister. */
  shutdown?: ShutdownFunc;
  /** With `run()`: the first SIGTERM/SIGINT starts the way out, a second forces exit 1 (after one quick deregister). */
  handleSignals?: boolean;
}

/** Go v0.3 `DefaultSidecarAgentConfig`. */
export function defaultSidecarAgentConfig(baseURL: string = DefaultAdminBaseURL): SidecarAgentConfig {
  const base = baseURL.trim() || DefaultAdminBaseURL;
  return {
    baseURL: base,
    watchURL: `${base.replace(/\/+$/, "")}${DefaultWatchPath}`,
    gracePeriod: "20s",
    requestTimeout: DefaultRequestTimeout,
    reconnectInterval: DefaultReconnectInterval,
    gatewayManifestPath: DefaultGatewayManifestPath,
  };
}

export class Agent {
  readonly node: ServiceNode;
  readonly client: ApiClient;
  readonly source: WatchSource;
  readonly controller: Controller<ServiceNode>;
  readonly runner: Runner;
  readonly lifecycle: ServiceLifecycle;
  #config: SidecarAgentConfig;
  #ran = false;

  constructor(node: ServiceNode, client: ApiClient, config: SidecarAgentConfig, http?: HttpClient) {
    const { onError, serve, shutdown, handleSignals, gatewayManifestPath, ...options } = config;
    const resolved = resolveOptions(options);
    this.node = node;
    this.client = client;
    this.source = new WatchSource(resolved.watchURL, resolved.timing.reconnectInterval, {
      maxFrameSize: resolved.maxFrameSize,
    });
    // The ServiceOptions' managed_port (0: none) serves /health /ready /info /metrics unless set here.
    const managedPort = options.managedPort ?? (node.managedPort || undefined);
    this.controller = new Controller<ServiceNode>(client, node, { ...options, managedPort });
    // The pooled connections to the agent go when the lifecycle ends, so a process can exit.
    if (http) this.controller.finished().finally(() => http.destroy());
    // Errors reach onError once: through start()'s queue (run without serve) or ManagedServer.
    this.runner = new Runner(this.source, this.controller);
    const runtime = new LocalRuntime<ServiceNode>(client, this.source, this.controller, this.runner);
    this.lifecycle = new ServiceLifecycle({ runtime, gracePeriod: resolved.gracePeriod });
    this.#config = config;
  }

  /** Go v0.3 `ConfigureRun`: sets serve / shutdown / onError / handleSignals for `run()` after construction. */
  configureRun(config: Pick<SidecarAgentConfig, "serve" | "shutdown" | "onError" | "handleSignals">): void {
    this.#config = {
      ...this.#config,
      ...Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)),
    };
  }

  /** Starts watching and registering in the background; yields the asynchronous errors. Idempotent. */
  start(options: { signal?: AbortSignal } = {}): AsyncIterable<LifecycleRunError> {
    return this.lifecycle.start(options);
  }

  /**
   * Runs the business server (`serve`) with the lifecycle until `signal` aborts, a termination
   * signal (handleSignals) or serve ends, then leaves in this library's order: drain → drain delay →
   * business shutdown → deregister (Go v0.3 stops the server first and waits no drain delay: not
   * copied). Without `serve`, runs the lifecycle alone until `signal` aborts. Rejects with an
   * AgentRunError naming the stage.
   */
  async run({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#ran) throw new AgentRunError(AgentRunStageLifecycle, new Error("run() may be called once"));
    this.#ran = true;
    const { serve, shutdown, handleSignals, onError } = this.#config;
    if (!serve) {
      for await (const error of this.start({ signal })) onError?.(error);
      const { error } = await this.controller.finished();
      if (error) throw new AgentRunError(AgentRunStageAgentShutdown, error);
      return;
    }
    const managed = new ManagedServer({ lifecycle: this.lifecycle, serve, shutdown, handleSignals, onError });
    try {
      await managed.run({ signal });
    } catch (error) {
      if (error instanceof ManagedServerRunError) throw new AgentRunError(error.stage, error.cause as Error);
      throw error;
    }
  }

  /** Drains with the configured grace period (see Controller.drain). */
  drain(signal?: AbortSignal): Promise<void> {
    return this.lifecycle.drain(signal);
  }

  deregister(signal?: AbortSignal): Promise<void> {
    return this.lifecycle.deregister(signal);
  }

  /** Drain, drain delay, business stop (when run manages it), deregister. */
  shutdown(signal?: AbortSignal): Promise<LifecycleStatus> {
    return this.lifecycle.shutdown(signal);
  }

  status(): LifecycleStatus {
    return this.lifecycle.status();
  }
}

/**
 * Go v0.3 `New`: reads the gateway manifest (`config.gatewayManifestPath`), builds and checks the
 * ServiceNode, and assembles the Agent. Rejects before any request with an error naming the file
 * or listing every problem of the node.
 */
export async function newAgent(options: ServiceOptions, config: SidecarAgentConfig = {}): Promise<Agent> {
  if (!options || typeof options !== "object") throw new TypeError("service options are required");
  const manifest = await loadGatewayManifest(config.gatewayManifestPath ?? DefaultGatewayManifestPath);
  const node = newServiceNode(options, manifest);
  const resolved = resolveOptions(config);
  const http = newHttpClient(resolved.baseURL, resolved.requestTimeout);
  try {
    return new Agent(node, new ApiClient(http), config, http);
  } catch (error) {
    await http.destroy();
    throw error;
  }
}
