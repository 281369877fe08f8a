/**
 * Go's `ManagedServer`: one entry point that runs the business server and its agent lifecycle.
 * The chart decides the exit order (drain → drain delay → business shutdown → deregister) and
 * bounds it with its shutdown deadline; this facade starts things, gates readiness, and names
 * the stage a failure came from.
 */
import { toPromise } from "xstate";
import { SidecarLifecycleError } from "../../machines/errors.ts";
import { lifecycleStateName } from "../../machines/state-name.ts";
import {
  ManagedServerStageAgentShutdown,
  ManagedServerStageLifecycle,
  ManagedServerStageServe,
  ManagedServerStageShutdown,
} from "../defaults.ts";
import { type LifecycleRunError, ShutdownTimeoutError } from "../errors.ts";
import { waitForPort } from "../port-probe.ts";
import { onFatalErrors, onTerminationSignals } from "../signals.ts";
import { LifecycleFinishedError } from "./controller.ts";
import type { ServiceLifecycle } from "./service-lifecycle.ts";

export type ManagedServerStage =
  | typeof ManagedServerStageLifecycle
  | typeof ManagedServerStageServe
  | typeof ManagedServerStageShutdown
  | typeof ManagedServerStageAgentShutdown;

/**
 * Runs the business server until it stops (Go `ServeFunc`). Call `ready()` once it accepts
 * connections, or let the registered port answer a TCP connect. `signal` aborts when the
 * server must stop and no ShutdownFunc was given.
 */
export type ServeFunc = (signal: AbortSignal, ready: () => void) => Promise<void>;

/** Stops the business server gracefully (Go `ShutdownFunc`); `signal` aborts when the deadline passed. */
export type ShutdownFunc = (signal: AbortSignal) => Promise<void>;

export interface ManagedServerOptions {
  lifecycle: ServiceLifecycle;
  serve: ServeFunc;
  /** Optional: without it, stopping aborts serve's signal and waits for serve to end. */
  shutdown?: ShutdownFunc;
  /** First SIGTERM/SIGINT starts the graceful exit, a second forces exit code 1. Default false. */
  handleSignals?: boolean;
  /**
   * On `uncaughtException` / `unhandledRejection`: log the error (to the lifecycle's `logger`, else
   * stderr), take the way out (drain, deregister, bounded by the shutdown deadline), exit code 1.
   * Default: `handleSignals`.
   */
  exitOnFatal?: boolean;
  /** Host the readiness probe connects to. Default 127.0.0.1. */
  readinessHost?: string;
  /** The lifecycle's async errors while running (watch, register replay). */
  onError?: (error: LifecycleRunError) => void;
  /** What the server is doing, one line at a time. */
  log?: (message: string) => void;
}

/** A managed server failed in one stage (Go `ManagedServerRunError`). */
export class ManagedServerRunError extends SidecarLifecycleError {
  readonly stage: ManagedServerStage;

