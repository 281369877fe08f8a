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
 *   Forced (FORCE, e.g. a second signal): → forcedExit (one deregister, `forceTimeout`) → deregistered.
 *
 * Both agent contracts run on this one chart: `registration` is opaque here (see types.ts).
 * Hostile agents: a `connected` that arrives while a register is in flight never cancels it;
 * it queues one replay, sent when the call settles (at most one in flight, one queued). A stream
 * that ends while a register is in flight waits for its answer in `streamLost` (the call is not
 * undone), then reconnects. Reconnects wait a jittered phase, then a steady period, then a
 * growing window (backoff.ts `reconnectDelay`); that backoff resets only when a register is
 * accepted on a live stream, so a flapping agent (connected, then EOF) meets a growing backoff
 * instead of a reconnect storm. Register and drain/deregister retries use full jitter
 * (`backoffDelay`): the agent is up and refused, or a deadline runs, so the first retry is fast.
 * The way out's budget (types.ts `LifecycleTiming`) bounds every step by what is left of it.
 * Liveness: the chart alone decides that the agent is hung, when its silence timer (`liveness`)
 * runs out. Every event re-arms it: heartbeats (those of one I/O turn come as their last one) and
 * `connected`. Bytes that carry no event (a comment, part of a frame) prove the stream alive too,
 * but cost a step each only if reported each: the watch reports such bare activity at a coarse
 * rate the chart sets (`activityInterval`, a tenth of the liveness timeout), at most that late and
 * never early. So the agent counts as hung after between 1 and 1.1 liveness timeouts of silence,
 * and a flood of bytes costs the chart one step per interval, not one per chunk.
 */
import { and, assign, fromCallback, fromPromise, not, or, setup, stateIn } from "xstate";
import { backoffDelay, reconnectDelay } from "./backoff.ts";
import { failureOf, ShutdownTimeoutError, StepCutError, WatchLivenessError } from "./errors.ts";
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
import type { ConnectionEvent, LifecycleTiming, Registration, Status } from "./types.ts";

