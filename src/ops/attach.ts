/**
 * The one hook a lifecycle calls: its typed events, diagnostics channels, structured log and
 * managed port, attached to its actor before it starts. Only the managed port (and prom-client
 * behind it) loads on demand; the rest is small and costs nothing unused.
 */
import type { Actor } from "xstate";
import type { lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import { lifecycleStateName } from "../../machines/state-name.ts";
import { errorKindOf } from "../../machines/status.ts";
import type { AgentCalls, AgentRegistration } from "../agent/registration.ts";
import type { ResolvedOptions } from "../options.ts";
import { traceCalls } from "./channels.ts";
import { emitChartEvents, LifecycleEvents } from "./events.ts";
import { attachStructuredLog, type LogClock } from "./log.ts";
import type { ManagedPortAddress, ManagedPortServer } from "./managed-port.ts";

export interface AttachedOps {
  readonly events: LifecycleEvents;
  /** The agent calls, traced on the diagnostics channels. */
  readonly calls: AgentCalls;
  /** Where every recorded error goes: `onError`, the `error` event, the logger. */
  reportError(error: Error): void;
  /** The managed port once it listens; undefined without `managedPort`; rejects when it cannot listen. */
  managedPort(): Promise<ManagedPortAddress | undefined>;
  /** Closes the managed port; also done when the chart ends, however it ends. */
  close(): Promise<void>;
}

export function attachOps(
  actor: Actor<typeof lifecycleMachine>,
  registration: AgentRegistration,
  calls: AgentCalls,
  resolved: ResolvedOptions,
  onError: (error: Error) => void,
): AttachedOps {
  const events = new LifecycleEvents(resolved.log);
  emitChartEvents(actor, registration.instance, events);
  const view = { actor, registration, on: events.on.bind(events) };
  const stateNow = () => lifecycleStateName(actor.getSnapshot().value);
  // On the chart's own clock, so a SimulatedClock drives the summaries too.
  const log =
    resolved.logger &&
    attachStructuredLog(
      events,
      resolved.logger,
      actor.clock as LogClock,
      {
        instance: registration.instance,
        agent: resolved.baseURL,
      },
      stateNow,
    );
  // `fromAgent`: one of the chart's agent calls or its watch, which the log summarizes while they keep failing.
  const report = (error: Error, fromAgent: boolean) => {
    onError(error);
    const state = stateNow();
    const kind = errorKindOf(error);
    events.emit("error", { error, kind, state });
    if (fromAgent) log?.error(error, kind, state);
    else log?.fault(error, state);
  };

  let server: Promise<ManagedPortServer> | undefined;
  if (resolved.managedPort !== undefined) {
    const { managedPort, managedHost } = resolved;
    server = import("./managed-port.ts").then(({ startManagedPort }) =>
      startManagedPort(view, managedPort, managedHost),
    );
    server.then(
      ({ url }) => resolved.log(`managed port listening on ${url} (/health /ready /info /metrics)`),
      (error: Error) => report(error, false),
    );
  }

  const ops: AttachedOps = {
    events,
    calls: traceCalls(calls),
    reportError: (error) => report(error, true),
    managedPort: async () => (server ? await server : undefined),
    async close() {
      closing ??= server?.then(
        (open) => open.close(),
        () => {},
      );
      await closing;
    },
  };
  let closing: Promise<void> | undefined;
  if (server || log) {
    const end = () => {
      log?.close();
      void ops.close();
    };
    actor.subscribe({ complete: end, error: end });
  }
  return ops;
}
