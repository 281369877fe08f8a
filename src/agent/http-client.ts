/**
 * register / drain / deregister over one undici Pool to the agent (keep-alive), JSON bodies
 * with protocol.md's snake_case keys, a per-request timeout, and errors that carry the agent's
 * own text in either response shape (plain `{error}` or the newer envelope). `HttpClient` is the
 * transport both contracts share; `JSONHTTPClient` adds the v1 calls.
 */
import { Pool } from "undici";
import type { DeregisterRequest, DrainRequest, RegisterRequest } from "../../machines/types.ts";
import { DefaultAdminBaseURL, DefaultRequestTimeout } from "../defaults.ts";
import {
  AgentAnswerNotJSONError,
  type AgentOperation,
  AgentUnreachableError,
  SidecarAPIError,
} from "../errors.ts";
import { RegisterPacer } from "./register-pacer.ts";

/** What the lifecycle needs from the agent (Go `Client`); each call may resolve with the agent's answer payload. */
export interface Client {
  register(request: RegisterRequest, signal?: AbortSignal): Promise<unknown>;
  drain(request: DrainRequest, signal?: AbortSignal): Promise<unknown>;
  deregister(request: DeregisterRequest, signal?: AbortSignal): Promise<unknown>;
}

/** Agent answers are small; a larger body is cut off rather than buffered without bound. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export function toWireRegister(request: RegisterRequest): Record<string, unknown> {
  return {
    app_id: request.appId,
    app_name: request.appName,
    name: request.name,
    namespace: request.namespace,
    port: request.port,
    dns: request.dns,
    env: request.env,
    weight: request.weight,
    protocol: request.protocol,
    kernel: { language: request.kernel.language, version: request.kernel.version },
    methods: request.methods,
    version: request.version,
  };
}

function field(value: unknown, key: string): string {
  const found = (value as Record<string, unknown> | null)?.[key];
  return typeof found === "string" ? found : "";
}

/** How much of a body that is not the agent's JSON an error shows. */
const BODY_PREVIEW = 200;

/** The start of a body for an error text, on one line (a hostile body's newlines cannot fake log lines). */
function bodyStart(body: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  const flat = body.replace(/[\s\u0000-\u001f\u007f]+/g, " ").trim();
  if (flat === "") return "(empty body)";
  return flat.length > BODY_PREVIEW ? `${flat.slice(0, BODY_PREVIEW)}…` : flat;
}

/**
 * Reads an agent answer: returns the payload on success, throws SidecarAPIError with the agent's
 * text. A success is a 2xx carrying a JSON object (plain, or an envelope saying `success: true`);
 * a 2xx without one (a proxy's page, an empty body) is AgentAnswerNotJSONError. The content type
 * is reported, not trusted: Go's net/http sends a JSON body whose header was not set as text/plain.
 */
export function interpretAgentResponse(
  operation: AgentOperation,
  statusCode: number,
  body: string,
  contentType = "",
): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const ok = statusCode >= 200 && statusCode < 300;
  if (ok && (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))) {
    const reason = parsed === undefined ? "not JSON" : "not a JSON object";
    throw new AgentAnswerNotJSONError(operation, statusCode, contentType, reason, bodyStart(body));
  }
  const isEnvelope = typeof (parsed as { success?: unknown } | undefined)?.success === "boolean";
  if (ok && !(isEnvelope && (parsed as { success: boolean }).success === false)) {
    return isEnvelope ? (parsed as { data?: unknown }).data : parsed;
  }
  const agentMessage =
    field(parsed, "error") || field(parsed, "message") || body.trim().slice(0, 500) || "(empty answer)";
  throw new SidecarAPIError(operation, statusCode, field(parsed, "code"), agentMessage);
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * One undici Pool per agent origin, shared by every client of the process: 500 lifecycles on one
 * agent keep a handful of keep-alive connections instead of a pool each, and an agent restart
 * costs that handful of reconnects. The origin's registers share one pacer too. A client holds
 * its origin's pool until it closes or is destroyed; the last one out closes the pool.
 */
const pools = new Map<string, { pool: Pool; pacer: RegisterPacer; users: number }>();

/** Connections one agent origin may have open at once, across every client of the process. */
const PoolConnections = 24;
/**
 * Registers to one origin (register-pacer.ts): 8 at once, then 2 a millisecond, 16 unanswered at
 * most. No more than 28 go in any 10 ms, 500 lifecycles replaying after an agent restart leave
 * over at least a quarter second, and registers an agent leaves hanging cannot take the whole
 * pool: drains and deregisters, not paced, keep 8 connections of their own.
 */
const RegisterPace = { burst: 8, perMs: 2, inFlight: 16 };

function acquirePool(origin: string): { pool: Pool; pacer: RegisterPacer } {
  const shared = pools.get(origin) ?? {
    pool: new Pool(origin, { connections: PoolConnections }),
    pacer: new RegisterPacer(RegisterPace),
    users: 0,
  };
  shared.users += 1;
  pools.set(origin, shared);
  return shared;
}

function releasePool(origin: string, how: "close" | "destroy"): Promise<void> {
  const shared = pools.get(origin);
  if (!shared) return Promise.resolve();
  shared.users -= 1;
  if (shared.users > 0) return Promise.resolve();
  pools.delete(origin);
  return how === "close" ? shared.pool.close() : shared.pool.destroy();
}