export interface LifecycleInput {
  registration: Registration;
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
  registration: Registration;
  gracePeriod: string;
  timing: LifecycleTiming;
  serverReady: boolean;
  /** A register call was sent, so the agent may hold the instance: the way out must remove it. */
  registerSent: boolean;
  /** A `connected` came while a register was in flight: replay once it settles. */
  replayQueued: boolean;
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
  /** Leave now (e.g. a second signal): one bounded deregister of what the agent may hold, then done. */
  | { type: "FORCE" }
  | { type: "WATCH.CONNECTED"; event: ConnectionEvent }
  | { type: "WATCH.HEARTBEAT"; event: ConnectionEvent }
  /** Any byte from the agent, comments included: proof the stream is alive. */
  | { type: "WATCH.ACTIVITY" }
  | { type: "WATCH.FAILED"; error: Error };

/** What the chart tells its watch: bare activity is reported at most this often (ms), and at most this late. */
export interface WatchInput {
  activityInterval: number;
}

/** Bare activity reaches the chart at most once per this share of the liveness timeout. */
const ACTIVITY_REPORTS_PER_TIMEOUT = 10;

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

/** The error the last action of the way out recorded (a cut step, the deadline), for `reportError`. */
const shutdownErrorOf = ({ context }: { context: LifecycleContext }) => ({
  error: context.shutdownError as Error,
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
    watch: fromCallback<LifecycleEvent, WatchInput>(() => notProvided("watch")),
    register: fromPromise<void, { registration: Registration }>(async () => notProvided("register")),
    drain: fromPromise<DrainOutput, { registration: Registration; gracePeriod: string }>(async () =>
      notProvided("drain"),
    ),
    deregister: fromPromise<void, { registration: Registration }>(async () => notProvided("deregister")),
    /** Stops the business server gracefully; resolves at once when there is none. */
    stopServer: fromPromise<void, Record<string, never>>(async () => undefined),
  },
  delays: {
    reconnectDelay: ({ context }) =>
      reconnectDelay(context.reconnectFailures - 1, context.timing.reconnectInterval, Math.random()),
    registerRetryDelay: ({ context }) =>
      backoffDelay(context.registerFailures - 1, context.timing.reconnectInterval, Math.random()),
    shutdownRetryDelay: ({ context }) =>
      backoffDelay(context.shutdownFailures - 1, context.timing.reconnectInterval, Math.random()),
    livenessTimeout: ({ context }) => context.timing.livenessTimeout,
    drainDelay: ({ context }) => context.timing.drainDelay,
    drainDeadline: ({ context }) => context.timing.drainDeadline,
    stopDeadline: ({ context }) => context.timing.stopDeadline,
    shutdownTimeout: ({ context }) => context.timing.shutdownTimeout,
    forceTimeout: ({ context }) => context.timing.forceTimeout,
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
    replayQueued: ({ context }) => context.replayQueued,
    /** The watch failed while a register was in flight (`streamLost`): its answer is awaited. */
    streamLost: stateIn("#lifecycle.running.online.session.registering.streamLost"),
    streamOpen: not(stateIn("#lifecycle.running.online.session.registering.streamLost")),
    /** The way out's windows act only on the step they bound; a DRAIN on request has no drain window. */
    drainCallInFlight: and([stateIn("#lifecycle.stopping.draining"), not("holdAfterDrain")]),
    drainStepWaiting: and([
      or([stateIn("#lifecycle.stopping.drainRetry"), stateIn("#lifecycle.stopping.drained")]),
      not("holdAfterDrain"),
    ]),
    serverStopping: stateIn("#lifecycle.stopping.stoppingServer"),
  },
  actions: {
    /** Called with every error the chart records; `src/` provides it to reach `onError`. */
    reportError: (_, _params: { error: Error }) => {},
    recordAgentConnected: assign(({ context }, { event }: { event: ConnectionEvent }) => ({
      status: onAgentConnected(context.status, event, nowISO()),
    })),
    /**
     * Accepted. On a live stream the connection proved itself, so the reconnect backoff starts again
     * from the fast first retry; accepted after the stream died (`streamLost`) it proved nothing
     * about the stream, or a flapping agent would reset the backoff every cycle.
     */
    recordRegistered: assign(({ context }, { streamUp }: { streamUp: boolean }) => ({
      status: onRegistered(context.status, context.registration, streamUp),
      registerFailures: 0,
      reconnectFailures: streamUp ? 0 : context.reconnectFailures,
    })),
    /** A window of the way out closed on a step still running: cut it, say so, go on. */
    recordStepCut: assign(({ context }, { step, windowMs }: { step: string; windowMs: number }) => {
      const error = new StepCutError(step, windowMs);
      return { status: withError(context.status, error, nowISO()), shutdownError: error };
    }),
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
    registration: input.registration,
    gracePeriod: input.gracePeriod,
    timing: input.timing,
    serverReady: input.serverReady ?? true,
    registerSent: false,
    replayQueued: false,
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
        FORCE: "deregistered",
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
        FORCE: [{ guard: "registerSent", target: "forcedExit" }, { target: "deregistered" }],
      },
      exit: assign({ status: ({ context }) => onWatchStopped(context.status) }),
      states: {
        online: {
          type: "parallel",
          invoke: {
            id: "watch",
            src: "watch",
            input: ({ context }) => ({
              activityInterval: context.timing.livenessTimeout / ACTIVITY_REPORTS_PER_TIMEOUT,
            }),
          },
          on: {
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
                    target: ".registering",
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
                  on: { SERVER_READY: { target: "registering", actions: "markServerReady" } },
                },
                /** One register call in flight; it is never cancelled by what the stream does next. */
                registering: {
                  entry: assign({ registerSent: true, replayQueued: false }),
                  invoke: {
                    id: "register",
                    src: "register",
                    input: ({ context }) => ({ registration: context.registration }),
                    onDone: [
                      {
                        guard: "streamLost",
                        target: "#lifecycle.running.disconnected",
                        actions: { type: "recordRegistered", params: { streamUp: false } },
                      },
                      {
                        guard: "replayQueued",
                        target: "registering",
                        reenter: true,
                        actions: { type: "recordRegistered", params: { streamUp: true } },
                      },
                      {
                        target: "registered",
                        actions: { type: "recordRegistered", params: { streamUp: true } },
                      },
                    ],
                    onError: [
                      {
                        guard: "streamLost",
                        target: "#lifecycle.running.disconnected",
                        actions: [
                          {
                            type: "recordRegisterFailure",
                            params: ({ event }) => ({ error: failureOf(event.error) }),
                          },
                          { type: "reportError", params: ({ event }) => ({ error: failureOf(event.error) }) },
                        ],
                      },
                      {
                        target: "registerRetry",
                        actions: [
                          {
                            type: "recordRegisterFailure",
                            params: ({ event }) => ({ error: failureOf(event.error) }),
                          },
                          { type: "reportError", params: ({ event }) => ({ error: failureOf(event.error) }) },
                        ],
                      },
                    ],
                  },
                  initial: "connected",
                  states: {
                    /** The stream is up and the register call is in flight. */
                    connected: {
                      on: {
                        // A burst of `connected` costs one queued replay, not a cancelled call each.
                        "WATCH.CONNECTED": {
                          actions: [
                            { type: "recordAgentConnected", params: ({ event }) => ({ event: event.event }) },
                            assign({ replayQueued: true }),
                          ],
                        },
                        "WATCH.FAILED": {
                          target: "streamLost",
                          actions: [
                            { type: "recordDisconnect", params: ({ event }) => ({ error: event.error }) },
                            { type: "reportError", params: ({ event }) => ({ error: event.error }) },
                          ],
                        },
                      },
                    },
                    /**
                     * The stream failed while the register was in flight: the call is not undone,
                     * its answer is awaited (bounded by the request timeout), then the chart reconnects.
                     */
                    streamLost: {},
                  },
                },
                /** The agent refused or failed the register; try again while the stream stays up. */
                registerRetry: {
                  on: {
                    // Only the backoff schedules the retry: a burst of `connected` must not turn it into a storm.
                    "WATCH.CONNECTED": {
                      actions: {
                        type: "recordAgentConnected",
                        params: ({ event }) => ({ event: event.event }),
                      },
                    },
                  },
                  after: { registerRetryDelay: "registering" },
                },
                /** The agent accepted the registration. Heartbeats keep it; `connected` replays it. */
                registered: {},
              },
            },
            liveness: {
              initial: "listening",
              states: {
                listening: {
                  // Bytes without an event, or an event: either proves the stream alive.
                  on: {
                    "WATCH.ACTIVITY": { target: "listening", reenter: true },
                    // A heartbeat is liveness only: never a reason to re-register or disconnect.
                    "WATCH.HEARTBEAT": {
                      target: "listening",
                      reenter: true,
                      actions: { type: "observeEvent", params: ({ event }) => ({ event: event.event }) },
                    },
                    "WATCH.CONNECTED": { target: "listening", reenter: true },
                  },
                  after: {
                    livenessTimeout: {
                      // In `streamLost` the stream is already gone: nothing left to time out.
                      guard: "streamOpen",
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
        FORCE: [{ guard: "registerSent", target: "forcedExit" }, { target: "deregistered" }],
      },
      after: {
        drainDelay: { actions: assign({ drainWindowClosed: true }) },
        // Each window bounds its own step: a call or wait still running then is cut.
        drainDeadline: [
          {
            guard: "drainCallInFlight",
            target: ".stoppingServer",
            actions: [
              {
                type: "recordStepCut",
                params: ({ context }) => ({ step: "drain", windowMs: context.timing.drainDeadline }),
              },
              { type: "reportError", params: shutdownErrorOf },
            ],
          },
          { guard: "drainStepWaiting", target: ".stoppingServer" },
        ],
        stopDeadline: {
          guard: "serverStopping",
          target: ".serverStopped",
          actions: [
            {
              type: "recordStepCut",
              params: ({ context }) => ({
                step: "business server stop",
                windowMs: context.timing.stopDeadline,
              }),
            },
            { type: "reportError", params: shutdownErrorOf },
          ],
        },
        shutdownTimeout: {
          target: "deregistered",
          actions: [
            assign(({ context }) => {
              const step = context.shutdownStep ?? "draining";
              const error = new ShutdownTimeoutError(
                context.timing.shutdownTimeout,
                step,
                WAITING_FOR[step],
                context.shutdownError ?? undefined,
              );
              return { status: withError(context.status, error, nowISO()), shutdownError: error };
            }),
            { type: "reportError", params: shutdownErrorOf },
          ],
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
              registration: context.registration,
              gracePeriod: context.gracePeriod,
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
            input: ({ context }) => ({ registration: context.registration }),
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
        FORCE: "forcedExit",
      },
    },
    /**
     * Leaving now (FORCE): no drain, no server stop; one deregister of what the agent may hold,
     * bounded by `forceTimeout`, so the agent is not left holding a dead instance.
     */
    forcedExit: {
      invoke: {
        id: "deregister",
        src: "deregister",
        input: ({ context }) => ({ registration: context.registration }),
        onDone: {
          target: "deregistered",
          actions: assign(({ context }) => ({ status: onDeregistered(context.status), shutdownError: null })),
        },
        onError: {
          target: "deregistered",
          actions: [
            { type: "recordShutdownFailure", params: shutdownFailure },
            { type: "reportError", params: shutdownFailure },
          ],
        },
      },
      after: {
        forceTimeout: {
          target: "deregistered",
          actions: [
            {
              type: "recordStepCut",
              params: ({ context }) => ({ step: "forced deregister", windowMs: context.timing.forceTimeout }),
            },
            { type: "reportError", params: shutdownErrorOf },
          ],
        },
      },
    },
    /** Final: the agent no longer holds the instance, or the deadline passed (error recorded). */
    deregistered: {
      type: "final",
    },
  },
});
