/** The dev agent's options, as a caller gives them and as they are checked (named errors, defaults applied). */
import { DefaultAdminBaseURL } from "../defaults.ts";
import type { WatchProtocol } from "./watch-hub.ts";

export interface DevAgentOptions {
  /** Default 15010 (the agent's own port); 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1. A non-loopback address needs `allowRemote`: the agent has no authentication. */
  host?: string;
  /** Allows a non-loopback `host`; requests are then also answered under that address as `Host`. */
  allowRemote?: boolean;
  /** `/watch` frame style. Default `structured`. */
  protocol?: WatchProtocol;
  /** Interval of watch heartbeats. Default 5000. */
  heartbeatMs?: number;
  /** Wrap every answer in the newer envelope (`success`, `code`, `message`, `data`, `generated_at`). */
  envelope?: boolean;
  /**
   * Whether the agent starts ready (default true). Not ready: `/readyz` answers 503 `not_ready`,
   * `/register` is refused the same way, structured `/watch` frames say `starting`. `setReady` changes it.
   */
  ready?: boolean;
  /** Receives one line per thing the agent does (register, drain, refusals, restarts...). */
  log?: (line: string) => void;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function defaultPort(): number {
  return Number(new URL(DefaultAdminBaseURL).port);
}

export function checkOptions(options: DevAgentOptions) {
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
  const ready = options.ready ?? true;
  if (typeof ready !== "boolean") throw new TypeError(`ready must be a boolean, got ${String(ready)}`);
  return { port, host, protocol, heartbeatMs, envelope: options.envelope ?? false, ready };
}

export type CheckedOptions = ReturnType<typeof checkOptions>;
