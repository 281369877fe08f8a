/**
 * Shapes the lifecycle chart reasons about. Plain data only: the chart stays pure and
 * pasteable into the Stately visualizer, so nothing here does I/O or needs a runtime.
 */

/** What a service tells the agent about itself (protocol.md `/register`), camelCase. */
export interface KernelInfo {
  language: string;
  version: string;
}

export interface RegisterRequest {
  appId: string;
  appName: string;
  name: string;
  namespace: string;
  port: number;
  dns: string;
  env: string;
  weight: number;
  protocol: string;
  kernel: KernelInfo;
  methods: string[];
  version: string;
}

export interface DrainRequest {
  name: string;
  port: number;
  /** Go duration string (`300ms`, `20s`, `1m30s`); empty means the agent's default (20 s). */
  gracePeriod: string;
}

export interface DeregisterRequest {
  name: string;
  port: number;
}

/**
 * What the chart registers, opaque to it: a v1 RegisterRequest or a v2 ServiceNode, wrapped by
 * `src/` with the service's name and port for the status. The chart only stores it and hands it
 * to the register / drain / deregister actors, which build the contract's wire bodies from it.
 */
export interface Registration {
  /** Which generation of the agent contract the bodies follow (protocol.md). */
  readonly contract: "v1" | "v2";
  /** `lastServiceName` once registered (v1 `name`, v2 `service.name`). */
  readonly serviceName: string;
  /** `lastServicePort` once registered (v1 `port`, v2 `server_port`). */
  readonly servicePort: number;
  /** How the agent keys the instance, for texts: `auth:9090` (v1) or `10001/0193a5c2-…` (v2). */
  readonly instance: string;
}

/** Event types the agent's watch stream carries (protocol.md `/watch`). */
export type ConnectionEventType = "connected" | "heartbeat" | "disconnected";

/** One event from the watch stream, as the Go client's ConnectionEvent. */
export interface ConnectionEvent {
  type: ConnectionEventType;
  /** True when this event means the stream to the agent is up. */
  connected: boolean;
  eventId: string;
  message: string;
  service: string;
  /** Agent's own summary: `ready`, `starting`, `degraded`. */
  status: string;
  lifecycleState: string;
  /** Whether the agent says it is ready; undefined when it did not say. */
  ready?: boolean;
  /** When the agent generated the event (RFC 3339), when it said so. */
  generatedAt?: string;
  /** The failure behind a `disconnected` event. */
  err?: Error;
}

/** Classification of the last error, as protocol.md names them. */
export type ErrorKind =
  | "watch_stream_closed"
  | "watch_http_status"
  | "watch_event_parse"
  | "watch_liveness"
  | "register_replay"
  | "sidecar_api"
  | "runtime_error";

/** The status snapshot of protocol.md. Timestamps are ISO-8601 UTC, "" when never set. */
export interface Status {
  connected: boolean;
  registered: boolean;
  lastServiceName: string;
  lastServicePort: number;
  lastEventType: string;
  lastEventId: string;
  lastEventAt: string;
  lastConnectedAt: string;
  lastDisconnectedAt: string;
  disconnectCount: number;
  registerReplayCount: number;
  registerReplayFailureCount: number;
  lastErrorKind: ErrorKind | "";
  lastError: string;
  lastErrorAt: string;
  /**
   * Past protocol.md's snapshot: what the agent last said about itself on the watch stream
   * (structured frames' `ready` and `status`). `null` / "" until an agent said so.
   */
  agentReady: boolean | null;
  agentStatus: string;
}

/**
 * Timing the chart's named delays read (all in ms). The way out's budget is split so that every
 * step ends inside the deadline whatever the agent does: the drain step (call, retries, delay)
 * ends by `drainDeadline`, the server stop by `stopDeadline`, and the deregister keeps the rest
 * up to `shutdownTimeout`; each counted from SHUTDOWN. A call still in flight when its window
 * closes is cut (its actor stops, which aborts the request).
 */
export interface LifecycleTiming {
  /** Cap of the jittered reconnect / retry backoff. */
  reconnectInterval: number;
  /** No byte from the agent for this long means it hangs. */
  livenessTimeout: number;
  /** Wait after a successful drain before stopping the server; also how long a failing drain is retried. */
  drainDelay: number;
  /** The drain step is over by then: a drain call or delay still running is cut, the server stops. */
  drainDeadline: number;
  /** The business server's stop is over by then: deregister goes ahead (the rest is its reserve). */
  stopDeadline: number;
  /** Deadline for the whole way out, from SHUTDOWN to `deregistered`. */
  shutdownTimeout: number;
  /** Budget of the one deregister a forced exit (FORCE, e.g. a second signal) still sends. */
  forceTimeout: number;
}
