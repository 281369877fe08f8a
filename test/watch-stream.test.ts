/** One `/watch` attempt against a real loopback agent: every frame kind, every way the stream ends. */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Agent, buildConnector } from "undici";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import type { ConnectionEvent } from "../machines/types.ts";
import { openWatchStream, type WatchStreamOptions } from "../src/agent/watch-stream.ts";
import {
  AgentUnreachableError,
  ErrWatchStreamClosed,
  WatchContentTypeError,
  WatchEventParseError,
  WatchHTTPStatusError,
} from "../src/errors.ts";
import { legacyConnected, TestAgent } from "./support/agent.ts";
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
  let settled = false;
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
  })()
    .catch((error: unknown) => error)
    .finally(() => {
      settled = true;
    });
  return {
    controller,
    events,
    ended,
    get activity() {
      return activity;
    },
    get settled() {
      return settled;
    },
  };
}

/**
 * Writes `text` to the open streams in `size`-character writes, each read by the client before the
 * next is written (its activity count moved), so every write is a chunk of its own on the client.
 */
async function sendInPieces(stream: ReturnType<typeof watch>, text: string, size: number) {
  for (let at = 0; at < text.length && !stream.settled; at += size) {
    const before = stream.activity;
    agent.send(text.slice(at, at + size));
    await eventually(() => stream.activity > before || stream.settled, "the client to read the write");
  }
}

