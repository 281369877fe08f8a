/**
 * Pure status reducers: (status, input, now) -> new status. The chart's `assign`s call these;
 * tests call them directly. Nothing here reads a clock or does I/O.
 */

import { errorMessageOf } from "./errors.ts";
import type { ConnectionEvent, ErrorKind, Registration, Status } from "./types.ts";
import { utcISO } from "./utc-time.ts";

const ERROR_KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  "watch_stream_closed",
  "watch_http_status",
  "watch_event_parse",
  "watch_liveness",
  "register_replay",
  "sidecar_api",
  "runtime_error",
]);

export function initialStatus(): Status {
  return {
    connected: false,
    registered: false,
    lastServiceName: "",
    lastServicePort: 0,
    lastEventType: "",
    lastEventId: "",
    lastEventAt: "",
    lastConnectedAt: "",
    lastDisconnectedAt: "",
    disconnectCount: 0,
    registerReplayCount: 0,
    registerReplayFailureCount: 0,
    lastErrorKind: "",
    lastError: "",
    lastErrorAt: "",
    agentReady: null,
    agentStatus: "",
  };
}

/** The kind an error carries (`error.kind`), or `runtime_error` for anything else. */
export function errorKindOf(error: unknown): ErrorKind {
  const kind = (error as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" && ERROR_KINDS.has(kind) ? (kind as ErrorKind) : "runtime_error";
}

export function withError(status: Status, error: unknown, now: string): Status {
  return {
    ...status,
    lastErrorKind: errorKindOf(error),
    lastError: errorMessageOf(error),
    lastErrorAt: now,
  };
}

/**
 * Any event seen on the stream: only the `lastEvent*` fields move (a heartbeat is not a
 * disconnect), and what the agent says about its own readiness, when it says it.
 */
export function withEvent(status: Status, event: ConnectionEvent, now: string): Status {
  return {
    ...status,
    lastEventType: event.type,
    lastEventId: event.eventId,
    lastEventAt: event.generatedAt || now,
    agentReady: event.ready ?? status.agentReady,
    agentStatus: event.status || status.agentStatus,
  };
}

export function onAgentConnected(status: Status, event: ConnectionEvent, now: string): Status {
  return { ...withEvent(status, event, now), connected: true, lastConnectedAt: now };
}

/**
 * The agent accepted a register. `streamUp` false: the watch failed while the call was in flight,
 * so the replay counts but `registered` stays false until a replay lands on a live stream.
 */
export function onRegistered(status: Status, registration: Registration, streamUp = true): Status {
  return {
    ...status,
    registered: streamUp,
    lastServiceName: registration.serviceName,
    lastServicePort: registration.servicePort,
    registerReplayCount: status.registerReplayCount + 1,
  };
}

export function onRegisterFailed(status: Status, error: unknown, now: string): Status {
  return {
    ...withError(status, error, now),
    registered: false,
    registerReplayFailureCount: status.registerReplayFailureCount + 1,
  };
}

/**
 * The watch attempt failed or ended. A restarted agent has forgotten every registration, so
 * `registered` drops with `connected`: claiming otherwise would be a lie until the replay lands.
 */
export function onDisconnected(status: Status, error: unknown, now: string): Status {
  return {
    ...withError(status, error, now),
    connected: false,
    registered: false,
    lastDisconnectedAt: now,
    disconnectCount: status.disconnectCount + 1,
  };
}

/** The watch was stopped on purpose (shutdown): no longer connected, but not a failure. */
export function onWatchStopped(status: Status): Status {
  return { ...status, connected: false };
}

export function onDeregistered(status: Status): Status {
  return { ...status, connected: false, registered: false };
}

/** Wall-clock time as the status wants it. */
export function nowISO(): string {
  return utcISO(Date.now());
}
