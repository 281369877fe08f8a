/**
 * A property of the whole `/watch` path: any mix of protocol.md's frames, with any line endings,
 * split at any byte across real TCP writes from a loopback server, yields exactly the events
 * protocol.md says, in order, and ends with the right error. What each frame should yield comes
 * from a model written from protocol.md's rules here, not from the decoder under test.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionEvent, ConnectionEventType } from "../machines/types.ts";
import { openWatchStream } from "../src/agent/watch-stream.ts";
import { ErrWatchStreamClosed, WatchEventParseError } from "../src/errors.ts";

const MAX_FRAME = 512;

/** How a stream ends, per protocol.md: EOF, a JSON-looking payload that does not parse, a frame over the limit. */
type Ending =
  | { kind: "closed" }
  | { kind: "parse"; type: string; id: string; payload: string }
  | { kind: "tooLarge" };

/** One frame's lines (without the blank line that ends it) and what protocol.md says it yields. */
interface Frame {
  lines: string[];
  event?: ConnectionEvent;
  ends?: Ending;
}

function connectionEvent(type: ConnectionEventType, fields: Partial<ConnectionEvent>): ConnectionEvent {
  return {
    type,
    connected: true,
    eventId: "",
    message: "",
    service: "",
    status: "",
    lifecycleState: "",
    ready: undefined,
    generatedAt: undefined,
    ...fields,
  };
}

/** Only `connected` and `heartbeat` are acted on; other types are ignored (protocol.md, frame kind 6). */
const actedOn = (type: string): type is "connected" | "heartbeat" =>
  type === "connected" || type === "heartbeat";

// Text without `{` or `[` (so it is never JSON-looking) and with multi-byte characters, so that
// random byte splits fall inside UTF-8 sequences.
const textChar = fc.constantFrom(..."abcxyz019 .,:;!?-_'\"\\/é名🙂");
const text = (maxLength: number) => fc.array(textChar, { maxLength }).map((chars) => chars.join(""));
const eventId = fc.option(fc.nat({ max: 99_999 }).map(String), { nil: undefined });
const idLines = (id: string | undefined) => (id === undefined ? [] : [`id: ${id}`]);

/** Frame kind 1: the legacy agent's `connected`. */
const legacyConnected = fc.constant<Frame>({
  lines: ["event: connected", "data: ok"],
  event: connectionEvent("connected", { message: "ok" }),
});

/** Frame kind 1: the legacy heartbeat comment; it proves liveness and yields nothing. */
const heartbeatComment = fc.constant<Frame>({ lines: [": heartbeat"] });

/** Frame kind 2: an `id:` and a JSON payload, on one data line or several (joined with `\n`). */
const structured = fc
  .record({
    id: eventId,
    sseName: fc.option(fc.constantFrom("heartbeat", "connected", "metrics"), { nil: undefined }),
    multiLine: fc.boolean(),
    payload: fc.record(
      {
        event: fc.constantFrom("heartbeat", "connected", "metrics", ""),
        message: text(12),
        service: text(12),
        status: fc.constantFrom("ready", "starting", "degraded"),
        lifecycle_state: fc.constantFrom("serving", "draining"),
        ready: fc.boolean(),
        generated_at: fc
          .date({
            min: new Date("2000-01-01T00:00:00Z"),
            max: new Date("2100-01-01T00:00:00Z"),
            noInvalidDate: true,
          })
          .map((date) => date.toISOString()),
      },
      { requiredKeys: [] },
    ),
  })
  .map(({ id, sseName, multiLine, payload }): Frame => {
    const json = multiLine ? JSON.stringify(payload, null, 1).split("\n") : [JSON.stringify(payload)];
    const lines = [
      ...idLines(id),
      ...(sseName ? [`event: ${sseName}`] : []),
      ...json.map((line) => `data: ${line}`),
    ];
    // The payload's `event` overrides the SSE name when present; unnamed is type `message`.
    const type = payload.event || sseName || "message";
    if (!actedOn(type)) return { lines };
    return {
      lines,
      event: connectionEvent(type, {
        eventId: id ?? "",
        message: payload.message ?? "",
        service: payload.service ?? "",
        status: payload.status ?? "",
        lifecycleState: payload.lifecycle_state ?? "",
        ready: payload.ready,
        generatedAt: payload.generated_at,
      }),
    };
  });

