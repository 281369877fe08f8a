/**
 * The lifecycle of one service bound to its host's sidecar agent: the single place where
 * lifecycle decisions are made. Pure: imports only `xstate` and its own files, does no I/O.
 * Actors are named placeholders that `src/` provides with `machine.provide()`; delays read the
 * timing in context, so XState's simulated clock drives every timer in tests.
 *
 *   idle → running.online(connecting → connected → registered) ⇄ running.disconnected
 *        → stopping(draining → drained → stoppingServer → serverStopped → deregistering)
 *        → deregistered
 *   Nothing registered: running → stopping.stoppingServer → deregistered, no agent call.
 *   On request (Go Controller.Drain / Deregister): running → stopping.draining → drainHeld
 *        → stopping.deregistering (DEREGISTER) or stopping.drained (SHUTDOWN).
 */
import { assign, fromCallback, fromPromise, setup } from "xstate";
import { backoffDelay } from "./backoff.ts";
import { failureOf, ShutdownTimeoutError, WatchLivenessError } from "./errors.ts";
import {
  initialStatus,
  nowISO,
  onAgentConnected,
  onDeregistered,
  onDisconnected,
  onRegistered,
  onRegisterFailed,
  onWatchStopped,
  withError,
  withEvent,
} from "./status.ts";
import type {
  ConnectionEvent,
  DeregisterRequest,
  DrainRequest,
  LifecycleTiming,
  RegisterRequest,
  Status,
} from "./types.ts";

export interface LifecycleInput {
  request: RegisterRequest;
  gracePeriod: string;
  timing: LifecycleTiming;
  /** False when a business server must report ready (SERVER_READY) before the first register. */
  serverReady?: boolean;
}

/** Steps of the way out; the deadline error names the one it was stuck in. */
export type ShutdownStep =
  | "draining"
  | "drainRetry"
  | "drained"
  | "stoppingServer"
  | "deregistering"
  | "deregisterRetry";

export interface LifecycleContext {
  status: Status;
  request: RegisterRequest;
  gracePeriod: string;
  timing: LifecycleTiming;
  serverReady: boolean;
  /** A register call was sent, so the agent may hold the instance: the way out must remove it. */
  registerSent: boolean;
  /** Consecutive failures, each driving its own backoff; reset by the next success. */
  reconnectFailures: number;
  registerFailures: number;
  shutdownFailures: number;
  shutdownStep: ShutdownStep | null;
  /** Last error of the way out; the shutdown promise rejects with it. */
  shutdownError: Error | null;
  /** A drain asked for on its own (DRAIN) stops in `drainHeld` instead of going on to deregister. */
  holdAfterDrain: boolean;
  /**
   * The drain delay has passed since the way out began: a failing drain is not retried any more,
   * so the agent's failure cannot cost the business server its graceful stop.
   */
  drainWindowClosed: boolean;
}

export type LifecycleEvent =
  /** `serverReady: false` holds the first register until SERVER_READY (overrides the input). */
  | { type: "START"; serverReady?: boolean }
  /** `gracePeriod` overrides the one in context for this way out. */
  | { type: "SHUTDOWN"; gracePeriod?: string }
  /** Drain on request (Go `Controller.Drain`): the way out up to the drain, then hold. */
  | { type: "DRAIN"; gracePeriod?: string }
  /** Deregister on request (Go `Controller.Deregister`), with or without a drain before. */
  | { type: "DEREGISTER" }
  /** An error observed outside the chart (Go `Controller.RecordError`): status only. */
  | { type: "RECORD_ERROR"; error: Error }
  /** A watch event observed outside the chart (Go `Controller.ObserveEvent`): `lastEvent*` only. */
  | { type: "OBSERVE_EVENT"; event: ConnectionEvent }
  /** The business server accepts connections: registering may begin. */
  | { type: "SERVER_READY" }
  /** The business server ended on its own: nothing left to drain, deregister at once. */
  | { type: "SERVER_EXITED" }
  | { type: "WATCH.CONNECTED"; event: ConnectionEvent }
  | { type: "WATCH.HEARTBEAT"; event: ConnectionEvent }
  /** Any byte from the agent, comments included: proof the stream is alive. */
  | { type: "WATCH.ACTIVITY" }
  | { type: "WATCH.FAILED"; error: Error };

export interface LifecycleOutput {
  status: Status;
  error: Error | null;
}

export interface DrainOutput {
  /** False when the agent no longer knew the instance (it restarted): nothing to wait for. */
  found: boolean;
}

const WAITING_FOR: Record<ShutdownStep, string> = {
  draining: "drain request unanswered",
  drainRetry: "drain failed, retry pending",
  drained: "drain delay running",
  stoppingServer: "business server shutdown unfinished",
  deregistering: "deregister request unanswered",
  deregisterRetry: "deregister failed, retry pending",
};

