/** Options of a lifecycle (camelCase of the Go names, durations in ms) and their checks. */
import type { LifecycleTiming } from "../machines/types.ts";
import { parseGoDuration } from "./agent/duration.ts";
import type { Client } from "./agent/http-client.ts";
import {
  DefaultAdminBaseURL,
  DefaultForceTimeout,
  DefaultGracePeriod,
  DefaultLivenessTimeout,
  DefaultMaxFrameSize,
  DefaultReconnectInterval,
  DefaultRequestTimeout,
  DefaultShutdownTimeout,
  DefaultWatchPath,
} from "./defaults.ts";
import { ErrWatchURLRequired } from "./errors.ts";
import type { Logger } from "./ops/log.ts";

export type ErrorHandler = (error: Error) => void;

export interface RuntimeOptions {
  /** Agent admin base URL. Default `http://127.0.0.1:15010`. */
  baseURL?: string;
  /** Watch URL. Default baseURL + `/watch`. */
  watchURL?: string;
  /** Per-request timeout of register / drain / deregister. Default 3000. */
  requestTimeout?: number;
  /** Cap of the jittered reconnect and retry backoff; the first reconnect comes within 250 ms, the first register or shutdown retry within 100 ms. Default 1000. */
  reconnectInterval?: number;
  /** No byte from the agent for this long counts as a hung agent. Default 15000. */
  livenessTimeout?: number;
  /** Go duration string sent to drain. Default `"20s"`. */
  gracePeriod?: string;
  /**
   * Wait after a successful drain before deregistering; also how long a failing drain is retried,
   * counted from the start of the way out. Default: the grace period, capped (see README).
   */
  drainDelay?: number;
  /**
   * Deadline of the whole way out. Default 30000. Split so every step fits: the last quarter (or
   * requestTimeout, if smaller) is the deregister's, the quarter before it the server stop's, the
   * rest the drain step's (see README "The way out's budget").
   */
  shutdownTimeout?: number;
  /** Budget of the one deregister a forced exit (second signal) still sends. Default 500. */
  forceTimeout?: number;
  /** Largest SSE line or frame, in characters. Default 1 MiB. */
  maxFrameSize?: number;
  /** Every error the lifecycle records, as it happens. */
  onError?: ErrorHandler;
  /** Notes that are not errors (e.g. "drain: agent no longer knows auth:9090"). */
  log?: (message: string) => void;
  /** Talk to the agent through this client instead of a JSONHTTPClient on baseURL. */
  client?: Client;
  /**
   * Serve `/health`, `/ready`, `/info` and `/metrics` on this port (0: any free one) from the
   * lifecycle's start until its end (README "Operations"). Default: no managed port.
   */
  managedPort?: number;
  /** Interface of the managed port. Default `127.0.0.1` (loopback only). */
  managedHost?: string;
  /**
   * A pino-compatible logger (`info/warn/error/debug(fields, message)`, `child`): a record per
   * registration, drain and deregister, and an unreachable agent summarized at a growing interval
   * instead of a line per attempt (README "Operations"). Default: no log.
   */
  logger?: Logger;
}

export interface ResolvedOptions {
  baseURL: string;
  watchURL: string;
  requestTimeout: number;
  gracePeriod: string;
  maxFrameSize: number;
  timing: LifecycleTiming;
  onError: ErrorHandler;
  log: (message: string) => void;
  managedPort: number | undefined;
  managedHost: string;
  logger: Logger | undefined;
}

function text(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string") throw new TypeError(`${name} must be a string, got ${typeof value}`);
  return value.trim();
}

function callback<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${name} must be a function, got ${typeof value}`);
  }
  return value;
}

function port(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new RangeError(`${name} must be a port number from 0 to 65535, got ${String(value)}`);
  }
  return value;
}

function logger(value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) {
    throw new TypeError(
      `logger must be a pino-compatible logger object, got ${value === null ? "null" : typeof value}`,
    );
  }
  for (const method of ["info", "warn", "error", "debug"] as const) {
    const fn = (value as Record<string, unknown>)[method];
    if (typeof fn !== "function") {
      throw new TypeError(`logger must be pino-compatible: logger.${method} is ${typeof fn}, not a function`);
    }
  }
  return value as Logger;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number of ms, got ${String(value)}`);
  }
  return value;
}

