/**
 * Go's `Controller` as a facade over the chart: every method sends the chart an event and reads
 * its snapshot; the request, the status and every decision live in the chart's context.
 * Driven by hand (no EventSource), the chart's liveness timeout still runs: call observeEvent()
 * at least every `livenessTimeout` ms, or the chart counts the agent as hung and disconnects.
 */
import { type AnyMachineSnapshot, toPromise, waitFor } from "xstate";
import { SidecarLifecycleError } from "../../machines/errors.ts";
import type { LifecycleEvent, LifecycleOutput } from "../../machines/lifecycle.machine.ts";
import { type LifecycleStateName, lifecycleStateName } from "../../machines/state-name.ts";
import type { ConnectionEvent, RegisterRequest } from "../../machines/types.ts";
import { utcISO } from "../../machines/utc-time.ts";
import { mergeEvents, type OpenStream } from "../actors.ts";
import { parseGoDuration } from "../agent/duration.ts";
import type { Client } from "../agent/http-client.ts";
import { ErrWatchStreamClosed } from "../errors.ts";
import {
  type CreateLifecycleOptions,
  createLifecycle,
  type Lifecycle,
  type LifecycleStatus,
} from "../lifecycle.ts";
import type { ErrorHandler, RuntimeOptions } from "../options.ts";
import type { Client as V2Client } from "../v2/client.ts";
import type { ServiceNode } from "../v2/types.ts";
import type { DescriptorProvider } from "./registration.ts";
import { type EventSource, eventSourceStream } from "./watch-source.ts";

/** Drain or deregister asked for before any register succeeded (Go's wording). */
export class RegisterRequestNotInitializedError extends SidecarLifecycleError {
  constructor() {
    super("runtime_error", "register request is not initialized");
  }
}

/** The chart is on its way out or has finished: it will not register again. */
export class LifecycleFinishedError extends SidecarLifecycleError {
  constructor(operation: string, state: LifecycleStateName = "deregistered") {
    super(
      "runtime_error",
      state === "deregistered"
        ? `${operation}: the lifecycle has already finished (deregistered)`
        : `${operation}: the lifecycle is on its way out (state ${state})`,
    );
  }
}

function stateOf(snapshot: AnyMachineSnapshot): LifecycleStateName {
  return lifecycleStateName(snapshot.value);
}

/** A `connected` event as the agent's watch would carry it, for a Controller driven by hand. */
function connectedEvent(): ConnectionEvent {
  return {
    type: "connected",
    connected: true,
    eventId: "",
    message: "",
    service: "",
    status: "",
    lifecycleState: "",
    generatedAt: utcISO(Date.now()),
  };
}

/** A stream that never yields: the chart's watch while no EventSource feeds it (events come by hand). */
const handDriven: OpenStream = (signal) => ({
  async *[Symbol.asyncIterator]() {
    await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
  },
});

export type ControllerOptions = Omit<CreateLifecycleOptions, "client" | "openStream" | "stopServer">;

/** The client of the contract a registration speaks: v1 `Client` for a RegisterRequest, v2 `Client` for a ServiceNode. */
export type ClientFor<R> = R extends ServiceNode ? V2Client : Client;

/** A Controller of either contract. */
export type AnyController = Controller<RegisterRequest> | Controller<ServiceNode>;

export class Controller<R extends RegisterRequest | ServiceNode = RegisterRequest> {
  readonly client: ClientFor<R>;
  /** The chart handle (createLifecycle): its actor is the one lifecycle every facade shares. */
  readonly lifecycle: Lifecycle<R>;
  #source: EventSource | undefined;
  #stopServer: ((signal: AbortSignal) => Promise<void>) | undefined;
  readonly #errorHandlers = new Set<ErrorHandler>();
  #observed: ConnectionEvent | undefined;
  #observedTurn: NodeJS.Immediate | undefined;

