import type { ErrorKind } from "./types.ts";

/**
 * Base of every error this library raises. `kind` is the status classification of
 * protocol.md, so the chart can classify an error without knowing where it came from.
 */
export class SidecarLifecycleError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kind = kind;
  }
}

/** Anything thrown, as an Error (a thrown string or value is wrapped, its text kept). */
export function failureOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The text of anything thrown. */
export function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The agent's stream stayed open but sent not one byte within the liveness timeout. */
export class WatchLivenessError extends SidecarLifecycleError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super("watch_liveness", `watch stream silent: no data from the agent for ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** The way out did not finish before the shutdown deadline. */
export class ShutdownTimeoutError extends SidecarLifecycleError {
  readonly timeoutMs: number;
  /** The chart state the shutdown was stuck in. */
  readonly state: string;

  constructor(timeoutMs: number, state: string, waitingFor: string, cause?: Error) {
    const detail = cause ? ` (last error: ${cause.message})` : "";
    super(
      "sidecar_api",
      `shutdown timed out after ${timeoutMs} ms in state ${state}: ${waitingFor}${detail}`,
      { cause },
    );
    this.timeoutMs = timeoutMs;
    this.state = state;
  }
}

/** A window of the way out's budget closed on a step still running; the way out went on without it. */
export class StepCutError extends SidecarLifecycleError {
  readonly step: string;
  readonly windowMs: number;

  constructor(step: string, windowMs: number) {
    super("sidecar_api", `${step} cut: its window closed ${windowMs} ms after shutdown began`);
    this.step = step;
    this.windowMs = windowMs;
  }
}
