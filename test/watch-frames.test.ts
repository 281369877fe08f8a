/** What each SSE frame kind of protocol.md means, one parsed frame at a time. */
import { describe, expect, it } from "vitest";
import { toConnectionEvent } from "../src/agent/watch-frames.ts";
import { WatchEventParseError } from "../src/errors.ts";

describe("toConnectionEvent", () => {
  it("reads a legacy `event: connected` / `data: ok` as connected, keeping `ok` as the message", () => {
    expect(toConnectionEvent({ event: "connected", data: "ok", id: undefined })).toEqual({
      type: "connected",
      connected: true,
      eventId: "",
      message: "ok",
      service: "",
      status: "",
      lifecycleState: "",
      ready: undefined,
      generatedAt: undefined,
    });
  });

  it("reads every field of a structured JSON heartbeat, with its id", () => {
    const data =
      '{"event":"heartbeat","message":"alive","service":"sidecar-agent","status":"ready",\n' +
      ' "lifecycle_state":"serving","ready":true,"generated_at":"2026-04-21T08:00:00Z"}';
    expect(toConnectionEvent({ event: "heartbeat", id: "7", data })).toEqual({
      type: "heartbeat",
      connected: true,
      eventId: "7",
      message: "alive",
      service: "sidecar-agent",
      status: "ready",
      lifecycleState: "serving",
      ready: true,
      generatedAt: "2026-04-21T08:00:00.000Z",
    });
  });

  it("lets the payload's `event` override the SSE event name", () => {
    const event = toConnectionEvent({ event: "message", id: "1", data: '{"event":"connected"}' });
    expect(event?.type).toBe("connected");
  });

  it("reads an unnamed `data: ok` (type message) as connected", () => {
    expect(toConnectionEvent({ event: undefined, id: undefined, data: "ok" })?.type).toBe("connected");
  });

  it("keeps data that is not JSON as the message text", () => {
    const event = toConnectionEvent({ event: "heartbeat", id: "3", data: "still here" });
    expect(event).toMatchObject({ type: "heartbeat", eventId: "3", message: "still here", service: "" });
  });

  it("leaves `ready` undefined when the agent did not say, false when it said false", () => {
    expect(
      toConnectionEvent({ event: "heartbeat", id: undefined, data: '{"status":"starting"}' })?.ready,
    ).toBe(undefined);
    expect(toConnectionEvent({ event: "heartbeat", id: undefined, data: '{"ready":false}' })?.ready).toBe(
      false,
    );
  });

  it("keeps a generated_at with fractional seconds or an offset, as UTC", () => {
    const at = (generatedAt: string) =>
      toConnectionEvent({
        event: "heartbeat",
        id: undefined,
        data: JSON.stringify({ generated_at: generatedAt }),
      })?.generatedAt;
    expect(at("2026-04-21T08:00:00.123456Z")).toBe("2026-04-21T08:00:00.123Z");
    expect(at("2026-04-21T10:00:00.5+02:00")).toBe("2026-04-21T08:00:00.500Z");
  });

  it("ignores a generated_at that is not a time", () => {
    const event = toConnectionEvent({ event: "heartbeat", id: undefined, data: '{"generated_at":"soon"}' });
    expect(event?.generatedAt).toBeUndefined();
  });

  it("ignores blank keep-alives and unknown event types", () => {
    expect(toConnectionEvent({ event: undefined, id: undefined, data: "" })).toBeNull();
    expect(toConnectionEvent({ event: undefined, id: "4", data: "   " })).toBeNull();
    expect(toConnectionEvent({ event: "ping", id: undefined, data: "{}" })).toBeNull();
    expect(toConnectionEvent({ event: undefined, id: undefined, data: "hello" })).toBeNull();
    expect(toConnectionEvent({ event: "heartbeat", id: undefined, data: '{"event":"metrics"}' })).toBeNull();
  });

  it("throws WatchEventParseError with type, id and raw payload for JSON-looking data that does not parse", () => {
    const frame = { event: "heartbeat", id: "9", data: '{"event":"heartbeat",' };
    let thrown: unknown;
    try {
      toConnectionEvent(frame);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WatchEventParseError);
    const error = thrown as WatchEventParseError;
    expect(error).toMatchObject({
      kind: "watch_event_parse",
      eventType: "heartbeat",
      eventId: "9",
      payload: '{"event":"heartbeat",',
    });
    expect(error.message).toContain("type=heartbeat id=9");
    expect(error.message).toContain('payload: {"event":"heartbeat",');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("treats a broken `[` payload as a parse error too, typed `message` when unnamed", () => {
    expect(() => toConnectionEvent({ event: undefined, id: undefined, data: "[1," })).toThrow(
      /type=message id=\(none\)/,
    );
  });
});

describe("toConnectionEvent on frames protocol.md leaves to interpretation", () => {
  const heartbeat = (data: string) => toConnectionEvent({ event: "heartbeat", id: undefined, data });

  it("keeps `event: heartbeat` with `data: ok` a heartbeat: only an unnamed `ok` means connected", () => {
    expect(heartbeat("ok")).toMatchObject({ type: "heartbeat", message: "ok" });
  });

  it("reads whitespace-padded `ok` and padded JSON as if unpadded, keeping the text as sent", () => {
    expect(toConnectionEvent({ event: undefined, id: undefined, data: "  ok \t" })).toMatchObject({
      type: "connected",
      message: "  ok \t",
    });
    expect(heartbeat('  \t{"message":"alive","ready":true}  ')).toMatchObject({
      type: "heartbeat",
      message: "alive",
      ready: true,
    });
  });

  it("keeps a named frame with empty data (liveness or a replay), and ignores an unnamed one", () => {
    expect(heartbeat("")).toMatchObject({ type: "heartbeat", message: "" });
    expect(toConnectionEvent({ event: "connected", id: "2", data: "" })).toMatchObject({
      type: "connected",
      eventId: "2",
      message: "",
    });
    expect(toConnectionEvent({ event: undefined, id: "2", data: "" })).toBeNull();
  });

  it("reads a JSON array as JSON without fields: no parse error, no message, the SSE name decides", () => {
    expect(heartbeat("[1,2]")).toEqual({
      type: "heartbeat",
      connected: true,
      eventId: "",
      message: "",
      service: "",
      status: "",
      lifecycleState: "",
      ready: undefined,
      generatedAt: undefined,
    });
    expect(toConnectionEvent({ event: undefined, id: undefined, data: "[1,2]" })).toBeNull();
  });

  it("ignores a generated_at that is not an RFC 3339 time, so lastEventAt falls back to local time", () => {
    for (const generatedAt of [1776758400000, "1", "April 21", "2026-04-21", null, true]) {
      expect(heartbeat(JSON.stringify({ generated_at: generatedAt }))?.generatedAt).toBeUndefined();
    }
    expect(heartbeat('{"generated_at":"2026-04-21T10:00:00.5+02:00"}')?.generatedAt).toBe(
      "2026-04-21T08:00:00.500Z",
    );
  });

  it("ignores a generated_at with text before or after the RFC 3339 time, or one wrapped in an array", () => {
    // Date.parse reads each of these as a time (the five-digit year as the year 12026).
    for (const generatedAt of [
      "12026-04-21 08:00:00Z",
      "Tue 2026-04-21 08:00:00Z",
      "2026-04-21 08:00:00Z GMT",
      ["2026-04-21T08:00:00Z"],
    ]) {
      expect(heartbeat(JSON.stringify({ generated_at: generatedAt }))?.generatedAt).toBeUndefined();
    }
    expect(heartbeat('{"generated_at":"2026-04-21 08:00:00Z"}')?.generatedAt).toBe(
      "2026-04-21T08:00:00.000Z",
    );
  });

  it("leaves `ready` unknown when it is not a boolean", () => {
    for (const ready of ['"true"', '"false"', "1", "null"]) {
      expect(heartbeat(`{"ready":${ready}}`)?.ready).toBeUndefined();
    }
  });

  it("lets the JSON `event` override the SSE name both ways: unknown wins over connected, connected over heartbeat", () => {
    expect(toConnectionEvent({ event: "connected", id: "5", data: '{"event":"metrics"}' })).toBeNull();
    expect(toConnectionEvent({ event: "heartbeat", id: "6", data: '{"event":"connected"}' })).toMatchObject({
      type: "connected",
      eventId: "6",
    });
  });

  it("falls back to the SSE name when the JSON `event` is not a non-empty string", () => {
    expect(heartbeat('{"event":""}')?.type).toBe("heartbeat");
    expect(heartbeat('{"event":7}')?.type).toBe("heartbeat");
  });
});