  /**
   * Prefer `newController` (takes a DescriptorProvider); createLifecycle checks `request` either
   * way. A v2 ServiceNode with a v2 client makes the same Controller speak contract v2.
   */
  constructor(client: ClientFor<R>, request: R, options: ControllerOptions = {}) {
    this.client = client;
    this.lifecycle = createLifecycle(request as RegisterRequest | ServiceNode, {
      ...options,
      client,
      openStream: (signal, onActivity) =>
        this.#source ? eventSourceStream(this.#source)(signal, onActivity) : handDriven(signal, onActivity),
      stopServer: async (signal) => this.#stopServer?.(signal),
      onError: (error) => {
        options.onError?.(error);
        for (const handler of this.#errorHandlers) handler(error);
      },
    }) as Lifecycle<R>;
  }

  get actor(): Lifecycle["actor"] {
    return this.lifecycle.actor;
  }

  /** The request (v1) or node (v2) the chart registers, built and checked once, at construction. */
  get request(): R {
    return this.lifecycle.request;
  }

  /** The last successfully registered request (Go's cache), or undefined before the first success. */
  lastRegisteredRequest(): R | undefined {
    const context = this.actor.getSnapshot().context;
    return context.status.registerReplayCount > 0 ? this.lifecycle.request : undefined;
  }

  /** Feeds the chart's watch from this source from the next watch attempt on (the Runner does this). */
  useSource(source: EventSource): void {
    this.#source = source;
  }

  /** The business server's graceful stop, run by the chart between the drain delay and deregister. */
  useServerStop(stop: (signal: AbortSignal) => Promise<void>): void {
    this.#stopServer = stop;
  }

  /** Every error the chart reports, from now on; returns the unsubscribe function. */
  addErrorHandler(handler: ErrorHandler): () => void {
    const guarded: ErrorHandler = (error) => {
      try {
        handler(error);
      } catch (thrown) {
        this.lifecycle.options.log(`onError handler threw: ${(thrown as Error)?.message ?? String(thrown)}`);
      }
    };
    this.#errorHandlers.add(guarded);
    return () => this.#errorHandlers.delete(guarded);
  }

  /**
   * The agent connection is up: register (replay) now. Resolves once the agent accepted it;
   * rejects with the RegisterReplayError when it refused (the chart retries on its own).
   */
  async onConnected(signal?: AbortSignal): Promise<void> {
    this.#assertNotFinished("onConnected");
    this.#send({ type: "START" });
    // From `disconnected`, the chart goes back online after its own backoff.
    const online = await waitFor(
      this.actor,
      (s) => s.matches({ running: "online" }) || !s.matches("running"),
      {
        signal,
      },
    );
    if (!online.matches("running")) throw new LifecycleFinishedError("onConnected", stateOf(online));
    let failure: Error | undefined;
    const off = this.addErrorHandler((error) => {
      failure = error;
    });
    try {
      // A `connected` re-arms the liveness timer itself: no separate activity step.
      this.#send({ type: "WATCH.CONNECTED", event: connectedEvent() });
      const settled = await waitFor(
        this.actor,
        (s) => !["connected", "awaitingServer"].includes(stateOf(s)),
        {
          signal,
        },
      );
      const state = stateOf(settled);
      if (state === "registered") return;
      throw failure ?? new Error(`register interrupted: the lifecycle went to ${state}`);
    } finally {
      off();
    }
  }

  /** The agent connection is gone (with its error, if known): the chart reconnects. */
  onDisconnected(err?: Error): void {
    this.#send({ type: "WATCH.FAILED", error: err ?? new ErrWatchStreamClosed() });
  }

  /**
   * Records the event's type, id and time in the status (a heartbeat is not a disconnect), and
   * proves the agent alive. Events observed in one I/O turn reach the chart as one (the last, with
   * the latest readiness either said), at the turn's end or before anything else this Controller
   * does, `status()` included: a burst costs one chart step, and nothing this Controller reports
   * lags behind what it was told.
   */
  observeEvent(event: ConnectionEvent): void {
    this.#observed = mergeEvents(this.#observed, event);
    this.#observedTurn ??= setImmediate(this.#flushObserved);
  }

  /** Sends what `observeEvent` gathered this turn: the proof of life, then the event. */
  readonly #flushObserved = (): void => {
    clearImmediate(this.#observedTurn);
    this.#observedTurn = undefined;
    const event = this.#observed;
    if (event === undefined) return;
    this.#observed = undefined;
    this.actor.send({ type: "WATCH.ACTIVITY" });
    this.actor.send({ type: "OBSERVE_EVENT", event });
  };

  /** Every event this Controller sends goes after what was observed before it. */
  #send(event: LifecycleEvent): void {
    this.#flushObserved();
    this.actor.send(event);
  }

