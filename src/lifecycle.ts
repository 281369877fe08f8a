/**
 * `createLifecycle`: the chart started with the real actors. A thin handle: it sends the chart
 * events and reads its snapshot; every lifecycle decision stays in machines/.
 */
import {
  type Actor,
  type ActorOptions,
  type AnyActorLogic,
  createActor,
  fromPromise,
  toPromise,
} from "xstate";
import { type LifecycleEvent, lifecycleMachine } from "../machines/lifecycle.machine.ts";
import { type LifecycleStateName, lifecycleStateName } from "../machines/state-name.ts";
import type { RegisterRequest, Status } from "../machines/types.ts";
import { agentCallActors, type OpenStream, watchActor } from "./actors.ts";
import { JSONHTTPClient } from "./agent/http-client.ts";
import { assertValidRegisterRequest } from "./agent/validate.ts";
import { openWatchStream } from "./agent/watch-stream.ts";
import { type InspectOption, inspectorFromEnv } from "./inspector/connect.ts";
import { type ResolvedOptions, type RuntimeOptions, resolveOptions } from "./options.ts";

export interface CreateLifecycleOptions extends RuntimeOptions {
  /**
   * False holds the first register until `serverReady()` is called: a readiness gate for a
   * business server that does not accept connections yet. Default true.
   */
  serverReady?: boolean;
  /** Stops the business server gracefully, between the drain delay and deregister. */
  stopServer?: (signal: AbortSignal) => Promise<void>;
  /** Feeds the chart's watch from this stream instead of `/watch` (e.g. any EventSource, see Runner). */
  openStream?: OpenStream;
  /**
   * The clock every chart timer runs on (XState's `Clock`). Default: the real one. Tests pass
   * XState's `SimulatedClock` to drive backoff, liveness, drain delay and the shutdown deadline.
   */
  clock?: Clock;
  /**
   * XState inspection observer, e.g. `createWebSocketInspector({ url }).inspect` from
   * @statelyai/inspect. Default: when SIDECAR_LIFECYCLE_INSPECT=<ws url> is set, stream to it.
   */
  inspect?: InspectOption;
}

/** XState's timer interface (`setTimeout` / `clearTimeout`), as `createActor` takes it. */
export type Clock = NonNullable<ActorOptions<AnyActorLogic>["clock"]>;

/** The status snapshot of protocol.md plus the leaf state the chart is in. */
export interface LifecycleStatus extends Status {
  state: LifecycleStateName;
}

export interface Lifecycle {
  /** The running XState actor: subscribe to it, inspect it, send it events. */
  readonly actor: Actor<typeof lifecycleMachine>;
  readonly request: RegisterRequest;
  readonly options: ResolvedOptions;
  /** Starts watching the agent and registering. Idempotent. */
  start(): void;
  /** Reports the business server ready (see `serverReady`). */
  serverReady(): void;
  /**
   * Stops the watch, drains, waits the drain delay, stops the server, deregisters. Resolves with
   * the final status; rejects with the recorded error when the deadline passed first.
   */
  shutdown(): Promise<LifecycleStatus>;
  status(): LifecycleStatus;
  state(): LifecycleStateName;
}

function safely(handler: (error: Error) => void, log: (message: string) => void) {
  return (error: Error) => {
    try {
      handler(error);
    } catch (thrown) {
      log(`onError handler threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    }
  };
}

/** Throws InvalidRegistrationError (every problem listed) before anything starts when the agent would refuse `request`. */
export function createLifecycle(request: RegisterRequest, options: CreateLifecycleOptions = {}): Lifecycle {
  assertValidRegisterRequest(request);
  const resolved = resolveOptions(options);
  const ownClient = resolved.client
    ? undefined
    : new JSONHTTPClient(resolved.baseURL, resolved.requestTimeout);
  const client = resolved.client ?? (ownClient as JSONHTTPClient);
  const onError = safely(resolved.onError, resolved.log);
  const stopServer = options.stopServer;

  const machine = lifecycleMachine.provide({
    actors: {
      watch: watchActor(
        options.openStream ??
          ((signal, onActivity) =>
            openWatchStream(resolved.watchURL, { signal, onActivity, maxFrameSize: resolved.maxFrameSize })),
      ),
      ...agentCallActors(client, resolved.log),
      stopServer: fromPromise(async ({ signal }) => {
        await stopServer?.(signal);
      }),
    },
    actions: {
      reportError: (_, { error }) => onError(error),
    },
  });
  const actor = createActor(machine, {
    // Spread, not `clock: undefined`: XState would take the undefined over its real clock.
    ...(options.clock ? { clock: options.clock } : {}),
    inspect: options.inspect ?? inspectorFromEnv()?.inspect,
    input: {
      request,
      gracePeriod: resolved.gracePeriod,
      timing: resolved.timing,
      serverReady: options.serverReady ?? true,
    },
  });
  actor.start();

  const status = (): LifecycleStatus => {
    const snapshot = actor.getSnapshot();
    return { ...snapshot.context.status, state: lifecycleStateName(snapshot.value) };
  };
  const send = (event: LifecycleEvent) => actor.send(event);

  let finished: Promise<LifecycleStatus> | undefined;
  return {
    actor,
    request,
    options: resolved,
    start: () => send({ type: "START" }),
    serverReady: () => send({ type: "SERVER_READY" }),
    status,
    state: () => status().state,
    shutdown() {
      finished ??= (async () => {
        send({ type: "SHUTDOWN" });
        const output = await toPromise(actor);
        await ownClient?.close();
        if (output.error) throw output.error;
        return status();
      })();
      return finished;
    },
  };
}

/**
 * Calls `listener` with each new leaf state (and the status then, and the state before); returns
 * the unsubscribe function. Steps that stay in one leaf (a heartbeat, a byte) are not reported.
 */
export function onStateChange(
  actor: Lifecycle["actor"],
  listener: (state: LifecycleStateName, status: LifecycleStatus, previous: LifecycleStateName) => void,
): () => void {
  let previous = lifecycleStateName(actor.getSnapshot().value);
  const subscription = actor.subscribe((snapshot) => {
    const state = lifecycleStateName(snapshot.value);
    if (state === previous) return;
    const before = previous;
    previous = state;
    listener(state, { ...snapshot.context.status, state }, before);
  });
  return () => subscription.unsubscribe();
}
