/** Prints a lifecycle's state transitions as they happen, one timestamped line each. */
import type { LifecycleStateName } from "../../machines/state-name.ts";
import { type Lifecycle, type LifecycleStatus, onStateChange } from "../lifecycle.ts";

/** What a transition means, in words, when the state name alone does not say it. */
function detail(to: LifecycleStateName, status: LifecycleStatus): string {
  switch (to) {
    case "awaitingServer":
      return "agent connected; waiting for the server to accept connections";
    case "connected":
      return "agent connected; registering";
    case "registered":
      return status.registerReplayCount > 1
        ? `registration replayed: register #${status.registerReplayCount}`
        : "the agent accepted the registration";
    case "streamLost":
      return `${status.lastError}; waiting for the register in flight`;
    case "forcedExit":
      return "forced: one quick deregister";
    case "registerRetry":
    case "disconnected":
    case "drainRetry":
    case "deregisterRetry":
      return status.lastError;
    case "drained":
      return "drain accepted; waiting the drain delay";
    case "stoppingServer":
      return "stopping the server";
    default:
      return "";
  }
}

/**
 * Subscribes to the lifecycle's actor and writes `from → to (detail)`; returns the unsubscribe
 * function. `skipReconnectLoop` leaves the loop (into `disconnected`, back to `connecting`) to the
 * lifecycle's structured log, which summarizes an outage instead of two lines per attempt.
 */
export function logTransitions(
  lifecycle: Pick<Lifecycle, "actor">,
  write: (line: string, step: { from: LifecycleStateName; state: LifecycleStateName }) => void,
  { skipReconnectLoop = false } = {},
): () => void {
  return onStateChange(lifecycle.actor, (state, status, previous) => {
    const loop = state === "disconnected" || (previous === "disconnected" && state === "connecting");
    if (skipReconnectLoop && loop) return;
    const text = detail(state, status);
    write(`${previous} → ${state}${text ? `  (${text})` : ""}`, { from: previous, state });
  });
}
