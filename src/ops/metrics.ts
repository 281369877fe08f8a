/**
 * `/metrics` in Prometheus text through prom-client (an optional peer dependency: this file is
 * loaded with a dynamic import only when metrics are asked for). Totals the chart already counts
 * are read from its status at scrape time; per-kind counts and durations from its steps since
 * the metrics were created.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { LIFECYCLE_STATE_NAMES, lifecycleStateName } from "../../machines/state-name.ts";
import type { Status } from "../../machines/types.ts";
import type { LifecycleEvents, TransitionInfo } from "./events.ts";
import type { ManagedView } from "./probes.ts";

/** Steps whose time in them is a call's duration: the drain and the deregister. */
const TIMED = { draining: "drain", deregistering: "deregister" } as const;

/** What the metrics read: a lifecycle handle (its actor, its registration, its typed events). */
export interface MetricsView extends ManagedView {
  readonly on: LifecycleEvents["on"];
}

export interface LifecycleMetrics {
  readonly registry: Registry;
  readonly contentType: string;
  text(): Promise<string>;
  /** Stops counting the chart's steps. */
  close(): void;
}

/**
 * The lifecycle's metrics on `registry` (default: a registry of its own). `earlier`: the steps seen
 * while prom-client was loading, counted first, from the status before them (`baseline`).
 */
export function createMetrics(
  view: MetricsView,
  registry: Registry = new Registry(),
  earlier: readonly TransitionInfo[] = [],
  baseline: Status = view.actor.getSnapshot().context.status,
): LifecycleMetrics {
  const status = () => view.actor.getSnapshot().context.status;
  new Counter({
    name: "sidecar_lifecycle_registers_total",
    help: "Registers the agent accepted (the first and every replay).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(status().registerReplayCount);
    },
  });
  new Counter({
    name: "sidecar_lifecycle_replays_total",
    help: "Registers replayed after the first (the agent came back or the stream was re-opened).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(Math.max(0, status().registerReplayCount - 1));
    },
  });
  const replayLatency = new Histogram({
    name: "sidecar_lifecycle_replay_latency_seconds",
    help: "From the agent's connected event to the replayed register accepted.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const disconnects = new Counter({
    name: "sidecar_lifecycle_disconnects_total",
    help: "Watch stream failures, by error kind.",
    labelNames: ["kind"],
    registers: [registry],
  });
  const registerFailures = new Counter({
    name: "sidecar_lifecycle_register_failures_total",
    help: "Registers that failed, by error kind.",
    labelNames: ["kind"],
    registers: [registry],
  });
  const durationOf = (call: "drain" | "deregister") =>
    new Histogram({
      name: `sidecar_lifecycle_${call}_duration_seconds`,
      help: `Time in each ${call} call of the way out (a retry is a call of its own).`,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  const durations = { drain: durationOf("drain"), deregister: durationOf("deregister") };
  new Gauge({
    name: "sidecar_lifecycle_state",
    help: "1 for the leaf state the lifecycle is in, 0 for the others.",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const name = lifecycleStateName(view.actor.getSnapshot().value);
      for (const each of LIFECYCLE_STATE_NAMES) this.set({ state: each }, each === name ? 1 : 0);
    },
  });
  new Gauge({
    name: "sidecar_lifecycle_registered",
    help: "1 while the agent holds the registration on a live stream.",
    registers: [registry],
    collect() {
      this.set(status().registered ? 1 : 0);
    },
  });
  new Gauge({
    name: "sidecar_lifecycle_agent_ready",
    help: "1 when the agent last said it is ready, 0 when it said it is not or has not said.",
    registers: [registry],
    collect() {
      this.set(status().agentReady === true ? 1 : 0);
    },
  });
  const entered = new Map<string, number>();
  let counted = baseline;
  let connectedAt: number | null = null;
  const count = ({ from, to, event, status: now, at }: TransitionInfo) => {
    // The chart counts each failure once; its counters moving say which one happened in this step.
    const kind = now.lastErrorKind || "runtime_error";
    const lost = now.disconnectCount - counted.disconnectCount;
    const refused = now.registerReplayFailureCount - counted.registerReplayFailureCount;
    if (lost > 0) disconnects.inc({ kind }, lost);
    if (refused > 0) registerFailures.inc({ kind }, refused);
    counted = now;
    if (from === to) return;
    if (event === "WATCH.CONNECTED") connectedAt = at;
    if (to === "registered" && now.registerReplayCount > 1 && connectedAt !== null) {
      replayLatency.observe((at - connectedAt) / 1000);
    }
    const call = TIMED[from as keyof typeof TIMED];
    const started = entered.get(from);
    if (call && started !== undefined) durations[call].observe((at - started) / 1000);
    if (to in TIMED) entered.set(to, at);
  };
  for (const step of earlier) count(step);
  const unsubscribe = [view.on("transition", count)];
  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    close: () => {
      for (const off of unsubscribe) off();
    },
  };
}
