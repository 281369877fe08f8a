/** One `/watch` attempt against a real loopback agent: every frame kind, every way the stream ends. */
import type { Socket } from "node:net";
import { Agent, buildConnector } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConnectionEvent } from "../machines/types.ts";
import { openWatchStream, type WatchStreamOptions } from "../src/agent/watch-stream.ts";
import {
  AgentUnreachableError,
  ErrWatchStreamClosed,
  WatchEventParseError,
  WatchHTTPStatusError,
} from "../src/errors.ts";
import { TestAgent } from "./support/agent.ts";
import { eventually } from "./support/lifecycle-harness.ts";

let agent: TestAgent;
const controllers: AbortController[] = [];

beforeEach(async () => {
  agent = await TestAgent.start();
});
afterEach(async () => {
  for (const controller of controllers.splice(0)) controller.abort();
  await agent.close();
});

/** Reads one stream attempt in the background: its events, its activity count, how it ended. */
function watch(options: Partial<WatchStreamOptions> = {}, url = `${agent.url}/watch`) {
  const controller = new AbortController();
  controllers.push(controller);
  const events: ConnectionEvent[] = [];
  let activity = 0;
  const ended: Promise<unknown> = (async () => {
    const stream = openWatchStream(url, {
      signal: controller.signal,
      onActivity: () => {
        activity += 1;
      },
      ...options,
    });
    for await (const event of stream) events.push(event);
    return new Error("the stream ended without an error");
  })().catch((error: unknown) => error);
  return {
    controller,
    events,
    ended,
    get activity() {
      return activity;
    },
  };
}

const structuredHeartbeat =
  "id: 7\nevent: heartbeat\n" +
  'data: {"event":"heartbeat","message":"alive","service":"sidecar-agent","status":"ready",\n' +
  'data:  "lifecycle_state":"serving","ready":true,"generated_at":"2026-04-21T08:00:00Z"}\n\n';

