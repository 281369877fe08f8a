/**
 * The structured log: records for a pino-compatible logger from the typed events, with the
 * outages summarized. While the agent stays unreachable the reconnect loop records an error per
 * attempt (about one a second); the log prints one line when the trouble starts, a summary at a
 * growing interval (10 s, 30 s, 60 s into it, then every 60 s), and one line when the agent is back.
 */

import { type LifecycleStateName, WAY_OUT_STATES } from "../../machines/state-name.ts";
import type { ErrorKind } from "../../machines/types.ts";
import type { LifecycleEvents } from "./events.ts";

export type LogFn = (fields: Record<string, unknown>, message?: string) => void;

/** What the `logger` option takes: pino's shape (`info/warn/error/debug(fields, message)`, optional `child`). */
export interface Logger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
  child?: (bindings: Record<string, unknown>) => Logger;
}

/** The timers the log runs on: XState's clock (a SimulatedClock in tests), `now()` when it has one. */
export interface LogClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  now?: () => number;
}

/** When the nth summary of one outage is due (0-based), in ms from its start: 10 s, 30 s, 60 s, then every 60 s. */
export function summaryMark(n: number): number {
  return [10_000, 30_000, 60_000][n] ?? 60_000 * (n - 1);
}

/** Seconds for a line: `31.2` under a minute, whole seconds above. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? String(Math.round(s * 10) / 10) : String(Math.round(s));
}

interface Outage {
  readonly since: number;
  readonly wayOut: boolean;
  attempts: number;
  kind: ErrorKind | "";
  lastError: string;
  summaries: number;
  timer: unknown;
}

export interface StructuredLog {
  /** Every error the lifecycle records: the first of an outage is a line, the rest are counted. */
  error(error: Error, kind: ErrorKind, state: LifecycleStateName): void;
  /** An error outside the agent's reachability (e.g. the managed port): always one line. */
  fault(error: Error, state: LifecycleStateName): void;
  /** Stops the summary timer (the chart ended). */
  close(): void;
}

/**
 * Feeds `logger` (bound to `instance` and `agent` through `child` when it has one) from `events`;
 * `stateNow` gives the leaf state for the summaries, which no step triggers.
 * Summary timers are unref'd: the log never keeps a process alive.
 */
export function attachStructuredLog(
  events: LifecycleEvents,
  parent: Logger,
  clock: LogClock,
  bindings: { instance: string; agent: string },
  stateNow: () => LifecycleStateName,
): StructuredLog {
  const logger = parent.child ? parent.child(bindings) : withFields(parent, bindings);
  const now = clock.now ? () => (clock.now as () => number)() : () => performance.now();
  let outage: Outage | undefined;

  const summarize = () => {
    if (!outage) return;
    const { since, attempts, kind, lastError, wayOut } = outage;
    const downMs = Math.round(now() - since);
    const what = wayOut ? "agent calls of the way out failing" : "agent unreachable";
    logger.warn(
      { event: "unreachable", state: stateNow(), kind, error: lastError, attempts, downMs },
      `${what} for ${seconds(downMs)} s, ${attempts} attempt${attempts === 1 ? "" : "s"}, last error: ${lastError}`,
    );
    outage.summaries += 1;
    schedule();
  };
  const schedule = () => {
    if (!outage) return;
    const due = outage.since + summaryMark(outage.summaries) - now();
    outage.timer = clock.setTimeout(summarize, Math.max(0, due));
    (outage.timer as { unref?: () => void } | undefined)?.unref?.();
  };
  const end = (): (Omit<Outage, "timer" | "summaries"> & { downMs: number }) | undefined => {
    if (!outage) return undefined;
    clock.clearTimeout(outage.timer);
    const ended = { ...outage, downMs: Math.round(now() - outage.since) };
    outage = undefined;
    return ended;
  };
  const begin = (state: LifecycleStateName, kind: ErrorKind | "", error: string) => {
    outage = {
      since: now(),
      wayOut: WAY_OUT_STATES.has(state),
      attempts: 1,
      kind,
      lastError: error,
      summaries: 0,
      timer: undefined,
    };
    const what = outage.wayOut ? "agent call of the way out failed" : "agent unreachable";
    logger.warn({ event: "disconnected", state, kind, error, attempt: 1 }, `${what}: ${error}`);
    schedule();
  };

  events.on("disconnected", ({ status, kind, error }) => {
    if (!outage) begin(status.state, kind, error);
  });
  events.on("registered", ({ status, replay }) => {
    const ended = end();
    const event = replay ? "replayed" : "registered";
    if (!ended) {
      logger.info({ event, state: status.state }, replay ? "registration replayed" : "registered");
      return;
    }
    const { downMs, attempts } = ended;
    logger.info(
      { event, state: status.state, downMs, attempts },
      `agent back after ${seconds(downMs)} s; ${replay ? "registration replayed" : "registered"}`,
    );
  });
  events.on("draining", ({ status, gracePeriod }) => {
    logger.info(
      { event: "draining", state: status.state, gracePeriod },
      `draining (grace period ${gracePeriod})`,
    );
  });
  events.on("deregistered", ({ status, error }) => {
    const ended = end();
    const trouble = ended
      ? { downMs: ended.downMs, attempts: ended.attempts, lastError: ended.lastError }
      : {};
    if (error) {
      logger.error(
        {
          event: "deregistered",
          state: status.state,
          kind: status.lastErrorKind,
          error: error.message,
          ...trouble,
        },
        `the way out ended with an error: ${error.message}`,
      );
    } else {
      logger.info({ event: "deregistered", state: status.state, ...trouble }, "deregistered");
    }
  });

  return {
    error(error, kind, state) {
      if (!outage) {
        begin(state, kind, error.message);
        return;
      }
      outage.attempts += 1;
      outage.kind = kind;
      outage.lastError = error.message;
    },
    fault(error, state) {
      logger.error({ event: "error", state, kind: "runtime_error", error: error.message }, error.message);
    },
    close: () => void end(),
  };
}

/** A logger without `child`: the bindings merged into each record. */
function withFields(logger: Logger, bindings: Record<string, unknown>): Logger {
  const bind =
    (level: "info" | "warn" | "error" | "debug"): LogFn =>
    (fields, message) =>
      logger[level]({ ...bindings, ...fields }, message);
  return { info: bind("info"), warn: bind("warn"), error: bind("error"), debug: bind("debug") };
}
