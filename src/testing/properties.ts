/**
 * Properties of the lifecycle written from protocol.md and design.md, not from the chart: they
 * read only what a driver observed (the calls the agent received, what `status()` says, what
 * `onError` got, the timers pending) and the names of the causes that happened, never the chart's
 * transitions or the state the model expects. So a chart that drifts from the contract fails
 * here even when the model, generated from that same chart, still agrees with it.
 */
import {
  BACKOFF_BASE_MS,
  BACKOFF_FACTOR,
  RECONNECT_JITTER,
  RECONNECT_PERIOD_MS,
  RECONNECT_STEADY_ATTEMPTS,
} from "../../machines/backoff.ts";
import type { ErrorKind, LifecycleTiming, Status } from "../../machines/types.ts";
import type { PendingTimer } from "./clock.ts";
import type { ModelStep } from "./model.ts";

export type AgentCallPath = "/register" | "/drain" | "/deregister";

/** What a driver saw once the chart took a step. */
export interface StepObservation {
  readonly step: ModelStep;
  /** What the lifecycle says (`status()`, or the snapshot's status in the pure layer). */
  readonly status: Status;
  /** The user-visible state (`status().state`). */
  readonly state: string;
  /** The lifecycle ended (its final state). */
  readonly done: boolean;
  /** The error the way out ended with (the shutdown promise rejects with it); null for none. */
  readonly outputError: Error | null;
  /** Every call the agent received so far, in order. */
  readonly calls: readonly AgentCallPath[];
  /** Calls the agent received and neither answered nor saw cut. */
  readonly inFlight: number;
  /** Every error `onError` got so far, in order. */
  readonly reported: readonly Error[];
  /** Times the business server's stop was called so far. */
  readonly serverStops: number;
  /** Virtual time now (ModelClock `elapsed`). */
  readonly now: number;
  /** For a timer step: the timer that fired. */
  readonly fired?: PendingTimer;
  /** Timers pending now. */
  readonly pending: readonly PendingTimer[];
}

/** Causes by which the watch stream fails or ends (protocol.md: each is a counted disconnect). */
const STREAM_FAILURES: Readonly<Record<string, readonly ErrorKind[]>> = {
  "frame.malformed": ["watch_event_parse"],
  "stream.end": ["watch_stream_closed"],
  "watch.503": ["watch_http_status"],
  // Mid-stream it is an EOF; before `/watch` answered it is a refused or reset connection.
  "agent.restart": ["watch_stream_closed", "runtime_error"],
  "timer:livenessTimeout": ["watch_liveness"],
};

/** Every other failure that must reach `onError`, with the kind protocol.md gives it. */
const CALL_FAILURES: Readonly<Record<string, readonly ErrorKind[]>> = {
  "register.refused": ["register_replay"],
  "drain.failed": ["sidecar_api"],
  "deregister.failed": ["sidecar_api"],
  "stopServer.failed": ["runtime_error"],
};

/**
 * The way out's windows: a timer that closes one on a step still running cuts it (or, the
 * deadline, ends the way out) and records why; that error reaches `onError` too.
 */
const WINDOW_TIMERS: Readonly<Record<string, readonly ErrorKind[]>> = {
  "timer:drainDeadline": ["sidecar_api"],
  "timer:stopDeadline": ["sidecar_api"],
  "timer:forceTimeout": ["sidecar_api"],
  "timer:shutdownTimeout": ["sidecar_api"],
};

/** Steps that carry an event from the agent: they move `lastEvent*` (and what the agent says of itself) only. */
const EVENT_ONLY = new Set(["frame.heartbeat", "OBSERVE_EVENT", "frame.comment"]);
const EVENT_FIELDS = new Set<keyof Status>([
  "lastEventType",
  "lastEventId",
  "lastEventAt",
  "agentReady",
  "agentStatus",
]);

const COUNTERS = ["disconnectCount", "registerReplayCount", "registerReplayFailureCount"] as const;

/** The cause's name without the `@state` a timer cause carries. */
function causeKey(step: ModelStep): string {
  return step.cause.name.split("@")[0] as string;
}

function kindOf(error: Error): string {
  const kind = (error as { kind?: unknown }).kind;
  return typeof kind === "string" ? kind : "runtime_error";
}

/** The documented window of the n-th consecutive register or shutdown retry wait (n ≥ 1): first ≤ 100 ms, ×1.5 each, capped. */
export function backoffWindow(n: number, cap: number): number {
  return Math.min(cap, BACKOFF_BASE_MS * BACKOFF_FACTOR ** (n - 1));
}

/**
 * The documented window of the n-th consecutive reconnect wait (n ≥ 1): the first in [0, 250) ms,
 * the next three within 20 % under 250 ms, then within 20 % under a window ×1.5 each, capped.
 */