function notProvided(name: string): never {
  throw new Error(`actor "${name}" is not provided: supply it with lifecycleMachine.provide()`);
}

const livenessFailure = ({ context }: { context: LifecycleContext }) => ({
  error: new WatchLivenessError(context.timing.livenessTimeout),
});

const shutdownFailure = ({ event }: { event: { error?: unknown } }) => ({ error: failureOf(event.error) });

export const lifecycleMachine = setup({
  types: {
    context: {} as LifecycleContext,
    events: {} as LifecycleEvent,
    input: {} as LifecycleInput,
    output: {} as LifecycleOutput,
  },
  actors: {
    /** Opens the agent's watch stream once and reports it as WATCH.* events until it fails. */
    watch: fromCallback<LifecycleEvent>(() => notProvided("watch")),
    register: fromPromise<void, { request: RegisterRequest }>(async () => notProvided("register")),
    drain: fromPromise<DrainOutput, { request: DrainRequest }>(async () => notProvided("drain")),
    deregister: fromPromise<void, { request: DeregisterRequest }>(async () => notProvided("deregister")),
    /** Stops the business server gracefully; resolves at once when there is none. */
    stopServer: fromPromise<void, Record<string, never>>(async () => undefined),
  },
  delays: {
    reconnectDelay: ({ context }) =>
      backoffDelay(context.reconnectFailures - 1, context.timing.reconnectInterval, Math.random()),
    registerRetryDelay: ({ context }) =>
      backoffDelay(context.registerFailures - 1, context.timing.reconnectInterval, Math.random()),
    shutdownRetryDelay: ({ context }) =>
      backoffDelay(context.shutdownFailures - 1, context.timing.reconnectInterval, Math.random()),
    livenessTimeout: ({ context }) => context.timing.livenessTimeout,
    drainDelay: ({ context }) => context.timing.drainDelay,
    shutdownTimeout: ({ context }) => context.timing.shutdownTimeout,
  },
  guards: {
    serverReady: ({ context }) => context.serverReady,
    registerSent: ({ context }) => context.registerSent,
    instanceFound: (_, { found }: { found: boolean }) => found,
    /** A register succeeded at least once: there is a request to drain or deregister. */
    everRegistered: ({ context }) => context.status.registerReplayCount > 0,
    holdAfterDrain: ({ context }) => context.holdAfterDrain,
    /** Stop retrying a failed drain: its window passed, and no DRAIN on request holds it open. */
    drainGivenUp: ({ context }) => context.drainWindowClosed && !context.holdAfterDrain,
  },
  actions: {
    /** Called with every error the chart records; `src/` provides it to reach `onError`. */
    reportError: (_, _params: { error: Error }) => {},
    recordAgentConnected: assign(({ context }, { event }: { event: ConnectionEvent }) => ({
      status: onAgentConnected(context.status, event, nowISO()),
      reconnectFailures: 0,
    })),
    /** A heartbeat, or an event observed by hand: only the `lastEvent*` fields move. */
    observeEvent: assign(({ context }, { event }: { event: ConnectionEvent }) => ({
      status: withEvent(context.status, event, nowISO()),
    })),
    markServerReady: assign({ serverReady: true }),
    useGracePeriod: assign(({ context }, { gracePeriod }: { gracePeriod: string | undefined }) => ({
      gracePeriod: gracePeriod ?? context.gracePeriod,
    })),
    enterStep: assign((_, { step }: { step: ShutdownStep }) => ({ shutdownStep: step })),
    recordDisconnect: assign(({ context }, { error }: { error: Error }) => ({
      status: onDisconnected(context.status, error, nowISO()),
      reconnectFailures: context.reconnectFailures + 1,
    })),
    recordRegisterFailure: assign(({ context }, { error }: { error: Error }) => ({
      status: onRegisterFailed(context.status, error, nowISO()),
      registerFailures: context.registerFailures + 1,
    })),
    recordShutdownFailure: assign(({ context }, { error }: { error: Error }) => ({
      status: withError(context.status, error, nowISO()),
      shutdownError: error,
      shutdownFailures: context.shutdownFailures + 1,
    })),
  },
}).createMachine({
  id: "lifecycle",
  initial: "idle",
  context: ({ input }) => ({
    status: initialStatus(),
    request: input.request,
    gracePeriod: input.gracePeriod,
    timing: input.timing,
    serverReady: input.serverReady ?? true,
    registerSent: false,
    reconnectFailures: 0,
    registerFailures: 0,
    shutdownFailures: 0,
    shutdownStep: null,
    shutdownError: null,
    holdAfterDrain: false,
    drainWindowClosed: false,
  }),
  output: ({ context }) => ({ status: context.status, error: context.shutdownError }),
  on: {
    RECORD_ERROR: {
      actions: assign(({ context, event }) => ({ status: withError(context.status, event.error, nowISO()) })),
    },
    OBSERVE_EVENT: {
      actions: { type: "observeEvent", params: ({ event }) => ({ event: event.event }) },
    },
  },
  states: {
    idle: {
      on: {
        START: {
          target: "running",
          actions: assign(({ context, event }) => ({
            serverReady: event.serverReady ?? context.serverReady,
          })),
        },
        SHUTDOWN: "deregistered",
      },
    },
    running: {
      initial: "online",
      on: {
        SERVER_READY: { actions: "markServerReady" },
        SHUTDOWN: [
          {
            guard: "registerSent",
            target: "stopping",
            actions: { type: "useGracePeriod", params: ({ event }) => ({ gracePeriod: event.gracePeriod }) },
          },
          // Nothing sent to the agent, so nothing to drain or deregister; the server still stops.
          { target: "stopping.stoppingServer" },
        ],
        DRAIN: {
          guard: "everRegistered",
          target: "stopping",
          actions: [
            { type: "useGracePeriod", params: ({ event }) => ({ gracePeriod: event.gracePeriod }) },
            assign({ holdAfterDrain: true }),
          ],
        },
        DEREGISTER: { guard: "everRegistered", target: "stopping.deregistering" },
        SERVER_EXITED: [
          { guard: "registerSent", target: "stopping.deregistering" },
          { target: "deregistered" },
        ],
      },
      exit: assign({ status: ({ context }) => onWatchStopped(context.status) }),
      states: {
        online: {
          type: "parallel",
          invoke: { id: "watch", src: "watch" },
          on: {
            "WATCH.HEARTBEAT": {
              actions: { type: "observeEvent", params: ({ event }) => ({ event: event.event }) },
            },
            "WATCH.FAILED": {
              target: "disconnected",
              actions: [
                { type: "recordDisconnect", params: ({ event }) => ({ error: event.error }) },
                { type: "reportError", params: ({ event }) => ({ error: event.error }) },
              ],
            },
          },
          states: {
            session: {
              initial: "connecting",
              on: {
                "WATCH.CONNECTED": [
                  {
                    guard: "serverReady",
                    target: ".connected",
                    reenter: true,
                    actions: {
                      type: "recordAgentConnected",
                      params: ({ event }) => ({ event: event.event }),
                    },
                  },
                  {
                    target: ".awaitingServer",
                    actions: {
                      type: "recordAgentConnected",
                      params: ({ event }) => ({ event: event.event }),
                    },
                  },
                ],
              },
              states: {
                /** The stream is opening; the agent has not said `connected` yet. */
                connecting: {},
                /** The agent is there but the business server does not accept connections yet. */
                awaitingServer: {
                  on: { SERVER_READY: { target: "connected", actions: "markServerReady" } },
                },
                /** The stream is up and the register call is in flight. */
                connected: {
                  entry: assign({ registerSent: true }),
                  invoke: {
                    id: "register",
                    src: "register",
                    input: ({ context }) => ({ request: context.request }),
                    onDone: {
                      target: "registered",
                      actions: assign(({ context }) => ({
                        status: onRegistered(context.status, context.request),
                        registerFailures: 0,
                      })),
                    },
                    onError: {
                      target: "registerRetry",
                      actions: [
                        {
                          type: "recordRegisterFailure",
                          params: ({ event }) => ({ error: failureOf(event.error) }),
                        },
                        { type: "reportError", params: ({ event }) => ({ error: failureOf(event.error) }) },
                      ],
                    },
                  },
                },
                /** The agent refused or failed the register; try again while the stream stays up. */
                registerRetry: {
                  after: { registerRetryDelay: "connected" },
                },
                /** The agent accepted the registration. Heartbeats keep it; `connected` replays it. */
                registered: {},
              },
            },
            liveness: {
              initial: "listening",
              states: {
                listening: {
                  on: { "WATCH.ACTIVITY": { target: "listening", reenter: true } },
                  after: {
                    livenessTimeout: {
                      target: "#lifecycle.running.disconnected",
                      actions: [
                        { type: "recordDisconnect", params: livenessFailure },
                        { type: "reportError", params: livenessFailure },
                      ],
                    },
                  },
                },
              },
            },
          },
        },
        /** The stream failed or ended; wait the jittered backoff, then open it again. */
        disconnected: {
          after: { reconnectDelay: "online" },
        },
      },
    },
    stopping: {
      on: {
        // A SHUTDOWN while a DRAIN on request is under way turns it into the full way out.
        SHUTDOWN: { guard: "holdAfterDrain", actions: assign({ holdAfterDrain: false }) },
      },
      after: {
        drainDelay: { actions: assign({ drainWindowClosed: true }) },
        shutdownTimeout: {
          target: "deregistered",
          actions: assign(({ context }) => {
            const step = context.shutdownStep ?? "draining";
            const error = new ShutdownTimeoutError(
              context.timing.shutdownTimeout,
              step,
              WAITING_FOR[step],
              context.shutdownError ?? undefined,
            );
            return { status: withError(context.status, error, nowISO()), shutdownError: error };
          }),
        },
      },
      initial: "draining",
      states: {
        /** Drain call in flight: the agent takes the instance out of the healthy set. */
        draining: {
          entry: { type: "enterStep", params: { step: "draining" } },
          invoke: {
            id: "drain",
            src: "drain",
            input: ({ context }) => ({
              request: {
                name: context.request.name,
                port: context.request.port,
                gracePeriod: context.gracePeriod,
              },
            }),
            onDone: [
              {
                guard: "holdAfterDrain",
                target: "#lifecycle.drainHeld",
                actions: assign({ shutdownFailures: 0 }),
              },
              {
                guard: { type: "instanceFound", params: ({ event }) => ({ found: event.output.found }) },
                target: "drained",
                actions: assign({ shutdownFailures: 0 }),
              },
              { target: "stoppingServer", actions: assign({ shutdownFailures: 0 }) },
            ],
            onError: {
              target: "drainRetry",
              actions: [
                { type: "recordShutdownFailure", params: shutdownFailure },
                { type: "reportError", params: shutdownFailure },
              ],
            },
          },
        },
        /** The drain failed: retried while its window is open, else the server stops undrained. */
        drainRetry: {
          entry: { type: "enterStep", params: { step: "drainRetry" } },
          always: { guard: "drainGivenUp", target: "stoppingServer" },
          after: { shutdownRetryDelay: "draining" },
        },
        /** Drained: in-flight and already-routed requests finish during the drain delay. */
        drained: {
          entry: { type: "enterStep", params: { step: "drained" } },
          after: { drainDelay: "stoppingServer" },
        },
        stoppingServer: {
          entry: { type: "enterStep", params: { step: "stoppingServer" } },
          invoke: {
            id: "stopServer",
            src: "stopServer",
            input: {},
            onDone: "serverStopped",
            onError: {
              target: "serverStopped",
              actions: [
                assign(({ context, event }) => ({
                  status: withError(context.status, event.error, nowISO()),
                })),
                { type: "reportError", params: ({ event }) => ({ error: failureOf(event.error) }) },
              ],
            },
          },
        },
        /** The server is down: deregister what the agent may hold, or finish when nothing was sent. */
        serverStopped: {
          always: [{ guard: "registerSent", target: "deregistering" }, { target: "#lifecycle.deregistered" }],
        },
        deregistering: {
          entry: { type: "enterStep", params: { step: "deregistering" } },
          invoke: {
            id: "deregister",
            src: "deregister",
            input: ({ context }) => ({
              request: { name: context.request.name, port: context.request.port },
            }),
            onDone: {
              target: "#lifecycle.deregistered",
              actions: assign(({ context }) => ({
                status: onDeregistered(context.status),
                shutdownError: null,
              })),
            },
            onError: {
              target: "deregisterRetry",
              actions: [
                { type: "recordShutdownFailure", params: shutdownFailure },
                { type: "reportError", params: shutdownFailure },
              ],
            },
          },
        },
        deregisterRetry: {
          entry: { type: "enterStep", params: { step: "deregisterRetry" } },
          after: { shutdownRetryDelay: "deregistering" },
        },
      },
    },
    /**
     * Drained on request (DRAIN): the watch is stopped so no replay undoes the drain; the agent
     * still holds the instance until DEREGISTER, or SHUTDOWN finishes the way out (drain delay,
     * server stop, deregister). Outside `stopping`: no deadline runs while a caller decides.
     */
    drainHeld: {
      on: {
        SHUTDOWN: { target: "stopping.drained", actions: assign({ holdAfterDrain: false }) },
        DEREGISTER: "stopping.deregistering",
        DRAIN: {
          target: "stopping.draining",
          actions: { type: "useGracePeriod", params: ({ event }) => ({ gracePeriod: event.gracePeriod }) },
        },
      },
    },
    /** Final: the agent no longer holds the instance, or the deadline passed (error recorded). */
    deregistered: {
      type: "final",
    },
  },
});
