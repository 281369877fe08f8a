/**
 * The dev sidecar agent: protocol.md on a real node:http server, in memory, for local work,
 * demos and users' own tests. `startDevAgent()` returns a handle that sees every call and can
 * restart the agent on the same port (everything forgotten, event ids from 1 again).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { RegisterRequest } from "../../machines/types.ts";
import { DefaultAdminBaseURL } from "../defaults.ts";
import { type AdminPath, handleAdmin } from "./admin.ts";
import { Conditions } from "./conditions.ts";
import { type Answer, MAX_BODY_BYTES, readBody, send } from "./http-io.ts";
import { type LocalService, ServiceStore, toWireService } from "./store.ts";
import { WatchHub, type WatchProtocol } from "./watch-hub.ts";

export interface DevAgentOptions {
  /** Default 15010 (the agent's own port); 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1. A non-loopback address needs `allowRemote`: the agent has no authentication. */
  host?: string;
  allowRemote?: boolean;
  /** `/watch` frame style. Default `structured`. */
  protocol?: WatchProtocol;
  /** Interval of watch heartbeats. Default 5000. */
  heartbeatMs?: number;
  /** Wrap every answer in the newer envelope (`success`, `code`, `message`, `data`, `generated_at`). */
  envelope?: boolean;
  /** Receives one line per thing the agent does (register, drain, refusals, restarts...). */
  log?: (line: string) => void;
}

/** One request the agent answered. */
export interface DevAgentCall {
  at: string;
  method: string;
  path: string;
  /** Query string without `?`, "" when none. */
  query: string;
  /** Parsed JSON body of admin calls; undefined when absent or unparsable. */
  body?: unknown;
  status: number;
  /** The error text of a refused call. */
  error?: string;
}

export interface DevAgent {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: WatchProtocol;
  readonly envelope: boolean;
  /** Every request answered, across restarts, in answer order. */
  readonly calls: readonly DevAgentCall[];
  /** Every register the agent accepted, across restarts. */
  readonly registrations: readonly RegisterRequest[];
  /** How many times `restart()` ran. */
  readonly restarts: number;
  readonly openStreams: number;
  /** Instances held now (Registered or Draining). */
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
const GET_PATHS: ReadonlySet<string> = new Set(["/watch", "/healthz", "/debug/services"]);

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function defaultPort(): number {
  return Number(new URL(DefaultAdminBaseURL).port);
}

function checkOptions(options: DevAgentOptions) {
  const port = options.port ?? defaultPort();
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${port}`);
  }
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host) && !options.allowRemote) {
    throw new Error(
      `refusing to listen on ${host}: the dev agent has no authentication, so it binds loopback only; ` +
        "pass allowRemote (--allow-remote) to bind another address",
    );
  }
  const protocol = options.protocol ?? "structured";
  if (protocol !== "legacy" && protocol !== "structured") {
    throw new RangeError(`protocol must be "legacy" or "structured", got "${String(protocol)}"`);
  }
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0) {
    throw new RangeError(`heartbeatMs must be a positive number of ms, got ${heartbeatMs}`);
  }
  return { port, host, protocol, heartbeatMs, envelope: options.envelope ?? false };
}

class DevAgentServer implements DevAgent {
  readonly host: string;
  readonly protocol: WatchProtocol;
  readonly envelope: boolean;
  readonly calls: DevAgentCall[] = [];
  readonly registrations: RegisterRequest[] = [];
  restarts = 0;
  port: number;
  readonly #store = new ServiceStore();
  readonly #hub: WatchHub;
  readonly #log: (line: string) => void;
  readonly #sockets = new Set<Socket>();
  readonly #conditions = new Conditions("dev agent");
  #server: Server | undefined;
  #startedAt = "";

  constructor(options: ReturnType<typeof checkOptions>, log: (line: string) => void) {
    this.host = options.host;
    this.port = options.port;
    this.protocol = options.protocol;
    this.envelope = options.envelope;
    this.#hub = new WatchHub({ protocol: options.protocol, heartbeatMs: options.heartbeatMs });
    this.#log = log;
  }

  get url(): string {
    return `http://${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get openStreams(): number {
    return this.#hub.openStreams;
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

  #record(req: IncomingMessage, path: string, query: string, answer: Answer, body?: unknown): void {
    const call: DevAgentCall = {
      at: new Date().toISOString(),
      method: req.method ?? "",
      path,
      query,
      status: answer.status,
    };
    if (body !== undefined) call.body = body;
    if ("error" in answer) call.error = answer.error;
    this.calls.push(call);
    this.#changed();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Split by hand: a URL parser reads `//register` as a host name and the path as `/`.
    const target = req.url ?? "/";
    const mark = target.indexOf("?");
    const path = mark === -1 ? target : target.slice(0, mark);
    const query = mark === -1 ? "" : target.slice(mark + 1);
    const reply = (answer: Answer, body?: unknown, headers = {}) => {
      send(res, answer, this.envelope, headers);
      this.#record(req, path, query, answer, body);
    };

    if (ADMIN_PATHS.has(path) || GET_PATHS.has(path)) {
      const wanted = ADMIN_PATHS.has(path) ? "POST" : "GET";
      if (req.method !== wanted) {
        reply(
          { status: 405, error: `method ${req.method} not allowed on ${path}: use ${wanted}` },
          undefined,
          {
            allow: wanted,
          },
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
    if (path === "/debug/services") {
      reply({ status: 200, data: this.#debugView() });
      return;
    }

    const body = await readBody(req);
    if ("failed" in body) return;
    if ("tooLarge" in body) {
      reply({ status: 400, error: `request body too large: the limit is ${MAX_BODY_BYTES} bytes (1 MiB)` });
      return;
    }
    const outcome = handleAdmin(this.#store, path as AdminPath, body.text, new Date());
    this.#log(outcome.note);
    if (outcome.accepted) this.registrations.push(outcome.accepted);
    reply(outcome.answer, tryParse(body.text));
  }

  #debugView() {
    return {
      agent: "sidecar-lifecycle dev agent (in memory: no Consul, no Envoy)",
      started_at: this.#startedAt,
      restarts: this.restarts,
      protocol: this.protocol,
      open_streams: this.#hub.openStreams,
      services: this.#store.held().map(toWireService),
      deregistered: this.#store.deregistered().map(toWireService),
    };
  }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Starts a dev agent (see DevAgentOptions); resolves once it listens. */
export async function startDevAgent(options: DevAgentOptions = {}): Promise<DevAgent> {
  const agent = new DevAgentServer(checkOptions(options), options.log ?? (() => {}));
  await agent.listen();
  return agent;
}