export function reconnectWindow(n: number, cap: number): { min: number; max: number } {
  if (n <= 1) return { min: 0, max: Math.min(cap, RECONNECT_PERIOD_MS) };
  const growth = Math.max(0, n - 1 - RECONNECT_STEADY_ATTEMPTS);
  const window = Math.min(cap, RECONNECT_PERIOD_MS * BACKOFF_FACTOR ** growth);
  return { min: Math.floor(window * (1 - RECONNECT_JITTER)), max: window };
}

/**
 * Checks one path's steps in order; make one per path. `check` throws naming every property the
 * step broke (the replay adds the path and the step).
 */
export class LifecycleProperties {
  readonly #timing: LifecycleTiming;
  #previous: StepObservation | undefined;
  #previousCalls: readonly AgentCallPath[] = [];
  #previousReported = 0;
  #wayOutBegan = false;
  #shutdownCalledAt: number | undefined;
  #acceptedRegisters = 0;
  #refusedRegisters = 0;
  #streamFailures = 0;
  /** Step at which the register last answered was sent, and whether it was accepted. */
  #lastAnswer: { sentAt: number; accepted: boolean } | undefined;
  #lastRegisterSentAt = 0;
  #lastStreamFailureAt = -1;
  #deregistered = false;
  /** Consecutive failures behind each backoff, counted from the causes. */
  #reconnectFailures = 0;
  #registerFailures = 0;
  #shutdownFailures = 0;

  constructor(timing: LifecycleTiming) {
    this.#timing = timing;
  }