/**
 * JSON over HTTP to the agent's admin API on its origin's shared undici Pool (Go v0.3
 * `HttpClient`): keep-alive, a per-request timeout, the agent's own text in every error. Both
 * contracts' clients post through it.
 */
export class HttpClient {
  readonly baseURL: string;
  readonly timeout: number;
  readonly #origin: string;
  readonly #pool: Pool;
  readonly #pacer: RegisterPacer;
  readonly #basePath: string;
  /** Aborted by destroy(): what this client still has in flight on the shared pool. */
  readonly #destroyed = new AbortController();
  readonly #inFlight = new Set<Promise<unknown>>();
  #released: Promise<void> | undefined;

  constructor(baseURL: string = DefaultAdminBaseURL, timeout: number = DefaultRequestTimeout) {
    let url: URL;
    try {
      url = new URL(baseURL);
    } catch {
      throw new TypeError(`baseURL is not a valid URL: "${baseURL}"`);
    }
    if (url.protocol !== "http:") throw new TypeError(`baseURL must be an http:// URL, got "${baseURL}"`);
    if (!(Number.isFinite(timeout) && timeout > 0)) {
      throw new RangeError(`requestTimeout must be a positive number of ms, got ${timeout}`);
    }
    this.baseURL = baseURL;
    this.timeout = timeout;
    this.#origin = url.origin;
    ({ pool: this.#pool, pacer: this.#pacer } = acquirePool(url.origin));
    this.#basePath = url.pathname.replace(/\/+$/, "");
  }

  /** Lets this client's pending calls finish, then gives up its hold on the shared pool. */
  close(): Promise<void> {
    this.#released ??= Promise.allSettled(this.#inFlight).then(() => releasePool(this.#origin, "close"));
    return this.#released;
  }

  /** Fails this client's calls still in flight at once and gives up its hold on the pool (the way out is over). */
  destroy(): Promise<void> {
    this.#destroyed.abort(new Error("the client was destroyed"));
    this.#released ??= releasePool(this.#origin, "destroy");
    return this.#released;
  }

  /** POSTs `body` as JSON to `/<operation>`; resolves with the agent's payload, rejects with its text (Go `PostJSON`). */
  async postJSON(operation: AgentOperation, body: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.#post(operation, body, signal);
  }

  async #post(operation: AgentOperation, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const call = this.#call(operation, body, signal);
    this.#inFlight.add(call);
    try {
      return await call;
    } finally {
      this.#inFlight.delete(call);
    }
  }

  async #call(operation: AgentOperation, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const path = `${this.#basePath}/${operation}`;
    // One controller per call, aborted by the caller, the timeout or destroy() (AbortSignal.any
    // and AbortSignal.timeout would cost three signals a call, and a restart storm makes 500 calls).
    const call = new AbortController();
    const destroyed = this.#destroyed.signal;
    /** Why the call was cut short, when the timeout or destroy() cut it. */
    let cut: string | undefined;
    const cutBy = (reason: () => Error) => () => {
      const error = reason();
      cut ??= error.message;
      call.abort(error);
    };
    const onTimeout = cutBy(() => new Error(`timed out after ${this.timeout} ms`));
    const onDestroyed = cutBy(() => destroyed.reason as Error);
    const onAborted = () => call.abort(signal?.reason);
    const timer = setTimeout(onTimeout, this.timeout).unref();
    destroyed.addEventListener("abort", onDestroyed);
    signal?.addEventListener("abort", onAborted);
    let paced = false;
    try {
      if (this.#released) throw destroyed.aborted ? destroyed.reason : new Error("the client is closed");
      if (signal?.aborted) throw signal.reason;
      if (operation === "register") {
        await this.#pacer.take(call.signal);
        paced = true;
      }
      const response = await this.#pool.request({
        method: "POST",
        path,
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
        signal: call.signal,
      });
      const contentType = String(response.headers["content-type"] ?? "");
      return interpretAgentResponse(
        operation,
        response.statusCode,
        await readCapped(response.body),
        contentType,
      );
    } catch (error) {
      if (error instanceof SidecarAPIError) throw error;
      if (signal?.aborted) throw signal.reason ?? error;
      const url = `${new URL(this.baseURL).origin}${path}`;
      const reason = cut ?? (error instanceof Error ? error.message : String(error));
      throw new AgentUnreachableError(operation, url, reason, error);
    } finally {
      if (paced) this.#pacer.done();
      clearTimeout(timer);
      destroyed.removeEventListener("abort", onDestroyed);
      signal?.removeEventListener("abort", onAborted);
    }
  }
}

/** The v1 contract's calls (Go v0.0.8 `JSONHTTPClient`): flat register body, drain and deregister by name + port. */
export class JSONHTTPClient extends HttpClient implements Client {
  /** Resolves with the agent's answer payload (the envelope's `data`, or the plain JSON). */
  register(request: RegisterRequest, signal?: AbortSignal): Promise<unknown> {
    return this.postJSON("register", toWireRegister(request), signal);
  }

  drain(request: DrainRequest, signal?: AbortSignal): Promise<unknown> {
    return this.postJSON(
      "drain",
      { name: request.name, port: request.port, grace_period: request.gracePeriod },
      signal,
    );
  }

  deregister(request: DeregisterRequest, signal?: AbortSignal): Promise<unknown> {
    return this.postJSON("deregister", { name: request.name, port: request.port }, signal);
  }
}
