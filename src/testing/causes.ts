/**
 * The events the lifecycle chart can receive, declared once, each with the real-world cause it
 * stands for, where that cause can happen, and what it must do to the status snapshot. Path
 * generation, the simulated actors and the status checks all read this table; a new event is
 * one more entry. Timer expiries are not listed: they are read from the chart's `after`s.
 */
import type { AnyEventObject, AnyMachineSnapshot } from "xstate";
import { SidecarLifecycleError } from "../../machines/errors.ts";
import type { ConnectionEvent, ConnectionEventType, ErrorKind, Status } from "../../machines/types.ts";

/** Who makes a cause happen: the service calling the lifecycle, the watch stream, an invoked actor settling, or time. */
export type CauseOrigin = "service" | "watch" | "actor" | "timer";

export interface CauseInput {
  /** The chart's snapshot before the cause. */
  before: AnyMachineSnapshot;
  /** 1-based step number in its path; frames carry it as their SSE id. */
  seq: number;
}

type TimestampField = "lastEventAt" | "lastConnectedAt" | "lastDisconnectedAt" | "lastErrorAt";

/** What one step does to the status. Fields not named here must keep their value. */
export interface StatusChange {
  /** Fields that take exactly these values. */
  set?: Partial<Status>;
  /** Timestamps stamped with the current time: they must be set (non-empty). */
  stamp?: TimestampField[];
  /** The step records an error: `lastError` must contain this text. */
  errorText?: string;
  /** The way out ends here with this error (the shutdown promise rejects). */
  failsShutdown?: boolean;
}

export interface LifecycleCause {
  /** Unique name, used in path descriptions and to pick a driver's executor. */
  readonly name: string;
  readonly origin: CauseOrigin;
  /** For `actor` causes: the invoke id whose result this is; for `timer` causes: the delay name. */
  readonly source?: string;
  /** The event the chart receives. */
  event(input: CauseInput): AnyEventObject;
  /** Whether the cause can happen in this state at all (the chart must also accept its event). */
  when?(snapshot: AnyMachineSnapshot): boolean;
  /** The status change it implies, stated independently of the chart's reducers. */
  status?(before: Status, input: CauseInput): StatusChange;
}

/** When the agent generated event `seq` (frames carry it as `generated_at`). */
export function generatedAt(seq: number): string {
  return new Date(Date.UTC(2026, 3, 21, 8, 0, 0) + seq * 1000).toISOString();
}

/** The ConnectionEvent a structured agent frame with id `seq` turns into. */
function agentEvent(type: ConnectionEventType, seq: number): ConnectionEvent {
  return {
    type,
    connected: true,
    eventId: String(seq),
    message: "alive",
    service: "sidecar-agent",
    status: "ready",
    lifecycleState: "serving",
    ready: true,
    generatedAt: generatedAt(seq),
  };
}

const sawEvent =
  (type: ConnectionEventType) =>
  (_: Status, { seq }: CauseInput): StatusChange => ({
    set: {
      lastEventType: type,
      lastEventId: String(seq),
      lastEventAt: generatedAt(seq),
      agentReady: true,
      agentStatus: "ready",
    },
  });

const recordsError =
  (kind: ErrorKind, text: string, extra: Partial<Status> = {}) =>
  (): StatusChange => ({ set: { lastErrorKind: kind, ...extra }, stamp: ["lastErrorAt"], errorText: text });

/** A failed or ended watch attempt: disconnected, not registered, counted, error recorded. */
const disconnects =
  (kind: ErrorKind, text: string) =>
  (before: Status): StatusChange => ({
    set: {
      connected: false,
      registered: false,
      disconnectCount: before.disconnectCount + 1,
      lastErrorKind: kind,
    },
    stamp: ["lastDisconnectedAt", "lastErrorAt"],
    errorText: text,
  });

const connecting = (snapshot: AnyMachineSnapshot) => snapshot.matches("running.online.session.connecting");
/** The stream already failed (a register still in flight): it carries nothing more. */
const streamGone = (snapshot: AnyMachineSnapshot) =>
  snapshot.matches({ running: { online: { session: { registering: "streamLost" } } } });

