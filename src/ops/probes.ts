/**
 * What `/health`, `/ready` and `/info` answer, read from the chart's snapshot at the moment of the
 * request: `/ready` turns 503 in the same step that leaves `registered` (SHUTDOWN included, before
 * the drain call is even sent), because nothing caches it.
 */
import type { Actor } from "xstate";
import type { lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import { type LifecycleStateName, lifecycleStateName, WAY_OUT_STATES } from "../../machines/state-name.ts";

export interface ProbeAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** What a lifecycle's managed port reads: its actor and the instance it registers. */
export interface ManagedView {
  readonly actor: Actor<typeof lifecycleMachine>;
  readonly registration: { readonly instance: string; readonly contract: string };
}

/** Why the service is not ready, in the state it is in. */
export function notReadyReason(state: LifecycleStateName, lastError: string): string {
  if (WAY_OUT_STATES.has(state)) return "shutting down: the way out began";
  switch (state) {
    case "idle":
      return "not started";
    case "connecting":
      return lastError ? `connecting to the agent (last error: ${lastError})` : "connecting to the agent";
    case "awaitingServer":
      return "waiting for the business server to report ready";
    case "connected":
      return "registering with the agent";
    case "streamLost":
    case "disconnected":
      return `agent unreachable: ${lastError || "the watch stream ended"}`;
    case "registerRetry":
      return `register failed, retrying: ${lastError}`;
    case "deregistered":
      return "deregistered";
    default:
      return state;
  }
}

export function readiness(view: ManagedView): ProbeAnswer {
  const snapshot = view.actor.getSnapshot();
  const state = lifecycleStateName(snapshot.value);
  if (state === "registered" && snapshot.status === "active")
    return { status: 200, body: { ready: true, state } };
  const reason = notReadyReason(state, snapshot.context.status.lastError);
  return { status: 503, body: { ready: false, state, reason } };
}

/** Alive while the actor runs the lifecycle; 503 once it is deregistered or failed. */
export function health(view: ManagedView): ProbeAnswer {
  const snapshot = view.actor.getSnapshot();
  const state = lifecycleStateName(snapshot.value);
  if (snapshot.status === "active") return { status: 200, body: { alive: true, state } };
  const reason = snapshot.status === "error" ? `failed: ${String(snapshot.error)}` : "deregistered";
  return { status: 503, body: { alive: false, state, reason } };
}

export function info(view: ManagedView): ProbeAnswer {
  const snapshot = view.actor.getSnapshot();
  const state = lifecycleStateName(snapshot.value);
  return {
    status: 200,
    body: {
      state,
      contract: view.registration.contract,
      instance: view.registration.instance,
      status: { ...snapshot.context.status, state },
    },
  };
}
