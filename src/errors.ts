/**
 * Every error this library raises: real Error subclasses with readable messages, `cause`
 * chains, and the `kind` the status snapshot classifies them by (protocol.md).
 */
import { errorMessageOf, SidecarLifecycleError } from "../machines/errors.ts";

export { ShutdownTimeoutError, SidecarLifecycleError, WatchLivenessError } from "../machines/errors.ts";

/** The watch URL was empty (Go `ErrWatchURLRequired`). */
export class ErrWatchURLRequired extends SidecarLifecycleError {
  constructor() {
    super("runtime_error", "watch url is required");
  }
}

/** The agent ended the watch stream: it went away or restarted (Go `ErrWatchStreamClosed`). */
export class ErrWatchStreamClosed extends SidecarLifecycleError {
  constructor(options?: { cause?: unknown }) {
    super("watch_stream_closed", "watch stream closed", options);
  }
}

/** `/watch` answered something other than 200. */
export class WatchHTTPStatusError extends SidecarLifecycleError {
  readonly statusCode: number;
  /** The status line text, e.g. `503 Service Unavailable`. */
  readonly status: string;

  constructor(statusCode: number, status: string) {
    super("watch_http_status", `watch answered HTTP ${status}`);
    this.statusCode = statusCode;
    this.status = status;
  }
}

/**
 * `/watch` answered 200 but not with `text/event-stream` (a proxy's web page, say): no stream,
 * a failed attempt like any other non-stream answer.
 */
export class WatchContentTypeError extends SidecarLifecycleError {
  readonly statusCode: number;
  /** The answer's Content-Type header, "" when it had none. */
  readonly contentType: string;

  constructor(statusCode: number, contentType: string) {
    const got = contentType ? `content-type ${contentType}` : "no content-type";
    super("watch_http_status", `watch answered HTTP ${statusCode} with ${got}, not text/event-stream`);
    this.statusCode = statusCode;
    this.contentType = contentType;
  }
}

const PAYLOAD_PREVIEW = 200;

/** A frame whose payload looked like JSON but did not parse, or that outgrew the size limit. */
export class WatchEventParseError extends SidecarLifecycleError {
  readonly eventType: string;
  readonly eventId: string;
  /** The raw data, for debugging the bad frame. */
  readonly payload: string;

  constructor(eventType: string, eventId: string, payload: string, cause: unknown) {
    const reason = errorMessageOf(cause);
    const preview = payload.length > PAYLOAD_PREVIEW ? `${payload.slice(0, PAYLOAD_PREVIEW)}…` : payload;
    super(
      "watch_event_parse",
      `watch event parse failed: type=${eventType || "(none)"} id=${eventId || "(none)"}: ${reason}; payload: ${preview}`,
      { cause },
    );
    this.eventType = eventType;
    this.eventId = eventId;
    this.payload = payload;
  }
}

export type AgentOperation = "register" | "drain" | "deregister" | "watch";

/** The agent answered a call with a failure; the message carries the agent's own text. */
export class SidecarAPIError extends SidecarLifecycleError {
  readonly operation: AgentOperation;
  readonly statusCode: number;
  /** Envelope `code`, "" for the plain shape. */
  readonly code: string;
  /** The agent's own error text (`error`, or envelope `message`). */
  readonly agentMessage: string;

  constructor(operation: AgentOperation, statusCode: number, code: string, agentMessage: string) {
    const text = code ? `${code}: ${agentMessage}` : agentMessage;
    super("sidecar_api", `agent answered ${statusCode}: ${text}`);
    this.operation = operation;
    this.statusCode = statusCode;
    this.code = code;
    this.agentMessage = agentMessage;
  }

  /** A restarted agent has forgotten the instance: for drain and deregister the goal is met. */
  get isLocalServiceNotFound(): boolean {
    return this.statusCode === 400 && this.agentMessage.startsWith("local service not found");
  }
}

/**
 * The agent answered 2xx without its JSON object (a proxy's `200 text/html`, an empty body):
 * not a success. `agentMessage` is the start of the body.
 */
export class AgentAnswerNotJSONError extends SidecarAPIError {
  /** The answer's Content-Type header, "" when it had none. */
  readonly contentType: string;

  constructor(
    operation: AgentOperation,
    statusCode: number,
    contentType: string,
    reason: string,
    bodyStart: string,
  ) {
    super(operation, statusCode, "", bodyStart);
    const got = contentType ? `content-type ${contentType}` : "no content-type";
    this.message = `agent answered ${statusCode} with ${got}, ${reason}${bodyStart ? `: ${bodyStart}` : ""}`;
    this.contentType = contentType;
  }
}

/** The request got no answer: connection refused or reset, or the request timeout passed. */
export class AgentUnreachableError extends SidecarLifecycleError {
  readonly operation: AgentOperation;
  readonly url: string;

  constructor(operation: AgentOperation, url: string, reason: string, cause?: unknown) {
    super("runtime_error", `${operation} ${url}: no answer from the agent: ${reason}`, { cause });
    this.operation = operation;
    this.url = url;
  }
}

/** Register (first or replayed) failed; names the service so an operator knows which. */
export class RegisterReplayError extends SidecarLifecycleError {
  readonly serviceName: string;
  readonly servicePort: number;

  constructor(serviceName: string, servicePort: number, cause: unknown) {
    const reason = errorMessageOf(cause);
    super(
      "register_replay",
      `register replay failed: service=${serviceName} port=${servicePort}: ${reason}`,
      {
        cause,
      },
    );
    this.serviceName = serviceName;
    this.servicePort = servicePort;
  }
}

/** Drain or deregister failed on the way out. */
export class ShutdownStepError extends SidecarLifecycleError {
  readonly step: "drain" | "deregister";
  readonly serviceName: string;
  readonly servicePort: number;

  constructor(step: "drain" | "deregister", serviceName: string, servicePort: number, cause: unknown) {
    const reason = errorMessageOf(cause);
    super("sidecar_api", `${step} failed: service=${serviceName} port=${servicePort}: ${reason}`, { cause });
    this.step = step;
    this.serviceName = serviceName;
    this.servicePort = servicePort;
  }
}

/** The background watch / register loop failed (Go `LifecycleRunError`). */
export class LifecycleRunError extends SidecarLifecycleError {
  constructor(cause: Error) {
    super(
      (cause as { kind?: SidecarLifecycleError["kind"] }).kind ?? "runtime_error",
      `lifecycle run error: ${cause.message}`,
      { cause },
    );
  }
}
