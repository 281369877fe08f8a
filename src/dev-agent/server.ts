/**
 * The dev sidecar agent: protocol.md on a real node:http server, in memory, for local work,
 * demos and users' own tests. It speaks contract v1 and v2 on the same port, choosing per
 * request from the body's shape. `startDevAgent()` returns a handle that sees every call and can
 * restart the agent on the same port (everything forgotten, event ids from 1 again).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { RegisterRequest } from "../../machines/types.ts";
import type { ServiceNode } from "../v2/types.ts";
import { type AdminPath, handleAdmin } from "./admin.ts";
import { CallLog, type DevAgentCall } from "./call-log.ts";
import { Conditions } from "./conditions.ts";
import { type Answer, MAX_BODY_BYTES, readBody, send } from "./http-io.ts";
import { type CheckedOptions, checkOptions, type DevAgentOptions } from "./options.ts";
import { contentTypeRefusal, hostRefusal, originRefusal } from "./request-guard.ts";
import { type LocalService, ServiceStore, toWireService } from "./store.ts";
import { WatchHub, type WatchProtocol } from "./watch-hub.ts";

export type { DevAgentCall } from "./call-log.ts";
export { type DevAgentOptions, isLoopback } from "./options.ts";

/** How many accepted registers `registrations` and `nodes` keep (the latest). */
export const REGISTRATIONS_LIMIT = 1000;

export interface DevAgent {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: WatchProtocol;
  readonly envelope: boolean;
  /** The latest requests answered (at most 1000; bodies bounded, see CALL_LOG_LIMITS), across restarts, in answer order. */
  readonly calls: readonly DevAgentCall[];
  /** The latest v1 registers the agent accepted (at most REGISTRATIONS_LIMIT), across restarts. */
  readonly registrations: readonly RegisterRequest[];
  /** The latest v2 nodes the agent accepted (at most REGISTRATIONS_LIMIT), across restarts. */
  readonly nodes: readonly ServiceNode[];
  /** How many times `restart()` ran. */
  readonly restarts: number;
  readonly openStreams: number;
  /** Whether `/readyz` answers 200 and `/register` is taken (see `DevAgentOptions.ready`). */
  readonly ready: boolean;
  /** Makes the agent ready or not; open structured `/watch` streams get a heartbeat saying so. */
  setReady(ready: boolean): void;
  /** Instances held now (Registered or Draining), of both contracts (`contract` says which). */
  services(): LocalService[];
  /** Instances deregistered since the last (re)start. */
  deregistered(): LocalService[];
  /** Calls to one path, e.g. `callsTo("/register")`. */
  callsTo(path: string): DevAgentCall[];
  /** Resolves once `check()` holds; checked after every call and stream change. */
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Restart on the same port: streams end (EOF), registrations and event ids are forgotten. */
  restart(options?: { downMs?: number }): Promise<void>;
  close(): Promise<void>;
}

const ADMIN_PATHS: ReadonlySet<string> = new Set(["/register", "/drain", "/deregister"]);
const GET_PATHS: ReadonlySet<string> = new Set(["/watch", "/healthz", "/readyz", "/debug/services"]);

const NOT_READY = {
  status: 503,
  code: "not_ready",
  error: "agent not ready: it is starting (dev agent: ready is false); retry later",
} as const satisfies Answer;

function keepLast<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

class DevAgentServer implements DevAgent {
  readonly host: string;
  readonly protocol: WatchProtocol;
  readonly envelope: boolean;
  readonly registrations: RegisterRequest[] = [];
  readonly nodes: ServiceNode[] = [];
  restarts = 0;
  port: number;
  readonly #calls = new CallLog();
  readonly #store = new ServiceStore();
  readonly #hub: WatchHub;
  readonly #log: (line: string) => void;
  readonly #sockets = new Set<Socket>();
  readonly #conditions = new Conditions("dev agent");
  #server: Server | undefined;
  #startedAt = "";
  #ready: boolean;

