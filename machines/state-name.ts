import type { StateValue } from "xstate";

/** The leaf states a user reads in the visualizer and in `status().state`, in the chart's order. */
export const LIFECYCLE_STATE_NAMES = [
  "idle",
  "connecting",
  "awaitingServer",
  "connected",
  "streamLost",
  "registerRetry",
  "registered",
  "disconnected",
  "draining",
  "drainRetry",
  "drained",
  "stoppingServer",
  "serverStopped",
  "deregistering",
  "deregisterRetry",
  "drainHeld",
  "forcedExit",
  "deregistered",
] as const;

export type LifecycleStateName = (typeof LIFECYCLE_STATE_NAMES)[number];

/**
 * The one leaf that says where the lifecycle stands. In the parallel `online` state the
 * `session` region speaks; the `liveness` region only runs the silence timer.
 */
export function lifecycleStateName(value: StateValue): LifecycleStateName {
  let current: StateValue = value;
  while (typeof current !== "string") {
    const next: StateValue | undefined = current.session ?? Object.values(current)[0];
    if (next === undefined) throw new Error(`state value has no leaf: ${JSON.stringify(value)}`);
    current = next;
  }
  return current as LifecycleStateName;
}

/** The leaves of the way out: past SHUTDOWN, DRAIN, DEREGISTER or FORCE, before `deregistered`. */
export const WAY_OUT_STATES: ReadonlySet<LifecycleStateName> = new Set<LifecycleStateName>([
  "draining",
  "drainRetry",
  "drained",
  "stoppingServer",
  "serverStopped",
  "deregistering",
  "deregisterRetry",
  "drainHeld",
  "forcedExit",
]);
