/**
 * The real actors the chart invokes: the SSE watch and the register / drain / deregister calls.
 * `serviceMachine` is the chart provided with them once per process: what differs between
 * lifecycles (the agent calls, the stream, the server stop, the error handler) is bound to each
 * lifecycle's actor system, so creating a lifecycle does not rebuild the chart's state tree.
 */
import { type ActorSystem, fromCallback, fromPromise } from "xstate";

// biome-ignore lint/suspicious/noExplicitAny: any actor system, whatever its registered children
type AnyActorSystem = ActorSystem<any>;

import { failureOf } from "../machines/errors.ts";
import {
  type DrainOutput,
  type LifecycleEvent,
  lifecycleMachine,
  type WatchInput,
} from "../machines/lifecycle.machine.ts";
import type { ConnectionEvent, Registration } from "../machines/types.ts";
import type { AgentCalls } from "./agent/registration.ts";
import { RegisterReplayError, ShutdownStepError, SidecarAPIError } from "./errors.ts";

/** Opens one watch attempt; ends by throwing (EOF included). `onActivity` fires for every byte chunk. */
export type OpenStream = (signal: AbortSignal, onActivity: () => void) => AsyncIterable<ConnectionEvent>;

type SendBack = (event: LifecycleEvent) => void;

/** Why a watch attempt's signal aborts: one reason for all (a default one is a DOMException built per abort). */
const WATCH_STOPPED = new Error("watch attempt stopped");

/**
 * Two events as one, for the status: the later, with the latest `ready` / `status` either said
 * (what `withEvent` makes of the two in turn).
 */
export function mergeEvents(earlier: ConnectionEvent | undefined, later: ConnectionEvent): ConnectionEvent {
  if (!earlier || (later.ready !== undefined && later.status !== "")) return later;
  return { ...later, ready: later.ready ?? earlier.ready, status: later.status || earlier.status };
}

/**
 * Runs one watch attempt, reporting it as WATCH.* events; returns the stop function. What
 * arrives in one I/O turn costs the chart one step: heartbeats are merged into the last one.
 * A `connected` is never merged (each may mean a restarted agent that must get the replay),
 * and order is kept: what is pending goes first.
 * Bare activity (bytes that carried no event: a comment, part of a frame) only re-arms the
 * chart's silence timer, so it is reported at a coarse rate: at once when the last report is
 * `activityInterval` old, otherwise when it will be. The chart's timer is then re-armed at most
 * `activityInterval` late, never early: a flood of bytes costs one step per interval.
 */
function runWatch(open: OpenStream, sendBack: SendBack, { activityInterval }: WatchInput): () => void {
  const controller = new AbortController();
  let heartbeat: ConnectionEvent | undefined;
  let activity = false;
  let turn: NodeJS.Immediate | undefined;
  let reportedAt = Number.NEGATIVE_INFINITY;
  let late: NodeJS.Timeout | undefined;
  /** The chart just heard from the stream: its silence timer runs from now. */
  const reported = () => {
    reportedAt = performance.now();
    clearTimeout(late);
    late = undefined;
  };
  const flush = () => {
    clearImmediate(turn);
    turn = undefined;
    if (heartbeat) {
      reported();
      sendBack({ type: "WATCH.HEARTBEAT", event: heartbeat });
    } else if (activity) {
      reported();
      sendBack({ type: "WATCH.ACTIVITY" });
    }
    heartbeat = undefined;
    activity = false;
  };
  const atEndOfTurn = () => {
    turn ??= setImmediate(flush);
  };
  const reportLate = () => {
    late = undefined;
    activity = true;
    flush();
  };
  const onActivity = () => {
    const sinceReport = performance.now() - reportedAt;
    if (sinceReport >= activityInterval) {
      activity = true;
      atEndOfTurn();
    } else {
      late ??= setTimeout(reportLate, activityInterval - sinceReport).unref();
    }
  };
  const run = async () => {
    for await (const event of open(controller.signal, onActivity)) {
      if (event.type === "connected") {
        activity = false; // the event itself proves the stream alive
        flush();
        reported();
        sendBack({ type: "WATCH.CONNECTED", event });
      } else {
        heartbeat = mergeEvents(heartbeat, event);
        atEndOfTurn();
      }
    }
  };
  const stop = () => {
    clearImmediate(turn);
    clearTimeout(late);
    controller.abort(WATCH_STOPPED);
  };
  const fail = (error: Error) => {
    if (controller.signal.aborted) return;
    flush();
    stop();
    sendBack({ type: "WATCH.FAILED", error });
  };
  run().then(
    () => fail(new Error("watch stream ended without an error")),
    (error: unknown) => fail(failureOf(error)),
  );
  return stop;
}