function service(
  name: string,
  event: (input: CauseInput) => AnyEventObject = () => ({ type: name }),
  status?: LifecycleCause["status"],
): LifecycleCause {
  return { name, origin: "service", event, status };
}

/** A watch-stream cause; it happens only while the stream is open (and `when` allows). */
function watch(
  name: string,
  event: (input: CauseInput) => AnyEventObject,
  status: LifecycleCause["status"],
  when: (snapshot: AnyMachineSnapshot) => boolean = () => true,
): LifecycleCause {
  return {
    name,
    origin: "watch",
    event,
    status,
    when: (snapshot) => !streamGone(snapshot) && when(snapshot),
  };
}

function failure(kind: ErrorKind, text: string) {
  return new SidecarLifecycleError(kind, text);
}

/** An invoked actor settling: `done` with an output, or `error` with an error. */
function settles(
  name: string,
  actor: string,
  result: { output: unknown } | { error: Error },
  status?: LifecycleCause["status"],
): LifecycleCause {
  const type = "output" in result ? `xstate.done.actor.${actor}` : `xstate.error.actor.${actor}`;
  return {
    name,
    origin: "actor",
    source: actor,
    event: () => ({ type, actorId: actor, ...result }),
    status,
  };
}

/** An agent restart as the watch sees it: before `/watch` answered (no answer), or mid-stream (EOF). */
function restart(before: AnyMachineSnapshot): { kind: ErrorKind; text: string; error: Error } {
  if (!connecting(before)) {
    const text = "watch stream closed";
    return { kind: "watch_stream_closed", text, error: failure("watch_stream_closed", text) };
  }
  const message = "watch http://127.0.0.1:15010/watch: no answer from the agent: other side closed";
  return {
    kind: "runtime_error",
    text: "no answer from the agent",
    error: failure("runtime_error", message),
  };
}

