/**
 * `node:diagnostics_channel` names of this package, and the agent calls traced on them. Nothing is
 * built per message while no one subscribes: publishing checks `hasSubscribers` first. undici's own
 * channels (`undici:request:*`) already cover the HTTP level; these carry the lifecycle's meaning.
 */
import diagnostics from "node:diagnostics_channel";
import type { Registration } from "../../machines/types.ts";
import type { AgentCalls, AgentRegistration } from "../agent/registration.ts";

/** One message per step of the chart: `{ from, event, to, status, instance }`. */
export const TransitionChannel = "sidecar-lifecycle:transition";
/** TracingChannels (`tracing:<name>:start|end|asyncStart|asyncEnd|error`) around each agent call. */
export const RegisterChannel = "sidecar-lifecycle:register";
export const DrainChannel = "sidecar-lifecycle:drain";
export const DeregisterChannel = "sidecar-lifecycle:deregister";

/** The context a call's TracingChannel messages carry: `result` is the agent's answer payload on success, `error` set on failure. */
export interface AgentCallContext {
  call: "register" | "drain" | "deregister";
  contract: "v1" | "v2";
  /** `auth:9090` (v1) or `appId/instanceId` (v2). */
  instance: string;
  /** What is sent, before the wire's snake_case: the v1 RegisterRequest / ServiceNode, or the drain / deregister keys. */
  request: unknown;
  result?: unknown;
  error?: unknown;
}

export const transitionChannel = diagnostics.channel(TransitionChannel);
const register = diagnostics.tracingChannel<AgentCallContext>(RegisterChannel);
const drain = diagnostics.tracingChannel<AgentCallContext>(DrainChannel);
const deregister = diagnostics.tracingChannel<AgentCallContext>(DeregisterChannel);

function keysOf(registration: AgentRegistration): Record<string, unknown> {
  if (registration.contract === "v1")
    return { name: registration.request.name, port: registration.request.port };
  return { appId: registration.node.app.id, instanceId: registration.node.app.instanceId };
}

function bodyOf(registration: Registration): unknown {
  const known = registration as AgentRegistration;
  return known.contract === "v1" ? known.request : known.node;
}

function context(
  call: AgentCallContext["call"],
  registration: Registration,
  request: unknown,
): AgentCallContext {
  return { call, contract: registration.contract, instance: registration.instance, request };
}

/** `calls`, each traced on its TracingChannel while someone subscribes to it. */
export function traceCalls(calls: AgentCalls): AgentCalls {
  return {
    register: (registration, signal) =>
      register.hasSubscribers
        ? register.tracePromise(
            calls.register,
            context("register", registration, bodyOf(registration)),
            calls,
            registration,
            signal,
          )
        : calls.register(registration, signal),
    drain: (registration, gracePeriod, signal) =>
      drain.hasSubscribers
        ? drain.tracePromise(
            calls.drain,
            context("drain", registration, { ...keysOf(registration as AgentRegistration), gracePeriod }),
            calls,
            registration,
            gracePeriod,
            signal,
          )
        : calls.drain(registration, gracePeriod, signal),
    deregister: (registration, signal) =>
      deregister.hasSubscribers
        ? deregister.tracePromise(
            calls.deregister,
            context("deregister", registration, keysOf(registration as AgentRegistration)),
            calls,
            registration,
            signal,
          )
        : calls.deregister(registration, signal),
  };
}