describe("openWatchStream", () => {
  it("handles every frame kind of protocol.md on one stream, in any mix", async () => {
    const stream = watch();
    await eventually(() => stream.events.length === 1, "the legacy connected event");
    agent.send(": heartbeat\n\n");
    agent.send("\n\n");
    agent.send("data:\n\n");
    agent.send(structuredHeartbeat);
    agent.send("event: ping\ndata: {}\n\n");
    agent.send('event: metrics\ndata: {"cpu":1}\n\n');
    agent.send("data: ok\n\n");
    agent.send("event: heartbeat\ndata: line one\ndata: line two\n\n");
    await eventually(() => stream.events.length === 4, "four events");
    expect(stream.events.map((event) => [event.type, event.eventId, event.message])).toEqual([
      ["connected", "", "ok"],
      ["heartbeat", "7", "alive"],
      ["connected", "", "ok"],
      ["heartbeat", "", "line one\nline two"],
    ]);
    expect(stream.events[1]).toMatchObject({
      service: "sidecar-agent",
      status: "ready",
      lifecycleState: "serving",
      ready: true,
      generatedAt: "2026-04-21T08:00:00.000Z",
    });
  });

  it("reports every byte as activity, a comment alone included", async () => {
    const stream = watch();
    await eventually(() => stream.events.length === 1, "the connected event");
    const before = stream.activity;
    agent.send(": heartbeat\n\n");
    await eventually(() => stream.activity > before, "activity from a comment");
    expect(stream.events).toHaveLength(1);
  });

  it("answers a non-200 with WatchHTTPStatusError carrying code and status text", async () => {
    agent.watch = { status: 503 };
    const error = await watch().ended;
    expect(error).toBeInstanceOf(WatchHTTPStatusError);
    expect(error).toMatchObject({
      kind: "watch_http_status",
      statusCode: 503,
      status: "503 Service Unavailable",
    });
    expect((error as Error).message).toBe("watch answered HTTP 503 Service Unavailable");
  });

  it("ends with ErrWatchStreamClosed on EOF, after the events before it", async () => {
    const stream = watch();
    await eventually(() => stream.events.length === 1, "the connected event");
    agent.send(structuredHeartbeat);
    agent.endStreams();
    const error = await stream.ended;
    expect(error).toBeInstanceOf(ErrWatchStreamClosed);
    expect(error).toMatchObject({ kind: "watch_stream_closed", message: "watch stream closed" });
    expect(stream.events.map((event) => event.type)).toEqual(["connected", "heartbeat"]);
  });

  it("ends with ErrWatchStreamClosed when the agent dies and cuts the socket", async () => {
    const stream = watch();
    await eventually(() => stream.events.length === 1, "the connected event");
    await agent.close();
    const error = await stream.ended;
    expect(error).toBeInstanceOf(ErrWatchStreamClosed);
  });

  it("breaks the stream on a JSON-looking payload that does not parse", async () => {
    const stream = watch();
    await eventually(() => stream.events.length === 1, "the connected event");
    agent.send('id: 12\nevent: heartbeat\ndata: {"event":"heartbeat",\n\n');
    const error = await stream.ended;
    expect(error).toBeInstanceOf(WatchEventParseError);
    expect(error).toMatchObject({ eventType: "heartbeat", eventId: "12", payload: '{"event":"heartbeat",' });
    await agent.until(() => agent.openStreams === 0, "the client to close the broken stream");
  });

  it("fails with AgentUnreachableError when nothing listens", async () => {
    const url = `${agent.url}/watch`;
    await agent.close();
    const error = await watch({}, url).ended;
    expect(error).toBeInstanceOf(AgentUnreachableError);
    expect(error).toMatchObject({ kind: "runtime_error", operation: "watch", url });
  });

  it("ends with the abort, not a stream failure, when the caller aborts", async () => {
    const stream = watch();
    await eventually(() => stream.events.length === 1, "the connected event");
    stream.controller.abort();
    const error = await stream.ended;
    expect(error).not.toBeInstanceOf(ErrWatchStreamClosed);
    expect((error as Error).name).toBe("AbortError");
  });

  describe("size limit", () => {
    it("rejects a whole frame larger than maxFrameSize that arrives in one chunk", async () => {
      const stream = watch({ maxFrameSize: 1_024 });
      await eventually(() => stream.events.length === 1, "the connected event");
      agent.send(`id: 5\nevent: heartbeat\ndata: ${"a".repeat(4_000)}\n\n`);
      agent.endStreams(); // an unbounded reader would end on this EOF instead
      const error = await stream.ended;
      expect(error).toBeInstanceOf(WatchEventParseError);
      expect(error).toMatchObject({ eventType: "heartbeat", eventId: "5" });
      expect((error as Error).message).toContain("frame larger than 1024 characters");
      expect(stream.events).toHaveLength(1);
    });

    it("rejects a frame whose many small data lines add up past the limit", async () => {
      const stream = watch({ maxFrameSize: 4_096 });
      await eventually(() => stream.events.length === 1, "the connected event");
      for (let line = 0; line < 200; line += 1) agent.send(`data: ${"b".repeat(100)}\n`);
      agent.endStreams(); // an unbounded reader would end on this EOF instead
      expect(await stream.ended).toBeInstanceOf(WatchEventParseError);
    });

    it("rejects a comment line longer than the limit", async () => {
      const stream = watch({ maxFrameSize: 1_024 });
      await eventually(() => stream.events.length === 1, "the connected event");
      agent.send(`: ${"c".repeat(4_000)}\n\n`);
      agent.endStreams(); // an unbounded reader would end on this EOF instead
      expect(await stream.ended).toBeInstanceOf(WatchEventParseError);
    });

    it("stops reading soon after the limit on a line that never ends: memory stays bounded", async () => {
      const sockets: Socket[] = [];
      const connect = buildConnector({});
      const dispatcher = new Agent({
        connect: (options, callback) =>
          connect(options, (error, socket) => {
            if (error) return callback(error, null);
            sockets.push(socket);
            callback(null, socket);
          }),
      });
      const limit = 256 * 1024;
      const stream = watch({ maxFrameSize: limit, dispatcher });
      await eventually(() => stream.events.length === 1, "the connected event");
      const megabyte = "x".repeat(1024 * 1024);
      agent.send("data: ");
      for (let sent = 0; sent < 32; sent += 1) agent.send(megabyte);
      agent.endStreams();
      const error = await stream.ended;
      const bytesRead = sockets.reduce((sum, socket) => sum + socket.bytesRead, 0);
      await dispatcher.close();
      // A parser that buffered everything would have read all 32 MB and ended on EOF instead.
      expect(error).toBeInstanceOf(WatchEventParseError);
      expect(bytesRead).toBeGreaterThan(limit);
      expect(bytesRead).toBeLessThan(limit + 2 * 1024 * 1024);
    });
  });
});