/** Frame kind 3: an unnamed event whose data is `ok` means connected (old agents). */
const unnamedOk = eventId.map(
  (id): Frame => ({
    lines: [...idLines(id), "data: ok"],
    event: connectionEvent("connected", { eventId: id ?? "", message: "ok" }),
  }),
);

/** Frame kind 4: data that is not JSON is kept as the message text (lines joined with `\n`). */
const plainText = fc
  .record({
    id: eventId,
    name: fc.constantFrom("heartbeat", "connected"),
    data: fc.array(text(16), { minLength: 1, maxLength: 3 }),
  })
  .map(
    ({ id, name, data }): Frame => ({
      lines: [...idLines(id), `event: ${name}`, ...data.map((line) => `data: ${line}`)],
      event: connectionEvent(name, { eventId: id ?? "", message: data.join("\n") }),
    }),
  );

/** Frame kind 6: blank keep-alives (no name, no data) and unknown types yield nothing. */
const ignored = fc
  .constantFrom(
    [],
    ["data:"],
    ["id: 3"],
    ["event: metrics", 'data: {"cpu":1}'],
    ["event: ping", "data: hello"],
    ["data: hello"],
  )
  .map((lines): Frame => ({ lines: [...lines] }));

/** Lines any frame may carry that change nothing: comments and fields SSE or protocol.md ignore. */
const noise = fc.array(fc.constantFrom(": note", "retry: 1000", "x-unknown: 1", ":"), { maxLength: 2 });

const wellFormed = fc
  .tuple(fc.oneof(legacyConnected, heartbeatComment, structured, unnamedOk, plainText, ignored), noise)
  .map(([frame, extra]): Frame => ({ ...frame, lines: [...extra, ...frame.lines] }));

/** Frame kind 5: data that starts with `{` or `[` but does not parse breaks the stream. */
const badJSON = fc
  .record({
    id: eventId,
    sseName: fc.option(fc.constantFrom("heartbeat", "connected"), { nil: undefined }),
    data: fc.constantFrom('{"event":"heartbeat",', "[1,", '{"a" 1}', "  {oops"),
  })
  .map(
    ({ id, sseName, data }): Frame => ({
      lines: [...idLines(id), ...(sseName ? [`event: ${sseName}`] : []), `data: ${data}`],
      ends: { kind: "parse", type: sseName ?? "message", id: id ?? "", payload: data },
    }),
  );

/** A line or a frame's data over maxFrameSize breaks the stream, whatever the field. */
const tooLarge = fc
  .constantFrom(
    ["event: heartbeat", `data: ${"x".repeat(MAX_FRAME + 1)}`],
    ["event: heartbeat", ...Array.from({ length: 6 }, () => `data: ${"y".repeat(100)}`)],
    [`id: ${"1".repeat(MAX_FRAME)}`, "data: ok"],
    [`event: ${"e".repeat(MAX_FRAME)}`, "data: ok"],
    [`: ${"c".repeat(MAX_FRAME)}`],
  )
  .map((lines): Frame => ({ lines: [...lines], ends: { kind: "tooLarge" } }));

/** A stream: well-formed frames, maybe one breaking frame somewhere (what follows it never counts). */
const frames = fc
  .tuple(
    fc.array(wellFormed, { maxLength: 8 }),
    fc.option(fc.oneof(badJSON, tooLarge), { freq: 2 }),
    fc.nat(),
  )
  .map(([wellFormedFrames, breaking, at]) => {
    if (!breaking) return wellFormedFrames;
    const index = at % (wellFormedFrames.length + 1);
    return [...wellFormedFrames.slice(0, index), breaking, ...wellFormedFrames.slice(index)];
  });

