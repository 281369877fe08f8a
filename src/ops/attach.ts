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

  let server: Promise<ManagedPortServer> | undefined;
  if (resolved.managedPort !== undefined) {
    const { managedPort, managedHost } = resolved;
    server = import("./managed-port.ts").then(({ startManagedPort }) =>
      startManagedPort(view, managedPort, managedHost),
    );
    server.then(
      ({ url }) => resolved.log(`managed port listening on ${url} (/health /ready /info /metrics)`),
      (error: Error) => ops.reportError(error),
    );
  }

  const ops: AttachedOps = {
    events,
    calls: traceCalls(calls),
    reportError(error) {
      onError(error);
      const state = lifecycleStateName(actor.getSnapshot().value);
      events.emit("error", { error, kind: errorKindOf(error), state });
    },
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
  if (server) actor.subscribe({ complete: () => void ops.close(), error: () => void ops.close() });
  return ops;
}