/** A server whose `/watch` answers whatever `answer` writes: what the scripted agent never sends. */
async function rawAgent(answer: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/watch`;
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

  it("carries the agent's own reason phrase, as Go's resp.Status does", async () => {
    const url = await rawAgent((res) => {
      res.writeHead(503, "Agent Draining");
      res.end();
    });
    const error = await watch({}, url).ended;
    expect(error).toMatchObject({ statusCode: 503, status: "503 Agent Draining" });
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

  describe("content type", () => {
    it("refuses a 200 that is not text/event-stream (a proxy's web page) instead of reading it as a stream", async () => {
      const url = await rawAgent((res) =>
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<html>sign in</html>"),
      );
      const error = await watch({}, url).ended;
      expect(error).toBeInstanceOf(WatchContentTypeError);
      expect(error).toMatchObject({
        kind: "watch_http_status",
        statusCode: 200,
        contentType: "text/html; charset=utf-8",
        message: "watch answered HTTP 200 with content-type text/html; charset=utf-8, not text/event-stream",
      });
    });

    it("refuses a 200 with no content type", async () => {
      const url = await rawAgent((res) => res.writeHead(200).end(legacyConnected));
      const error = await watch({}, url).ended;
      expect(error).toBeInstanceOf(WatchContentTypeError);
      expect((error as Error).message).toBe(
        "watch answered HTTP 200 with no content-type, not text/event-stream",
      );
    });

    it("accepts text/event-stream in any case and with parameters", async () => {
      const url = await rawAgent((res) =>
        res.writeHead(200, { "content-type": "Text/Event-Stream; charset=utf-8" }).end(legacyConnected),
      );
      const stream = watch({}, url);
      expect(await stream.ended).toBeInstanceOf(ErrWatchStreamClosed);
      expect(stream.events.map((event) => event.type)).toEqual(["connected"]);
    });
  });

  describe("line endings", () => {
    const crOnlyConnected = "event: connected\rdata: ok\r\r";

    it("dispatches a CR-only frame at once, with not one byte after it", async () => {
      agent.watch = { frames: [crOnlyConnected] };
      const stream = watch();
      await eventually(
        () => stream.events.length === 1,
        "the CR-only connected event, with the stream silent",
      );
      expect(stream.events[0]).toMatchObject({ type: "connected", message: "ok" });
      expect(stream.settled).toBe(false);
    });

    it("keeps a CR-only frame the stream ends right after", async () => {
      agent.watch = { frames: [crOnlyConnected] };
      const stream = watch();
      await agent.until(() => agent.openStreams === 1, "the watch stream");
      agent.endStreams();
      expect(await stream.ended).toBeInstanceOf(ErrWatchStreamClosed);
      expect(stream.events.map((event) => [event.type, event.message])).toEqual([["connected", "ok"]]);
    });

    it("reads a CRLF split between two writes as one line end, not a blank line", async () => {
      const stream = watch();
      await eventually(() => stream.events.length === 1, "the connected event");
      await sendInPieces(stream, "event: heartbeat\r\ndata: split\r\n\r\n", "event: heartbeat\r".length);
      await eventually(() => stream.events.length === 2, "the heartbeat");
      expect(stream.events[1]).toMatchObject({ type: "heartbeat", message: "split" });
    });

    it("reads an LF after a CRLF that ended the previous write as a blank line", async () => {
      const stream = watch();
      await eventually(() => stream.events.length === 1, "the connected event");
      await sendInPieces(
        stream,
        "event: heartbeat\ndata: after crlf\r\n\n",
        "event: heartbeat\ndata: after crlf\r\n".length,
      );
      await eventually(() => stream.events.length === 2, "the heartbeat");
      expect(stream.events[1]).toMatchObject({ type: "heartbeat", message: "after crlf" });
    });

    it("reads LF, CR and CRLF mixed on one stream, frame after frame", async () => {
      const stream = watch();
      await eventually(() => stream.events.length === 1, "the connected event");
      agent.send("id: 1\revent: heartbeat\r\ndata: a\n\r");
      agent.send("id: 2\r\nevent: heartbeat\rdata: b\r\r\n");
      await eventually(() => stream.events.length === 3, "two heartbeats");
      expect(stream.events.slice(1).map((event) => [event.eventId, event.message])).toEqual([
        ["1", "a"],
        ["2", "b"],
      ]);
    });
  });

  describe("size limit, however the bytes are split", () => {
    const max = 16_384;
    const long = "x".repeat(40_000);
    const oversized: [string, string][] = [
      ["an id line", `id: ${long}\nevent: heartbeat\ndata: ok\n\n`],
      ["an event name line", `event: ${long}\ndata: ok\n\n`],
      ["one long data line", `event: heartbeat\ndata: ${long}\n\n`],
      ["many short data lines adding up", `event: heartbeat\n${`data: ${"y".repeat(100)}\n`.repeat(400)}\n`],
      ["a comment", `: ${long}\n\n`],
      ["an unknown field", `retry-after: ${long}\n\n`],
    ];
    const writes: [string, number][] = [
      ["in one write", Number.POSITIVE_INFINITY],
      ["in 1,000-byte writes", 1_000],
    ];

    for (const [what, bytes] of oversized) {
      for (const [how, size] of writes) {
        it(`refuses ${what} over maxFrameSize ${how}, and nothing after it`, async () => {
          const stream = watch({ maxFrameSize: max });
          await eventually(() => stream.events.length === 1, "the connected event");
          await sendInPieces(stream, `${bytes}data: ok\n\n`, size);
          agent.endStreams(); // a reader that let the bytes through would end on this EOF instead
          const error = await stream.ended;
          expect(error).toBeInstanceOf(WatchEventParseError);
          expect((error as Error).message).toMatch(/(line|frame) larger than 16384 characters/);
          expect(stream.events).toHaveLength(1);
        });
      }
    }

    const atTheLimit: [string, string][] = [
      ["data of exactly maxFrameSize", `event: heartbeat\ndata: ${"z".repeat(max)}\n\n`],
      ["a comment line of exactly maxFrameSize", `:${"c".repeat(max - 1)}\nevent: heartbeat\ndata: z\n\n`],
    ];
    for (const [what, bytes] of atTheLimit) {
      for (const [how, size] of writes) {
        it(`accepts ${what} ${how}`, async () => {
          const stream = watch({ maxFrameSize: max });
          await eventually(() => stream.events.length === 1, "the connected event");
          await sendInPieces(stream, bytes, size);
          await eventually(() => stream.events.length === 2 || stream.settled, "the heartbeat");
          expect(stream.events[1]?.type).toBe("heartbeat");
        });
      }
    }

    it("names the frame of an oversized data line, and the field of an oversized line", async () => {
      const stream = watch({ maxFrameSize: max });
      await eventually(() => stream.events.length === 1, "the connected event");
      await sendInPieces(stream, `id: 5\nevent: heartbeat\ndata: ${long}\n\n`, 1_000);
      expect(await stream.ended).toMatchObject({
        eventType: "heartbeat",
        eventId: "5",
        message: expect.stringContaining(`frame larger than ${max} characters`),
      });
      const second = watch({ maxFrameSize: max });
      await eventually(() => second.events.length === 1, "the connected event");
      agent.send(`id: 6\nevent: ${long}\n\n`);
      expect(await second.ended).toMatchObject({
        eventId: "6",
        message: expect.stringContaining(`line larger than ${max} characters (field "event")`),
      });
    });
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

    it.each(["data: ", "id: "])(
      "stops reading soon after the limit on a `%s` line that never ends: memory stays bounded",
      async (field) => {
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
        agent.send(field);
        for (let sent = 0; sent < 32; sent += 1) agent.send(megabyte);
        agent.endStreams();
        const error = await stream.ended;
        const bytesRead = sockets.reduce((sum, socket) => sum + socket.bytesRead, 0);
        await dispatcher.close();
        // A parser that buffered everything would have read all 32 MB and ended on EOF instead.
        expect(error).toBeInstanceOf(WatchEventParseError);
        expect(bytesRead).toBeGreaterThan(limit);
        expect(bytesRead).toBeLessThan(limit + 2 * 1024 * 1024);
      },
    );
  });
});