  /** Writes the error into the status snapshot (`lastError*`, classified by kind). */
  recordError(err: Error): void {
    this.#send({ type: "RECORD_ERROR", error: err });
  }

  /**
   * Drains the last registered instance with `gracePeriod` (Go duration; default the runtime's).
   * The watch stops (a replay would undo the drain); the chart then holds until deregister()
   * or shutdown(). Rejects with `register request is not initialized` before any register
   * succeeded, and with the chart's error when the drain failed up to the shutdown deadline.
   */
  async drain(gracePeriod?: string, signal?: AbortSignal): Promise<void> {
    if (gracePeriod !== undefined) checkGracePeriod(gracePeriod);
    this.#request({ type: "DRAIN", gracePeriod: gracePeriod?.trim() }, "drain");
    const settled = await waitFor(this.actor, (s) => !["draining", "drainRetry"].includes(stateOf(s)), {
      signal,
    });
    if (settled.status === "done" && settled.output?.error) throw settled.output.error;
  }

  /** Deregisters the last registered instance (drained or not) and ends the lifecycle. */
  async deregister(signal?: AbortSignal): Promise<void> {
    this.#request({ type: "DEREGISTER" }, "deregister");
    await this.#finished(signal);
  }

  /**
   * The whole way out: stop the watch, drain (with `gracePeriod` when given), wait the drain
   * delay, stop the business server, deregister. Resolves with the final status.
   */
  async shutdown(gracePeriod?: string, signal?: AbortSignal): Promise<LifecycleStatus> {
    if (gracePeriod !== undefined) checkGracePeriod(gracePeriod);
    if (this.actor.getSnapshot().status !== "done") {
      this.#send({ type: "SHUTDOWN", gracePeriod: gracePeriod?.trim() });
    }
    await this.#finished(signal);
    return this.status();
  }

  /** Resolves with the chart's output once it reached its final state (never rejects). */
  finished(): Promise<LifecycleOutput> {
    return toPromise(this.actor);
  }

  status(): LifecycleStatus {
    this.#flushObserved();
    return this.lifecycle.status();
  }

  #assertNotFinished(operation: string): void {
    if (this.actor.getSnapshot().status === "done") throw new LifecycleFinishedError(operation);
  }

  /**
   * Sends DRAIN or DEREGISTER. While idle or running, the chart's guard refuses them until a
   * register succeeded: that refusal (read with `can()`, so the rule stays in the chart) is
   * Go's `register request is not initialized`. On the way out they are no-ops the caller awaits.
   */
  #request(event: LifecycleEvent, operation: string): void {
    this.#assertNotFinished(operation);
    const snapshot = this.actor.getSnapshot();
    if (!snapshot.can(event) && (snapshot.matches("idle") || snapshot.matches("running"))) {
      throw new RegisterRequestNotInitializedError();
    }
    this.#send(event);
  }

  async #finished(signal?: AbortSignal): Promise<void> {
    const output = await (signal
      ? Promise.race([toPromise(this.actor), aborted(signal)])
      : toPromise(this.actor));
    if (output.error) throw output.error;
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Throws RangeError unless `gracePeriod` is a positive Go duration; blank means the agent's default (20 s). */
export function checkGracePeriod(gracePeriod: string): void {
  if (gracePeriod.trim() === "") return;
  if (!(parseGoDuration(gracePeriod) > 0)) {
    throw new RangeError(`gracePeriod must be greater than zero, got "${gracePeriod}"`);
  }
}

/**
 * A Controller for `provider`'s request, checked against the agent's rules before anything is
 * sent (Go `NewController`). Options as the runtime's (timing, grace period, onError, log).
 */
export async function newController(
  client: Client,
  provider: DescriptorProvider,
  options: Omit<RuntimeOptions, "client"> = {},
): Promise<Controller> {
  if (!client) throw new TypeError("client is required");
  if (!provider || typeof provider.buildRegisterRequest !== "function") {
    throw new TypeError("descriptor provider is required");
  }
  // createLifecycle, under the Controller, refuses a request the agent would refuse.
  return new Controller(client, await provider.buildRegisterRequest(), options);
}
