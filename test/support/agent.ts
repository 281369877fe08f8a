/**
 * A scriptable sidecar agent on 127.0.0.1 for tests: real sockets, real SSE, real restarts.
 * Every behaviour a test needs has a real cause here: the agent writes the frame, closes the
 * stream, answers 503 or 400, stops sending bytes, or restarts on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Conditions } from "../../src/dev-agent/conditions.ts";

export type AgentPath = "/register" | "/drain" | "/deregister";

export interface RecordedCall {
  path: AgentPath;
  body: Record<string, unknown>;
}

/**
 * How the agent answers a call: a status and JSON body, never ("hang"), or when the test says
 * (`"hold"`, then `answerHeld`).
 */
export type Answer = { status: number; body: unknown } | "hang" | "hold";
export type Responder = (body: Record<string, unknown>) => Answer;

/**
 * What `/watch` does for a new stream: writes its opening frames (and with `end`, ends the stream
 * right after them, as a flapping agent does), answers a status, or holds the request unanswered
 * (no headers, no byte) until `answerHeld("/watch", …)`.
 */
export type WatchScript = { status: number } | { frames: string[]; end?: boolean } | "hold";

export const legacyConnected = "event: connected\ndata: ok\n\n";

export class TestAgent {
  readonly calls: RecordedCall[] = [];
  /** Calls answered "hang" whose client went away first (e.g. an aborted register). */
  readonly abandoned: RecordedCall[] = [];
  /** Per-path answer; default 200 `{}`. */
  readonly respond: Partial<Record<AgentPath, Responder>> = {};
  /** What each new `/watch` stream gets. Default: a legacy `connected` frame. */
  watch: WatchScript = { frames: [legacyConnected] };
  watchRequests = 0;
  port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  readonly #streams = new Set<ServerResponse>();
  readonly #conditions = new Conditions("agent");
  readonly #held: { path: AgentPath | "/watch"; res: ServerResponse }[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Open watch streams right now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /** Client connections open right now (watch streams and pooled admin calls). */
  get openConnections(): number {
    return this.#sockets.size;
  }

  static async start(): Promise<TestAgent> {
    const agent = new TestAgent();
    await agent.listen();
    return agent;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => this.#handle(req, res));
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    this.#changed();
  }

  /** Closes the server and every connection, as a dying agent does. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#streams.clear();
    this.#held.length = 0;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#changed();
  }

  /** An agent restart: everything closed, then listening again on the same port after `downMs`. */
  async restart(downMs = 0): Promise<void> {
    await this.close();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.listen();
  }

  /** Writes raw SSE text to every open watch stream. */
  send(raw: string): void {
    for (const stream of this.#streams) stream.write(raw);
  }

  /**
   * A flood: writes `count` frames (`frame(1)` … `frame(count)`) to every open watch stream,
   * `perWrite` frames per socket write, waiting for the socket to drain when it pushes back.
   */
  async flood(frame: (index: number) => string, count: number, perWrite = 100): Promise<void> {
    for (let first = 1; first <= count; first += perWrite) {
      let chunk = "";
      for (let index = first; index < first + perWrite && index <= count; index += 1) chunk += frame(index);
      const full = [...this.#streams].filter((stream) => !stream.write(chunk));
      // A stream the client closes meanwhile never drains: its close ends the wait too.
      await Promise.all(
        full.map(
          (stream) =>
            new Promise<void>((resolve) => {
              const done = () => {
                stream.off("drain", done).off("close", done);
                resolve();
              };
              stream.on("drain", done).on("close", done);
            }),
        ),
      );
    }
  }

  /** Ends every open watch stream cleanly (EOF) while the server stays up. */
  endStreams(): void {
    for (const stream of this.#streams) stream.end();
    this.#streams.clear();
  }

  /** Requests on `path` held unanswered right now. */
  held(path: AgentPath | "/watch"): number {
    return this.#held.filter((entry) => entry.path === path).length;
  }

  /** Answers the oldest held request on `path`; throws when none is held. */
  answerHeld(path: "/watch", answer: Exclude<WatchScript, "hold">): void;
  answerHeld(path: AgentPath, answer: { status: number; body: unknown }): void;
  answerHeld(
    path: AgentPath | "/watch",
    answer: Exclude<WatchScript, "hold"> | { status: number; body: unknown },
  ) {
    const index = this.#held.findIndex((entry) => entry.path === path);
    const entry = this.#held[index];
    if (entry === undefined) throw new Error(`agent: no ${path} request is held`);
    this.#held.splice(index, 1);
    if (path === "/watch") {
      this.#serveWatch(entry.res, answer as Exclude<WatchScript, "hold">);
      return;
    }
    const { status, body } = answer as { status: number; body: unknown };
    entry.res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  #hold(path: AgentPath | "/watch", res: ServerResponse): void {
    const entry = { path, res };
    this.#held.push(entry);
    res.on("close", () => {
      const index = this.#held.indexOf(entry);
      if (index >= 0) this.#held.splice(index, 1);
      this.#changed();
    });
    this.#changed();
  }

  callsTo(path: AgentPath): RecordedCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  /** Resolves once `check` holds; checked after every request and stream change. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void> {
    return this.#conditions.until(check, what, timeoutMs);
  }

  #changed(): void {
    this.#conditions.changed();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === "GET" && req.url === "/watch") {
      this.#openWatch(res);
      return;
    }
    const path = req.url as AgentPath;
    if (req.method !== "POST" || !["/register", "/drain", "/deregister"].includes(path)) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      const call = { path, body };
      this.calls.push(call);
      const answer = this.respond[path]?.(body) ?? { status: 200, body: {} };
      if (answer === "hold") {
        this.#hold(path, res);
        return;
      }
      this.#changed();
      if (answer === "hang") {
        res.on("close", () => {
          this.abandoned.push(call);
          this.#changed();
        });
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  }

  #openWatch(res: ServerResponse): void {
    this.watchRequests += 1;
    if (this.watch === "hold") {
      this.#hold("/watch", res);
      return;
    }
    this.#serveWatch(res, this.watch);
  }

  #serveWatch(res: ServerResponse, script: Exclude<WatchScript, "hold">): void {
    if ("status" in script) {
      res.writeHead(script.status, { "content-type": "application/json" }).end('{"error":"unavailable"}');
      this.#changed();
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const frame of script.frames) res.write(frame);
    if (script.end) {
      res.end();
      this.#changed();
      return;
    }
    this.#streams.add(res);
    res.on("close", () => {
      this.#streams.delete(res);
      this.#changed();
    });
    this.#changed();
  }
}