/** The chart's `watch` over `open`: one stream attempt, reported as WATCH.* events, stopped by aborting. */
export function watchActor(open: OpenStream) {
  return fromCallback<LifecycleEvent, WatchInput>(({ sendBack, input }) => runWatch(open, sendBack, input));
}

function isNotFound(error: unknown): boolean {
  return error instanceof SidecarAPIError && error.isLocalServiceNotFound;
}

type Log = (message: string) => void;

async function register(calls: AgentCalls, registration: Registration, signal: AbortSignal): Promise<void> {
  try {
    await calls.register(registration, signal);
  } catch (error) {
    throw new RegisterReplayError(registration.serviceName, registration.servicePort, error);
  }
}

async function drain(
  calls: AgentCalls,
  log: Log,
  input: { registration: Registration; gracePeriod: string },
  signal: AbortSignal,
): Promise<DrainOutput> {
  const { registration, gracePeriod } = input;
  try {
    await calls.drain(registration, gracePeriod, signal);
    return { found: true };
  } catch (error) {
    if (!isNotFound(error)) {
      throw new ShutdownStepError("drain", registration.serviceName, registration.servicePort, error);
    }
    log(`drain: the agent no longer knows ${registration.instance} (it restarted); nothing to drain`);
    return { found: false };
  }
}

async function deregister(calls: AgentCalls, log: Log, registration: Registration, signal: AbortSignal) {
  try {
    await calls.deregister(registration, signal);
  } catch (error) {
    if (!isNotFound(error)) {
      throw new ShutdownStepError("deregister", registration.serviceName, registration.servicePort, error);
    }
    log(
      `deregister: the agent no longer knows ${registration.instance} (it restarted); already deregistered`,
    );
  }
}

/** register / drain / deregister as promise actors over either contract's calls, honouring XState's AbortSignal. */
export function agentCallActors(calls: AgentCalls, log: Log) {
  return {
    register: fromPromise<void, { registration: Registration }>(({ input, signal }) =>
      register(calls, input.registration, signal),
    ),
    drain: fromPromise<DrainOutput, { registration: Registration; gracePeriod: string }>(
      ({ input, signal }) => drain(calls, log, input, signal),
    ),
    deregister: fromPromise<void, { registration: Registration }>(({ input, signal }) =>
      deregister(calls, log, input.registration, signal),
    ),
  };
}

/** What one lifecycle's actors do, bound to its actor system by `bindLifecycle`. */
export interface LifecycleBindings {
  calls: AgentCalls;
  openStream: OpenStream;
  stopServer?: (signal: AbortSignal) => Promise<void>;
  onError: (error: Error) => void;
  log: Log;
}

const bindings = new WeakMap<AnyActorSystem, LifecycleBindings>();

/** Binds a lifecycle's actors before its actor starts (`createActor(serviceMachine)`, then this, then `start()`). */
export function bindLifecycle(system: AnyActorSystem, lifecycle: LifecycleBindings): void {
  bindings.set(system, lifecycle);
}

function bound(system: AnyActorSystem): LifecycleBindings {
  const found = bindings.get(system);
  if (!found)
    throw new Error("lifecycle actor started before bindLifecycle(): nothing to talk to the agent with");
  return found;
}

/** The chart with the real actors, provided once per process. */
export const serviceMachine = lifecycleMachine.provide({
  actors: {
    watch: fromCallback<LifecycleEvent, WatchInput>(({ sendBack, system, input }) =>
      runWatch(bound(system).openStream, sendBack, input),
    ),
    register: fromPromise<void, { registration: Registration }>(({ input, signal, system }) =>
      register(bound(system).calls, input.registration, signal),
    ),
    drain: fromPromise<DrainOutput, { registration: Registration; gracePeriod: string }>(
      ({ input, signal, system }) => drain(bound(system).calls, bound(system).log, input, signal),
    ),
    deregister: fromPromise<void, { registration: Registration }>(({ input, signal, system }) =>
      deregister(bound(system).calls, bound(system).log, input.registration, signal),
    ),
    stopServer: fromPromise<void, Record<string, never>>(async ({ signal, system }) => {
      await bound(system).stopServer?.(signal);
    }),
  },
  actions: {
    reportError: ({ system }, { error }) => bound(system).onError(error),
  },
});
