/**
 * `createLifecycle`: the chart started with the real actors. A thin handle: it sends the chart
 * events and reads its snapshot; every lifecycle decision stays in machines/.
 */
import { type Actor, type ActorOptions, type AnyActorLogic, createActor, toPromise } from "xstate";
import type { LifecycleEvent, lifecycleMachine } from "../machines/lifecycle.machine.ts";
import { type LifecycleStateName, lifecycleStateName } from "../machines/state-name.ts";
import type { RegisterRequest, Status } from "../machines/types.ts";
import { bindLifecycle, type OpenStream, serviceMachine } from "./actors.ts";
import { type Client, HttpClient, JSONHTTPClient } from "./agent/http-client.ts";
import {
  type AgentCalls,
  type AgentRegistration,
  v1Calls,
  v1Registration,
  v2Registration,
} from "./agent/registration.ts";
import { assertValidRegisterRequest } from "./agent/validate.ts";
import { sharedWatchStream } from "./agent/watch-share.ts";
import { type InspectOption, inspectorFromEnv } from "./inspector/connect.ts";
import { attachOps } from "./ops/attach.ts";
import type { LifecycleEventName, LifecycleListener } from "./ops/events.ts";
import type { ManagedPortAddress } from "./ops/managed-port.ts";
import { type ResolvedOptions, type RuntimeOptions, resolveOptions } from "./options.ts";
import { ApiClient, type Client as V2Client, v2Calls } from "./v2/client.ts";
import { validateServiceNode } from "./v2/service-node.ts";
import type { ServiceNode } from "./v2/types.ts";

export interface CreateLifecycleOptions<C = Client> extends Omit<RuntimeOptions, "client"> {
  /** Talk to the agent through this client (the contract's own: v1 `Client`, v2 `Client`) instead of one on baseURL. */
  client?: C;
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

export interface Lifecycle<R = RegisterRequest> {
  /** The running XState actor: subscribe to it, inspect it, send it events. */
  readonly actor: Actor<typeof lifecycleMachine>;
  /** What it registers: the v1 RegisterRequest or the v2 ServiceNode it was created with. */
  readonly request: R;
  /** The same, as the chart holds it (contract, service name and port, instance key). */
  readonly registration: AgentRegistration;
  readonly options: ResolvedOptions;
  /** Starts watching the agent and registering. Idempotent. */
  start(): void;
  /** Reports the business server ready (see `serverReady`). */
  serverReady(): void;
  /**
   * Stops the watch, drains, waits the drain delay, stops the server, deregisters. Resolves with
   * the final status; rejects with the recorded error when the deadline passed first. Aborting
   * `signal` stops the wait (rejects with its reason); the way out goes on.
   */
  shutdown(options?: { signal?: AbortSignal }): Promise<LifecycleStatus>;
  status(): LifecycleStatus;
  state(): LifecycleStateName;
  /** Typed events (README "Operations"): `registered`, `replayed`, `disconnected`, `draining`, `deregistered`, `error`, `transition`. Returns the unsubscribe function. */
  on<K extends LifecycleEventName>(name: K, listener: LifecycleListener<K>): () => void;
  off<K extends LifecycleEventName>(name: K, listener: LifecycleListener<K>): void;
  /** Where the managed port listens (undefined without `managedPort`); rejects when it could not listen. */
  managedPort(): Promise<ManagedPortAddress | undefined>;
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

/** The contract's calls through the given client, or through a client of our own on baseURL (closed with the lifecycle). */
function callsFor(
  registration: AgentRegistration,
  client: Client | V2Client | undefined,
  { baseURL, requestTimeout }: ResolvedOptions,
): { calls: AgentCalls; ownClient?: HttpClient } {
  if (client)
    return {
      calls: registration.contract === "v2" ? v2Calls(client as V2Client) : v1Calls(client as Client),
    };
  if (registration.contract === "v2") {
    const http = new HttpClient(baseURL, requestTimeout);
    return { calls: v2Calls(new ApiClient(http)), ownClient: http };
  }
  const own = new JSONHTTPClient(baseURL, requestTimeout);
  return { calls: v1Calls(own), ownClient: own };
}

/** A v2 ServiceNode rather than a v1 RegisterRequest: it carries `app` and `service` objects. */
export function isServiceNode(value: RegisterRequest | ServiceNode): value is ServiceNode {
  const node = value as Partial<ServiceNode>;
  return typeof node.app === "object" && node.app !== null && typeof node.service === "object";
}

/**
 * The chart started with the real actors, for a v1 RegisterRequest or a v2 ServiceNode: which
 * contract it speaks follows from what it is given. Throws InvalidRegistrationError (every problem
 * listed) before anything starts when the agent would refuse it.
 */
export function createLifecycle(
  request: RegisterRequest,
  options?: CreateLifecycleOptions<Client>,
): Lifecycle;
export function createLifecycle(
  node: ServiceNode,
  options?: CreateLifecycleOptions<V2Client>,
): Lifecycle<ServiceNode>;
export function createLifecycle(
  request: RegisterRequest | ServiceNode,
  options?: CreateLifecycleOptions<Client | V2Client>,
): Lifecycle<RegisterRequest | ServiceNode>;
export function createLifecycle(
  request: RegisterRequest | ServiceNode,
  options: CreateLifecycleOptions<Client | V2Client> = {},
): Lifecycle<RegisterRequest | ServiceNode> {
  const v2 = isServiceNode(request);
  const registration = v2
    ? v2Registration(validateServiceNode(request))
    : v1Registration(assertValidRegisterRequest(request));
  const resolved = resolveOptions(options);
  const { calls, ownClient } = callsFor(registration, options.client, resolved);
  const onError = safely(resolved.onError, resolved.log);

  // Ours to flush before shutdown() settles: a service that exits then still shows its final state.
  const envInspector = options.inspect ? undefined : inspectorFromEnv();
  const actor = createActor(serviceMachine, {
    // Spread, not `clock: undefined`: XState would take the undefined over its real clock.
    ...(options.clock ? { clock: options.clock } : {}),
    inspect: options.inspect ?? envInspector?.inspect,
    input: {
      registration,
      gracePeriod: resolved.gracePeriod,
      timing: resolved.timing,
      serverReady: options.serverReady ?? true,
    },
  });
  const ops = attachOps(actor, registration, calls, resolved, onError);
  bindLifecycle(actor.system, {
    calls: ops.calls,
    openStream:
      options.openStream ?? sharedWatchStream(resolved.watchURL, { maxFrameSize: resolved.maxFrameSize }),
    stopServer: options.stopServer,
    onError: ops.reportError,
    log: resolved.log,
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
    registration,
    options: resolved,
    start: () => send({ type: "START" }),
    serverReady: () => send({ type: "SERVER_READY" }),
    status,
    state: () => lifecycleStateName(actor.getSnapshot().value),
    on: (name, listener) => ops.events.on(name, listener),
    off: (name, listener) => ops.events.off(name, listener),
    managedPort: ops.managedPort,
    shutdown({ signal } = {}) {
      finished ??= (async () => {
        send({ type: "SHUTDOWN" });
        const output = await toPromise(actor);
        // The chart is final, so nothing it sent is still wanted: drop what is queued, do not wait for it.
        await ownClient?.destroy();
        await envInspector?.flush();
        await ops.close();
        if (output.error) throw output.error;
        return status();
      })();
      return signal ? untilAborted(finished, signal) : finished;
    },
  };
}

/** `promise`, or its rejection with `signal.reason` once `signal` aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
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