  constructor(options: CheckedOptions, log: (line: string) => void) {
    this.host = options.host;
    this.port = options.port;
    this.protocol = options.protocol;
    this.envelope = options.envelope;
    this.#ready = options.ready;
    this.#hub = new WatchHub({
      protocol: options.protocol,
      heartbeatMs: options.heartbeatMs,
      ready: options.ready,
    });
    this.#log = log;
  }

  get url(): string {
    return `http://${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get calls(): readonly DevAgentCall[] {
    return this.#calls.calls;
  }

  get openStreams(): number {
    return this.#hub.openStreams;
  }

  get ready(): boolean {
    return this.#ready;
  }

  setReady(ready: boolean): void {
    if (typeof ready !== "boolean") throw new TypeError(`setReady takes a boolean, got ${String(ready)}`);
    if (ready === this.#ready) return;
    this.#ready = ready;
    this.#hub.setReady(ready);
    this.#log(
      ready
        ? "ready: /readyz answers 200, registers are taken"
        : "not ready: /readyz and /register answer 503 not_ready",
    );
    this.#changed();
  }

  services(): LocalService[] {
    return this.#store.held();
  }

  deregistered(): LocalService[] {
    return this.#store.deregistered();
  }

  callsTo(path: string): DevAgentCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.#log(`internal error on ${req.method} ${req.url}: ${message}`);
        if (!res.headersSent) send(res, { status: 500, error: `internal error: ${message}` }, this.envelope);
        else res.destroy();
      });
    });
    server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    this.#startedAt = new Date().toISOString();
    this.#changed();
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#hub.reset();
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#changed();
  }

  async restart(options: { downMs?: number } = {}): Promise<void> {
    await this.close();
    this.#store.clear();
    if (options.downMs) await new Promise((resolve) => setTimeout(resolve, options.downMs));
    this.restarts += 1;
    await this.listen();
    this.#log(`restarted on ${this.url}: every registration forgotten, event ids start again`);
  }

  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void> {
    return this.#conditions.until(check, what, timeoutMs);
  }

  #changed(): void {
    this.#conditions.changed();
  }

  #record(req: IncomingMessage, path: string, query: string, answer: Answer, bodyText?: string): void {
    const call: DevAgentCall = {
      at: new Date().toISOString(),
      method: req.method ?? "",
      path,
      query,
      status: answer.status,
    };
    if ("error" in answer) call.error = answer.error;
    this.#calls.add(call, bodyText);
    this.#changed();
  }

  /** A request from a web page (foreign Host, any Origin) is answered 403, whatever it asks for. */
  #forbidden(req: IncomingMessage): string | undefined {
    return hostRefusal(req.headers.host, this.host, this.port) ?? originRefusal(req.headers.origin);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Split by hand: a URL parser reads `//register` as a host name and the path as `/`.
    const target = req.url ?? "/";
    const mark = target.indexOf("?");
    const path = mark === -1 ? target : target.slice(0, mark);
    const query = mark === -1 ? "" : target.slice(mark + 1);
    const reply = (answer: Answer, bodyText?: string, headers = {}) => {
      send(res, answer, this.envelope, headers);
      this.#record(req, path, query, answer, bodyText);
    };
    const refuse = (status: number, error: string) => {
      this.#log(`${req.method} ${path} refused: ${error}`);
      reply({ status, error });
    };

    const forbidden = this.#forbidden(req);
    if (forbidden) return refuse(403, forbidden);
    if (ADMIN_PATHS.has(path) || GET_PATHS.has(path)) {
      const wanted = ADMIN_PATHS.has(path) ? "POST" : "GET";
      if (req.method !== wanted) {
        reply(
          { status: 405, error: `method ${req.method} not allowed on ${path}: use ${wanted}` },
          undefined,
          { allow: wanted },
        );
        return;
      }
    } else {
      reply({ status: 404, error: `no such endpoint: ${req.method} ${path}` });
      return;
    }

    if (path === "/watch") {
      this.#hub.open(res, () => this.#changed());
      this.#record(req, path, query, { status: 200, data: null });
      return;
    }
    if (path === "/healthz") {
      reply({ status: 200, data: { status: "ok" } });
      return;
    }
    if (path === "/readyz") {
      reply(this.#ready ? { status: 200, data: { status: "ready", ready: true } } : NOT_READY);
      return;
    }
    if (path === "/debug/services") {
      reply({ status: 200, data: this.#debugView() });
      return;
    }

    const unsupported = contentTypeRefusal(req.headers["content-type"]);
    if (unsupported) return refuse(415, unsupported);
    const body = await readBody(req);
    if ("failed" in body) return;
    if ("tooLarge" in body) {
      reply({ status: 400, error: `request body too large: the limit is ${MAX_BODY_BYTES} bytes (1 MiB)` });
      return;
    }
    if (path === "/register" && !this.#ready) {
      this.#log(`register refused: ${NOT_READY.error}`);
      reply(NOT_READY, body.text);
      return;
    }
    const outcome = handleAdmin(this.#store, path as AdminPath, body.text, new Date());
    this.#log(outcome.note);
    if (outcome.accepted) keepLast(this.registrations, outcome.accepted, REGISTRATIONS_LIMIT);
    if (outcome.acceptedNode) keepLast(this.nodes, outcome.acceptedNode, REGISTRATIONS_LIMIT);
    reply(outcome.answer, body.text);
  }

  #debugView() {
    return {
      agent: "sidecar-lifecycle dev agent (in memory: no Consul, no Envoy)",
      started_at: this.#startedAt,
      restarts: this.restarts,
      protocol: this.protocol,
      ready: this.#ready,
      open_streams: this.#hub.openStreams,
      services: this.#store.held().map(toWireService),
      deregistered: this.#store.deregistered().map(toWireService),
    };
  }
}

/** Starts a dev agent (see DevAgentOptions); resolves once it listens. */
export async function startDevAgent(options: DevAgentOptions = {}): Promise<DevAgent> {
  const agent = new DevAgentServer(checkOptions(options), options.log ?? (() => {}));
  await agent.listen();
  return agent;
}