export const lifecycleCauses: readonly LifecycleCause[] = [
  // The service, through the lifecycle's API.
  service("START"),
  // START may override the readiness gate of the input (a ManagedServer does).
  service("START.serverReady", () => ({ type: "START", serverReady: true })),
  service("START.serverNotReady", () => ({ type: "START", serverReady: false })),
  service("SHUTDOWN"),
  service("DRAIN", () => ({ type: "DRAIN", gracePeriod: "250ms" })),
  service("DEREGISTER"),
  service("SERVER_READY"),
  service("SERVER_EXITED"),
  service("FORCE"),
  service(
    "RECORD_ERROR",
    () => ({ type: "RECORD_ERROR", error: new Error("database pool exhausted") }),
    recordsError("runtime_error", "database pool exhausted"),
  ),
  service(
    "OBSERVE_EVENT",
    ({ seq }) => ({ type: "OBSERVE_EVENT", event: agentEvent("heartbeat", seq) }),
    sawEvent("heartbeat"),
  ),

  // The agent, through the watch stream. Heartbeats and comments follow `connected`; a non-200
  // answer comes only to a stream that has said nothing yet.
  watch(
    "frame.connected",
    ({ seq }) => ({ type: "WATCH.CONNECTED", event: agentEvent("connected", seq) }),
    (before, input) => {
      const seen = sawEvent("connected")(before, input);
      return { set: { ...seen.set, connected: true }, stamp: ["lastConnectedAt"] };
    },
  ),
  watch(
    "frame.heartbeat",
    ({ seq }) => ({ type: "WATCH.HEARTBEAT", event: agentEvent("heartbeat", seq) }),
    sawEvent("heartbeat"),
    (snapshot) => !connecting(snapshot),
  ),
  watch(
    "frame.comment",
    () => ({ type: "WATCH.ACTIVITY" }),
    undefined,
    (snapshot) => !connecting(snapshot),
  ),
  watch(
    "frame.malformed",
    () => ({ type: "WATCH.FAILED", error: failure("watch_event_parse", "watch event parse failed") }),
    disconnects("watch_event_parse", "watch event parse failed"),
  ),
  watch(
    "stream.end",
    () => ({ type: "WATCH.FAILED", error: failure("watch_stream_closed", "watch stream closed") }),
    disconnects("watch_stream_closed", "watch stream closed"),
  ),
  watch(
    "watch.503",
    () => ({ type: "WATCH.FAILED", error: failure("watch_http_status", "watch answered HTTP 503") }),
    disconnects("watch_http_status", "watch answered HTTP 503"),
    connecting,
  ),
  // Not while a register is in flight: the restart would fail it too, in a race with the stream.
  watch(
    "agent.restart",
    ({ before }) => ({ type: "WATCH.FAILED", error: restart(before).error }),
    (status, { before }) => {
      const { kind, text } = restart(before);
      return disconnects(kind, text)(status);
    },
    (snapshot) => !snapshot.matches("running.online.session.registering"),
  ),

  // The agent answering register / drain / deregister; the business server stopping.
  // Accepted after the stream failed: counted, but not `registered` until a replay lands on a live stream.
  settles("register.accepted", "register", { output: undefined }, (before, { before: snapshot }) => ({
    set: {
      registered: !streamGone(snapshot),
      registerReplayCount: before.registerReplayCount + 1,
      lastServiceName: snapshot.context.registration.serviceName,
      lastServicePort: snapshot.context.registration.servicePort,
    },
  })),
  settles(
    "register.refused",
    "register",
    { error: failure("register_replay", "register replay failed: agent answered 500: xds refresh failed") },
    (before) =>
      recordsError("register_replay", "xds refresh failed", {
        registered: false,
        registerReplayFailureCount: before.registerReplayFailureCount + 1,
      })(),
  ),
  settles("drain.found", "drain", { output: { found: true } }),
  settles("drain.notFound", "drain", { output: { found: false } }),
  settles(
    "drain.failed",
    "drain",
    { error: failure("sidecar_api", "drain failed: agent answered 500: consul maintenance failed") },
    recordsError("sidecar_api", "consul maintenance failed"),
  ),
  settles("stopServer.done", "stopServer", { output: undefined }),
  settles(
    "stopServer.failed",
    "stopServer",
    { error: new Error("business server did not stop: 3 connections open") },
    recordsError("runtime_error", "business server did not stop"),
  ),
  settles("deregister.accepted", "deregister", { output: undefined }, () => ({
    set: { connected: false, registered: false },
  })),
  settles("deregister.notFound", "deregister", { output: undefined }, () => ({
    set: { connected: false, registered: false },
  })),
  settles(
    "deregister.failed",
    "deregister",
    { error: failure("sidecar_api", "deregister failed: agent answered 500: consul deregister failed") },
    // A forced exit does not retry: it ends with the error.
    (_, { before }) => ({
      ...recordsError("sidecar_api", "consul deregister failed")(),
      failsShutdown: before.matches("forcedExit"),
    }),
  ),
];

/** What a timer's expiry does to the status, by delay name; timers not listed change nothing. */
export const timerStatus: Readonly<Record<string, LifecycleCause["status"]>> = {
  livenessTimeout: disconnects("watch_liveness", "watch stream silent"),
  // The drain step's window closing cuts a drain call in flight (an error), or just ends a wait.
  drainDeadline: (_, { before }) =>
    before.matches({ stopping: "draining" }) ? recordsError("sidecar_api", "drain cut")() : {},
  // With nothing registered no deregister follows to clear it: the way out ends with this error.
  stopDeadline: (_, { before }) => ({
    ...recordsError("sidecar_api", "business server stop cut")(),
    failsShutdown: !before.context.registerSent,
  }),
  forceTimeout: () => ({ ...recordsError("sidecar_api", "forced deregister cut")(), failsShutdown: true }),
  shutdownTimeout: () => ({ ...recordsError("sidecar_api", "shutdown timed out")(), failsShutdown: true }),
};