/** The model: the events the frames yield, in order, up to the first breaking frame, and how the stream ends. */
function expectedOf(stream: Frame[]): { events: ConnectionEvent[]; ending: Ending } {
  const events: ConnectionEvent[] = [];
  for (const frame of stream) {
    if (frame.ends) return { events, ending: frame.ends };
    if (frame.event) events.push(frame.event);
  }
  return { events, ending: { kind: "closed" } };
}

/**
 * The stream's text: each frame's lines and the blank line after them, every line ended by CR, LF
 * or CRLF as `endings` says in turn. A blank line after a CR cannot be ended by a lone LF: that
 * pair is one CRLF in SSE, so it gets CRLF.
 */
function serialize(stream: Frame[], endings: string[]): string {
  let out = "";
  let previous = "";
  let index = 0;
  for (const frame of stream) {
    for (const line of [...frame.lines, ""]) {
      let ending = endings[index++ % endings.length] as string;
      if (line === "" && previous === "\r" && ending === "\n") ending = "\r\n";
      out += line + ending;
      previous = ending;
    }
  }
  return out;
}

/** The bytes cut at the given offsets, each piece non-empty. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    if (offset > start) pieces.push(bytes.subarray(start, offset));
    start = Math.max(start, offset);
  }
  return pieces;
}

let server: Server;
let url: string;
const waitingForStream: ((res: ServerResponse) => void)[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    res.on("error", () => {}); // writes after the client broke the stream off go nowhere
    waitingForStream.shift()?.(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/watch`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * One watch attempt over the pieces: each piece is one write, read by the client (its activity
 * count moved) before the next is written, so the client sees the bytes split exactly there.
 */
async function watchPieces(pieces: Buffer[]): Promise<{ events: ConnectionEvent[]; error: unknown }> {
  const controller = new AbortController();
  const events: ConnectionEvent[] = [];
  let activity = 0;
  let settled = false;
  let changed = () => {};
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise<void>((resolve) => (changed = resolve));
  };
  const opened = new Promise<ServerResponse>((resolve) => waitingForStream.push(resolve));
  const ended = (async () => {
    const onActivity = () => {
      activity += 1;
      changed();
    };
    for await (const event of openWatchStream(url, {
      signal: controller.signal,
      onActivity,
      maxFrameSize: MAX_FRAME,
    })) {
      events.push(event);
    }
    return new Error("the stream ended without an error");
  })()
    .catch((error: unknown) => error)
    .finally(() => {
      settled = true;
      changed();
    });
  const res = await opened;
  await until(() => activity > 0 || settled); // the answer's headers
  for (const piece of pieces) {
    if (settled) break;
    const before = activity;
    res.write(piece);
    await until(() => activity > before || settled);
  }
  res.end();
  const error = await ended;
  controller.abort();
  return { events, error };
}

describe("the /watch path, property-based", () => {
  it("yields exactly protocol.md's events, in order, and the right ending, for any frames, line endings and byte splits", async () => {
    const endings = fc.array(fc.constantFrom("\n", "\r", "\r\n"), { minLength: 1, maxLength: 16 });
    const cuts = fc.array(fc.nat({ max: 8_000 }), { maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(frames, endings, cuts, async (stream, lineEndings, cutAt) => {
        const bytes = Buffer.from(serialize(stream, lineEndings), "utf8");
        const expected = expectedOf(stream);
        const { events, error } = await watchPieces(split(bytes, cutAt));
        expect(events).toEqual(expected.events);
        if (expected.ending.kind === "closed") {
          expect(error).toBeInstanceOf(ErrWatchStreamClosed);
        } else if (expected.ending.kind === "parse") {
          expect(error).toBeInstanceOf(WatchEventParseError);
          const { type, id, payload } = expected.ending;
          expect(error).toMatchObject({ eventType: type, eventId: id, payload });
        } else {
          expect(error).toBeInstanceOf(WatchEventParseError);
          expect((error as Error).message).toMatch(`larger than ${MAX_FRAME} characters`);
        }
      }),
      { numRuns: 100 },
    );
  });
});
