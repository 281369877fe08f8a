/** The pure status reducers the chart's assigns use: what each input changes, and nothing more. */
import { describe, expect, it } from "vitest";
import {
  errorKindOf,
  initialStatus,
  onAgentConnected,
  onDeregistered,
  onDisconnected,
  onRegistered,
  onRegisterFailed,
  onWatchStopped,
  withEvent,
} from "../machines/status.ts";
import type { ConnectionEvent, Status } from "../machines/types.ts";
import { v1Registration } from "../src/agent/registration.ts";
import { ErrWatchStreamClosed, RegisterReplayError, SidecarAPIError } from "../src/errors.ts";
import { authRequest } from "./support/fixtures.ts";

const T1 = "2026-04-21T08:00:01.000Z";
const T2 = "2026-04-21T08:00:02.000Z";

function event(type: ConnectionEvent["type"], extra: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return {
    type,
    connected: true,
    eventId: "",
    message: "",
    service: "",
    status: "",
    lifecycleState: "",
    ...extra,
  };
}

function registeredStatus(): Status {
  return onRegistered(
    onAgentConnected(initialStatus(), event("connected"), T1),
    v1Registration(authRequest()),
  );
}

describe("status reducers", () => {
  it("starts with nothing set: false, zero and empty strings", () => {
    expect(initialStatus()).toEqual({
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
    });
  });

  it("marks connected on `connected`, then registered with the service and one replay", () => {
    const status = registeredStatus();
    expect(status).toMatchObject({
      connected: true,
      registered: true,
      lastServiceName: "auth",
      lastServicePort: 9090,
      lastEventType: "connected",
      lastEventAt: T1,
      lastConnectedAt: T1,
      registerReplayCount: 1,
    });
  });

  it("lets a heartbeat change only lastEventType/Id/At (not the Go client's LastDisconnectedAt defect)", () => {
    const before = registeredStatus();
    const after = withEvent(before, event("heartbeat", { eventId: "7" }), T2);
    expect(after).toEqual({ ...before, lastEventType: "heartbeat", lastEventId: "7", lastEventAt: T2 });
  });

  it("prefers the agent's generated_at for lastEventAt", () => {
    const generatedAt = "2026-04-21T07:59:59.000Z";
    expect(withEvent(initialStatus(), event("heartbeat", { generatedAt }), T2).lastEventAt).toBe(generatedAt);
  });

  it("counts a disconnect, drops connected and registered, records the error's kind", () => {
    const status = onDisconnected(registeredStatus(), new ErrWatchStreamClosed(), T2);
    expect(status).toMatchObject({
      connected: false,
      registered: false,
      lastDisconnectedAt: T2,
      disconnectCount: 1,
      lastErrorKind: "watch_stream_closed",
      lastError: "watch stream closed",
      lastErrorAt: T2,
      registerReplayCount: 1,
    });
  });

  it("counts a register failure with its message", () => {
    const error = new RegisterReplayError(
      "auth",
      9090,
      new SidecarAPIError("register", 400, "", "weight must be greater than zero"),
    );
    const status = onRegisterFailed(onAgentConnected(initialStatus(), event("connected"), T1), error, T2);
    expect(status).toMatchObject({
      connected: true,
      registered: false,
      registerReplayFailureCount: 1,
      lastErrorKind: "register_replay",
      lastError:
        "register replay failed: service=auth port=9090: agent answered 400: weight must be greater than zero",
    });
  });

  it("stops the watch without recording a failure, and ends unregistered", () => {
    const stopped = onWatchStopped(registeredStatus());
    expect(stopped).toEqual({ ...registeredStatus(), connected: false });
    expect(onDeregistered(stopped)).toEqual({ ...stopped, registered: false });
  });

  it("classifies errors by their kind, anything else as runtime_error", () => {
    expect(errorKindOf(new SidecarAPIError("drain", 500, "", "x"))).toBe("sidecar_api");
    expect(errorKindOf(new Error("boom"))).toBe("runtime_error");
    expect(errorKindOf(Object.assign(new Error("odd"), { kind: "made_up" }))).toBe("runtime_error");
    expect(errorKindOf("a string")).toBe("runtime_error");
  });

  it("keeps each error kind protocol.md lists as the error's own kind", () => {
    const kinds = [
      "watch_stream_closed",
      "watch_http_status",
      "watch_event_parse",
      "watch_liveness",
      "register_replay",
      "sidecar_api",
      "runtime_error",
    ];
    expect(kinds.map((kind) => errorKindOf(Object.assign(new Error(kind), { kind })))).toEqual(kinds);
  });

  it("classifies a thrown null or undefined, and an empty or non-string kind, as runtime_error", () => {
    expect(errorKindOf(null)).toBe("runtime_error");
    expect(errorKindOf(undefined)).toBe("runtime_error");
    expect(errorKindOf(Object.assign(new Error("blank"), { kind: "" }))).toBe("runtime_error");
    expect(errorKindOf({ kind: 7 })).toBe("runtime_error");
    expect(onDisconnected(registeredStatus(), undefined, T2)).toMatchObject({
      lastErrorKind: "runtime_error",
      lastError: "undefined",
      lastErrorAt: T2,
      disconnectCount: 1,
    });
  });
});