/**
 * When each step of the way out must be over, counted from SHUTDOWN: the deregister keeps the
 * last quarter of the deadline (or one request timeout, if smaller), the business server's stop
 * the quarter before it, and the drain step (call, retries, delay) the rest.
 */
export function shutdownBudget(
  shutdownTimeout: number,
  requestTimeout: number,
): { drainDeadline: number; stopDeadline: number } {
  const quarter = Math.floor(shutdownTimeout / 4);
  const stopDeadline = shutdownTimeout - Math.min(requestTimeout, quarter);
  return { drainDeadline: stopDeadline - quarter, stopDeadline };
}

export function resolveOptions(options: Omit<RuntimeOptions, "client"> = {}): ResolvedOptions {
  const baseURL = text("baseURL", options.baseURL, DefaultAdminBaseURL);
  if (baseURL === "") throw new TypeError("baseURL must not be empty");
  const watchURL = text("watchURL", options.watchURL, `${baseURL.replace(/\/+$/, "")}${DefaultWatchPath}`);
  if (watchURL === "") throw new ErrWatchURLRequired();
  const requestTimeout = positive("requestTimeout", options.requestTimeout, DefaultRequestTimeout);
  const shutdownTimeout = positive("shutdownTimeout", options.shutdownTimeout, DefaultShutdownTimeout);

  const gracePeriod = text("gracePeriod", options.gracePeriod, DefaultGracePeriod);
  let graceMs: number;
  try {
    graceMs = parseGoDuration(gracePeriod || DefaultGracePeriod);
  } catch (error) {
    throw new RangeError(`gracePeriod: ${(error as Error).message}`, { cause: error });
  }
  if (graceMs <= 0) throw new RangeError(`gracePeriod must be greater than zero, got "${gracePeriod}"`);

  if (requestTimeout >= shutdownTimeout) {
    throw new RangeError(
      `requestTimeout (${requestTimeout}) must be below shutdownTimeout (${shutdownTimeout}): one drain or deregister call could outlast the whole way out`,
    );
  }
  const { drainDeadline, stopDeadline } = shutdownBudget(shutdownTimeout, requestTimeout);
  // The drain call itself must fit before the drain step's window closes.
  let drainDelay = Math.max(0, Math.min(graceMs, drainDeadline - requestTimeout));
  if (options.drainDelay !== undefined) {
    if (!Number.isFinite(options.drainDelay) || options.drainDelay < 0) {
      throw new RangeError(`drainDelay must be zero or a positive number of ms, got ${options.drainDelay}`);
    }
    if (options.drainDelay > drainDeadline) {
      throw new RangeError(
        `drainDelay (${options.drainDelay}) does not fit: with shutdownTimeout ${shutdownTimeout} the drain step must end by ${drainDeadline} ms, leaving the rest to the server stop and the deregister`,
      );
    }
    drainDelay = options.drainDelay;
  }

  return {
    baseURL,
    watchURL,
    requestTimeout,
    gracePeriod,
    maxFrameSize: positive("maxFrameSize", options.maxFrameSize, DefaultMaxFrameSize),
    timing: {
      reconnectInterval: positive("reconnectInterval", options.reconnectInterval, DefaultReconnectInterval),
      livenessTimeout: positive("livenessTimeout", options.livenessTimeout, DefaultLivenessTimeout),
      drainDelay,
      drainDeadline,
      stopDeadline,
      shutdownTimeout,
      forceTimeout: positive("forceTimeout", options.forceTimeout, DefaultForceTimeout),
    },
    onError: callback("onError", options.onError) ?? (() => {}),
    log: callback("log", options.log) ?? (() => {}),
    managedPort: port("managedPort", options.managedPort),
    managedHost: text("managedHost", options.managedHost, "127.0.0.1") || "127.0.0.1",
    logger: logger(options.logger),
  };
}