  constructor(stage: ManagedServerStage, service: string, cause: unknown) {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    const kind = error instanceof SidecarLifecycleError ? error.kind : "runtime_error";
    super(kind, `managed server ${service}: ${stage} stage failed: ${error.message}`, { cause: error });
    this.stage = stage;
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

export class ManagedServer {
  readonly options: ManagedServerOptions;
  #ran = false;

  constructor(options: ManagedServerOptions) {
    if (!options?.lifecycle) throw new TypeError("managed server lifecycle is required");
    if (typeof options.serve !== "function") throw new TypeError("managed server serve function is required");
    if (options.shutdown !== undefined && typeof options.shutdown !== "function") {
      throw new TypeError("managed server shutdown must be a function");
    }
    this.options = options;
  }

  /**
   * Starts the lifecycle (holding the register until the server is ready) and the server, then
   * exits on `signal` abort, a termination signal (handleSignals), or serve ending: drain →
   * drain delay → business shutdown → deregister. Resolves after a clean exit; rejects with a
   * ManagedServerRunError naming the first failed stage.
   */
  async run({ signal }: { signal?: AbortSignal } = {}): Promise<void> {
    const { lifecycle, serve, shutdown, readinessHost } = this.options;
    const log = this.options.log ?? (() => {});
    const { serviceName, servicePort: port, instance } = lifecycle.runtime.controller.lifecycle.registration;
    const service = instance === `${serviceName}:${port}` ? instance : `${serviceName} ${instance}`;
    const fail = (stage: ManagedServerStage, cause: unknown) =>
      new ManagedServerRunError(stage, service, cause);
    if (this.#ran) throw fail(ManagedServerStageLifecycle, new Error("run() may be called once"));
    this.#ran = true;
    const snapshot = lifecycle.actor.getSnapshot();
    if (snapshot.status === "done")
      throw fail(ManagedServerStageLifecycle, new LifecycleFinishedError("run"));
    if (!snapshot.matches("idle")) {
      // Started elsewhere, it would register without waiting for this server to be ready.
      const state = lifecycleStateName(snapshot.value);
      throw fail(
        ManagedServerStageLifecycle,
        new Error(`the lifecycle is already started (state ${state}): let run() start it`),
      );
    }
    if (signal?.aborted) {
      // Asked to exit before anything started: nothing to serve, nothing registered.
      await lifecycle.shutdown().catch((error: unknown) => {
        throw fail(ManagedServerStageAgentShutdown, error);
      });
      return;
    }

    const exit = deferred<string>();
    let exitReason: string | undefined;
    const requestExit = (reason: string) => {
      if (exitReason) return;
      exitReason = reason;
      log(`exit requested: ${reason}`);
      exit.resolve(reason);
    };

    const serveControl = new AbortController();
    let serveEnded = false;
    let serveError: unknown;
    let serving: Promise<void> = Promise.resolve();
    let shutdownError: unknown;
    let stopping: Promise<void> | undefined;
    // The business stop runs once: the chart calls it between drain delay and deregister (at once
    // when nothing was registered); run() calls it itself only when the deadline passed first.
    const stopServer = (stopSignal: AbortSignal): Promise<void> => {
      stopping ??= (async () => {
        if (serveEnded) return;
        log("stopping the server");
        try {
          if (shutdown) await shutdown(stopSignal);
          else {
            serveControl.abort();
            await serving;
          }
          log("server stopped");
        } catch (error) {
          shutdownError = error;
          throw error;
        }
      })();
      return stopping;
    };
    lifecycle.runtime.controller.useServerStop(stopServer);

    const errors = lifecycle.start({ serverReady: false });
    void (async () => {
      for await (const error of errors) this.options.onError?.(error);
    })();

    const uninstall = this.options.handleSignals
      ? onTerminationSignals(
          (name) => requestExit(name),
          log,
          async () => {
            // The chart sends one deregister bounded by its forceTimeout, then finishes.
            lifecycle.actor.send({ type: "FORCE" });
            await toPromise(lifecycle.actor);
          },
        )
      : () => {};
    let fatal: Error | undefined;
    const uninstallFatal =
      (this.options.exitOnFatal ?? this.options.handleSignals)
        ? onFatalErrors((error, origin) => {
            reportFatal(lifecycle, origin, error);
            fatal ??= error;
            requestExit(`${origin}: ${error.message}`);
          })
        : () => {};
    const onAbort = () => requestExit("abort signal");
    signal?.addEventListener("abort", onAbort, { once: true });

    const gate = new AbortController();
    const ready = () => {
      if (gate.signal.aborted) return;
      gate.abort();
      log("server ready: registering");
      lifecycle.serverReady();
    };
    serving = (async () => serve(serveControl.signal, ready))().then(
      () => {
        serveEnded = true;
        requestExit("serve ended");
      },
      (error: unknown) => {
        serveEnded = true;
        serveError = error;
        requestExit(`serve failed: ${(error as Error)?.message ?? String(error)}`);
      },
    );
    waitForPort(port, gate.signal, readinessHost).then(ready, () => {});

    await exit.promise;
    gate.abort();
    let agentError: unknown;
    try {
      await lifecycle.shutdown();
    } catch (error) {
      agentError = error;
    }
    if (!stopping && agentError !== undefined) {
      // The deadline passed before the chart reached the stop: stop now, without waiting on it.
      stopServer(AbortSignal.abort(agentError)).catch(() => {});
    } else if (agentError === undefined) {
      await stopping?.catch(() => {});
    }
    uninstall();
    uninstallFatal();
    signal?.removeEventListener("abort", onAbort);
    if (fatal) {
      log(`exiting with code 1 after ${fatal.message}`);
      process.exit(1);
    }

    if (serveError !== undefined) throw fail(ManagedServerStageServe, serveError);
    if (shutdownError !== undefined) throw fail(ManagedServerStageShutdown, shutdownError);
    if (agentError !== undefined) {
      const stuckInServerStop =
        agentError instanceof ShutdownTimeoutError && agentError.state === "stoppingServer";
      throw fail(
        stuckInServerStop ? ManagedServerStageShutdown : ManagedServerStageAgentShutdown,
        agentError,
      );
    }
    log("exited cleanly");
  }
}

/** A fatal error, with its stack: Node prints none once its handler is ours. */
function reportFatal(lifecycle: ServiceLifecycle, origin: string, error: Error): void {
  const logger = lifecycle.runtime.controller.lifecycle.options.logger;
  const text = `${origin}: ${error.stack ?? error.message}`;
  if (logger) logger.error({ event: "fatal", origin, error: error.message, stack: error.stack }, text);
  else process.stderr.write(`${text}\n`);
}

export function newManagedServer(options: ManagedServerOptions): ManagedServer {
  return new ManagedServer(options);
}