  check(observation: StepObservation): void {
    const problems = [...this.#problems(observation)];
    this.#previous = observation;
    this.#previousCalls = observation.calls;
    this.#previousReported = observation.reported.length;
    if (problems.length > 0) throw new Error(`property broken: ${problems.join("; ")}`);
  }

  *#problems(o: StepObservation): Generator<string> {
    const { step, status } = o;
    const key = causeKey(step);
    const sent = o.calls.slice(this.#previousCalls.length);
    const sentNow = (path: AgentCallPath) => sent.filter((call) => call === path).length;
    const before = this.#previous?.status;

    if (
      o.calls.length < this.#previousCalls.length ||
      o.calls.some((c, i) => i < this.#previousCalls.length && c !== this.#previousCalls[i])
    ) {
      yield "the calls the agent received changed after the fact";
    }
    // No register once the way out began (protocol.md: drain, stop serving, deregister).
    if (this.#wayOutBegan && sentNow("/register") > 0) yield "a register was sent after the way out began";
    // The drain comes before the server stops (design.md's exit order), never after.
    if ((this.#previous?.serverStops ?? 0) > 0 && sentNow("/drain") > 0) {
      yield "a drain was sent after the business server's stop was called";
    }
    if (o.inFlight > 1) yield `${o.inFlight} agent calls in flight at once, at most one allowed`;

    // What the agent answered, and what the stream did, in the order it happened.
    if (sentNow("/register") > 0) this.#lastRegisterSentAt = step.index;
    if (key === "register.accepted" || key === "register.refused") {
      const accepted = key === "register.accepted";
      this.#lastAnswer = { sentAt: this.#lastRegisterSentAt, accepted };
      if (accepted) {
        this.#acceptedRegisters += 1;
        // Only a register accepted on a live stream proves the connection: then reconnects start over.
        if (this.#lastStreamFailureAt < this.#lastRegisterSentAt) this.#reconnectFailures = 0;
        this.#registerFailures = 0;
      } else {
        this.#refusedRegisters += 1;
        this.#registerFailures += 1;
      }
    }
    const streamFailure = STREAM_FAILURES[key];
    if (streamFailure) {
      this.#streamFailures += 1;
      this.#reconnectFailures += 1;
      this.#lastStreamFailureAt = step.index;
    }
    if (key === "drain.found" || key === "drain.notFound") this.#shutdownFailures = 0;
    if (key === "drain.failed" || key === "deregister.failed") this.#shutdownFailures += 1;
    if (key === "deregister.accepted" || key === "deregister.notFound") this.#deregistered = true;

    // registered: the last register answered was accepted, and the stream has not failed since it was sent.
    const registered =
      !this.#deregistered &&
      this.#lastAnswer?.accepted === true &&
      this.#lastStreamFailureAt < this.#lastAnswer.sentAt;
    if (status.registered !== registered) {
      yield `registered is ${status.registered}, expected ${registered} (last register ${
        this.#lastAnswer ? (this.#lastAnswer.accepted ? "accepted" : "refused") : "never answered"
      }${this.#lastStreamFailureAt >= 0 ? `, stream last failed at step ${this.#lastStreamFailureAt}` : ""})`;
    }

    // Counters count exactly what happened, so they never decrease.
    const counted = {
      disconnectCount: this.#streamFailures,
      registerReplayCount: this.#acceptedRegisters,
      registerReplayFailureCount: this.#refusedRegisters,
    };
    for (const counter of COUNTERS) {
      if (before && status[counter] < before[counter])
        yield `${counter} decreased from ${before[counter]} to ${status[counter]}`;
      if (status[counter] !== counted[counter])
        yield `${counter} is ${status[counter]}, ${counted[counter]} happened`;
    }

    // A heartbeat (or an event observed by hand) moves only the lastEvent* fields; a comment moves nothing.
    if (EVENT_ONLY.has(key) && before && this.#previous) {
      const allowed = key === "frame.comment" ? new Set<keyof Status>() : EVENT_FIELDS;
      const moved = (Object.keys(status) as (keyof Status)[]).filter(
        (field) => !allowed.has(field) && status[field] !== before[field],
      );
      if (moved.length > 0) yield `a ${key} moved ${moved.join(", ")}`;
      if (o.state !== this.#previous.state)
        yield `a ${key} moved the state from ${this.#previous.state} to ${o.state}`;
      if (sent.length > 0) yield `a ${key} sent ${sent.join(", ")}`;
    }

    // Every failure reaches onError once, with its kind; nothing else reaches it.
    const reported = o.reported.slice(this.#previousReported);
    // A window timer that recorded an error cut something; one that recorded none only ended a wait.
    const cut =
      WINDOW_TIMERS[key] &&
      before &&
      (status.lastError !== before.lastError || status.lastErrorAt !== before.lastErrorAt);
    const kinds = streamFailure ?? CALL_FAILURES[key] ?? (cut ? WINDOW_TIMERS[key] : undefined);
    if (kinds) {
      if (reported.length !== 1) yield `${key} reached onError ${reported.length} times, expected once`;
      for (const error of reported) {
        if (!kinds.includes(kindOf(error) as ErrorKind))
          yield `${key} reached onError as ${kindOf(error)}, expected ${kinds.join(" or ")}`;
      }
    } else if (reported.length > 0) {
      yield `${key} reached onError with ${reported.map((error) => error.message).join(", ")}, expected nothing`;
    }

    // Backoff waits stay inside their documented windows.
    const waits: Readonly<Record<string, number>> = {
      "timer:reconnectDelay": this.#reconnectFailures,
      "timer:registerRetryDelay": this.#registerFailures,
      "timer:shutdownRetryDelay": this.#shutdownFailures,
    };
    const failures = waits[key];
    if (failures !== undefined && o.fired) {
      const cap = this.#timing.reconnectInterval;
      const { min, max } =
        key === "timer:reconnectDelay"
          ? reconnectWindow(failures, cap)
          : { min: 0, max: backoffWindow(failures, cap) };
      if (failures < 1) yield `${key} fired with no failure behind it`;
      else if (!(o.fired.delay >= min && o.fired.delay <= max)) {
        yield `${key} waited ${o.fired.delay} ms after ${failures} consecutive failures, window is [${min}, ${max}] ms`;
      }
    }

    // The way out: begun by the service (a drain or deregister on request needs something registered).
    const wayOut =
      ["SHUTDOWN", "FORCE", "SERVER_EXITED"].includes(key) ||
      (["DRAIN", "DEREGISTER"].includes(key) && this.#acceptedRegisters > 0);
    if (wayOut) this.#wayOutBegan = true;
    // design.md drains and deregisters "the last registered request": with none accepted there is none.
    if (["DRAIN", "DEREGISTER"].includes(key) && this.#acceptedRegisters === 0) {
      if (sent.length > 0) yield `a ${key} on request with no register accepted sent ${sent.join(", ")}`;
      if (this.#previous && o.state !== this.#previous.state) {
        yield `a ${key} on request with no register accepted moved the state from ${this.#previous.state} to ${o.state}`;
      }
    }
    if (key === "SHUTDOWN" && this.#shutdownCalledAt === undefined) this.#shutdownCalledAt = o.now;
    // shutdown() settles within shutdownTimeout (+ forceTimeout, for a forced exit): a deadline is armed.
    if (this.#shutdownCalledAt !== undefined && !o.done) {
      const bound = this.#shutdownCalledAt + this.#timing.shutdownTimeout + this.#timing.forceTimeout;
      const deadlines = [this.#timing.shutdownTimeout, this.#timing.forceTimeout];
      const armed = o.pending.some((timer) => deadlines.includes(timer.delay) && timer.due <= bound);
      if (!armed)
        yield `shutdown() was called at ${this.#shutdownCalledAt} ms and no deadline ends it by ${bound} ms`;
    }

    if (o.done) yield* this.#ended(o);
  }

  /** The lifecycle ended: what a register may have reached is removed, or the error says why. */
  *#ended(o: StepObservation): Generator<string> {
    const registers = o.calls.lastIndexOf("/register");
    if (registers < 0) {
      const calls = o.calls.filter((call) => call !== "/register");
      if (calls.length > 0) yield `nothing was ever registered, yet the agent received ${calls.join(", ")}`;
      return;
    }
    const deregisteredAfter = o.calls.slice(registers + 1).includes("/deregister") && this.#deregistered;
    if (!deregisteredAfter && !o.outputError?.message) {
      yield "the lifecycle ended holding a register the agent may have, with no deregister accepted and no error saying why";
    }
  }
}
