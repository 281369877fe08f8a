/**
 * The test model of the lifecycle chart: its graph explored with @xstate/graph under the declared
 * causes, and the shortest paths that together take every edge of it (every cause from every
 * state it can happen in). Each path is then replayed concretely with `transition()`, so its
 * steps carry exact snapshots, events and the actors each step starts.
 */
import { TestModel } from "@xstate/graph";
import {
  type AnyEventObject,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  getNextTransitions,
  initialTransition,
  type StateValue,
  transition,
} from "xstate";
import { type LifecycleInput, lifecycleMachine } from "../../machines/lifecycle.machine.ts";
import { lifecycleStateName } from "../../machines/state-name.ts";
import type { Status } from "../../machines/types.ts";
import { type LifecycleCause, lifecycleCauses, type StatusChange, timerStatus } from "./causes.ts";
import { chartStateNodes, guardName } from "./chart-definition.ts";

export interface StartedActor {
  /** Invoke id (`register`, `drain`, `watch` …). */
  id: string;
  /** The input the chart gave it (e.g. `{ request }` for register). */
  input: unknown;
}

export interface ModelStep {
  /** 1-based position in the path. */
  index: number;
  cause: LifecycleCause;
  /** The event the chart receives. */
  event: AnyEventObject;
  before: AnyMachineSnapshot;
  after: AnyMachineSnapshot;
  /** Actors the step starts: each is a call the agent must receive, or a watch attempt. */
  starts: StartedActor[];
  /** `state key | cause`: the edge of the graph this step takes. */
  edge: string;
}

export interface LifecyclePath {
  /** `START → frame.connected → … ⇒ registered`. */
  description: string;
  steps: ModelStep[];
}

export interface LifecycleModelOptions {
  /** The chart, or your `lifecycleMachine.provide(...)` of it. Default: `lifecycleMachine`. */
  machine?: AnyStateMachine;
  input: LifecycleInput;
}

export interface LifecycleModel {
  readonly machine: AnyStateMachine;
  readonly input: LifecycleInput;
  /** Declared causes plus one per `after` timer of the chart. */
  readonly causes: readonly LifecycleCause[];
  /** Paths that together take every edge; none is a prefix of another. */
  readonly paths: readonly LifecyclePath[];
  /** Every edge (`state key | cause`) of the explored graph. */
  readonly edges: readonly string[];
  /** What distinguishes states for the graph: the state value and the verdicts of the guards it can meet. */
  stateKey(snapshot: AnyMachineSnapshot): string;
  /** The status change a step implies. */
  expectedChange(step: ModelStep, before: Status): StatusChange;
  /** Event types the chart handles that no cause sends (a transition on them cannot be covered). */
  undeclaredEvents(): string[];
}

type TaggedEvent = AnyEventObject & { cause: string };

/** Invoke id of the chart's watch actor, through which `watch` causes arrive. */
export const WATCH_ACTOR = "watch";

const AFTER_PREFIX = "xstate.after.";

function formatValue(value: StateValue): string {
  if (typeof value === "string") return value;
  const parts = Object.entries(value).map(([key, child]) =>
    child === undefined || (typeof child === "object" && Object.keys(child).length === 0)
      ? key
      : `${key}.${formatValue(child)}`,
  );
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(", ")})`;
}

/** One cause per delayed transition: its timer expiring. */
function timerCauses(machine: AnyStateMachine): LifecycleCause[] {
  return chartStateNodes(machine).flatMap((node) =>
    [...node.transitions.keys()]
      .filter((type) => type.startsWith(AFTER_PREFIX))
      .map((type): LifecycleCause => {
        const delay = type.slice(AFTER_PREFIX.length, -(node.id.length + 1));
        return {
          name: `timer:${delay}@${node.key}`,
          origin: "timer",
          source: delay,
          event: () => ({ type }),
          status: timerStatus[delay],
        };
      }),
  );
}

/** A guard with params is evaluated for its transition, so it tells no state from another. */
function hasParams(definition: AnyTransitionDefinition): boolean {
  return (definition.guard as { params?: unknown } | undefined)?.params !== undefined;
}

export function createLifecycleModel(options: LifecycleModelOptions): LifecycleModel {
  const machine = options.machine ?? lifecycleMachine;
  const { input } = options;
  const causes = [...lifecycleCauses, ...timerCauses(machine)];
  const byName = new Map<string, LifecycleCause>();
  for (const cause of causes) {
    if (byName.has(cause.name)) throw new Error(`two causes are named "${cause.name}"`);
    byName.set(cause.name, cause);
  }
  const guards = machine.implementations.guards as Record<
    string,
    (args: unknown, params: unknown) => unknown
  >;

  /** Guards that read only context, evaluated here; those that need the event or params are left out. */
  function guardVerdicts(snapshot: AnyMachineSnapshot): string[] {
    const verdicts = new Map<string, boolean>();
    for (const definition of getNextTransitions(snapshot)) {
      const name = guardName(definition.guard);
      const guard = guards[name];
      if (hasParams(definition) || guard === undefined || verdicts.has(name)) continue;
      try {
        const verdict = guard(
          { context: snapshot.context, event: { type: "xstate.model.probe" } },
          undefined,
        );
        if (typeof verdict === "boolean") verdicts.set(name, verdict);
      } catch {
        // This guard reads the event: its verdict belongs to the transition, not to the state.
      }
    }
    return [...verdicts].sort(([a], [b]) => a.localeCompare(b)).map(([name, ok]) => (ok ? name : `!${name}`));
  }

  function stateKey(snapshot: AnyMachineSnapshot): string {
    const verdicts = guardVerdicts(snapshot);
    return `${formatValue(snapshot.value)}${verdicts.length > 0 ? ` {${verdicts.join(" ")}}` : ""}`;
  }

  function causesIn(snapshot: AnyMachineSnapshot): LifecycleCause[] {
    if (snapshot.status !== "active") return [];
    return causes.filter((cause) => {
      if (cause.origin === "watch" && snapshot.children[WATCH_ACTOR] === undefined) return false;
      if (cause.origin === "actor" && snapshot.children[cause.source ?? ""] === undefined) return false;
      if (cause.when && !cause.when(snapshot)) return false;
      return snapshot.can(cause.event({ before: snapshot, seq: 0 }));
    });
  }

  const serializeEvent = (event: AnyEventObject) => (event as TaggedEvent).cause ?? event.type;
  const graph = new TestModel<AnyMachineSnapshot, AnyEventObject, LifecycleInput>(machine as never, {
    input,
    events: (snapshot: AnyMachineSnapshot) =>
      causesIn(snapshot).map((cause) => ({
        ...cause.event({ before: snapshot, seq: 0 }),
        cause: cause.name,
      })),
    // A vertex per edge taken (state reached, and by which cause from where), so the shortest
    // paths to all vertices take every edge: transition coverage, not just state coverage.
    serializeState: (snapshot, event, previous) =>
      event && previous
        ? `${stateKey(previous)} | ${serializeEvent(event)} → ${stateKey(snapshot)}`
        : stateKey(snapshot),
    serializeEvent: serializeEvent as never,
  });

  const edges = new Set<string>();
  for (const { state, transitions } of Object.values(graph.getAdjacencyMap())) {
    for (const name of Object.keys(transitions)) edges.add(`${stateKey(state)} | ${name}`);
  }

  function concrete(events: AnyEventObject[], expected: AnyMachineSnapshot[]): LifecyclePath {
    let [snapshot] = initialTransition(machine, input);
    const steps = events.map((tagged, i): ModelStep => {
      const cause = byName.get(serializeEvent(tagged)) as LifecycleCause;
      const event = cause.event({ before: snapshot, seq: i + 1 });
      const [after, actions] = transition(machine, snapshot, event);
      const wanted = stateKey(expected[i] as AnyMachineSnapshot);
      if (stateKey(after) !== wanted) {
        throw new Error(
          `path diverges from the graph at step ${i + 1} (${cause.name}): reached ${stateKey(after)}, ` +
            `graph says ${wanted}; the state key misses something that changes behaviour`,
        );
      }
      const starts = actions
        .filter((action) => action.type === "xstate.spawnChild")
        .map((action) => {
          const params = action.params as { id: string; input?: unknown };
          return { id: params.id, input: params.input };
        });
      const step = {
        index: i + 1,
        cause,
        event,
        before: snapshot,
        after,
        starts,
        edge: `${stateKey(snapshot)} | ${cause.name}`,
      };
      snapshot = after;
      return step;
    });
    const last = steps.at(-1)?.after ?? snapshot;
    return {
      description: `${steps.map((step) => step.cause.name).join(" → ")} ⇒ ${lifecycleStateName(last.value)}`,
      steps,
    };
  }

  const paths = graph.getShortestPaths().map((path) => {
    // @xstate/graph puts each step's event with the state it led to; the first is xstate.init.
    const later = path.steps.slice(1);
    return concrete(
      later.map((step) => step.event),
      later.map((step) => step.state),
    );
  });

  return {
    machine,
    input,
    causes,
    paths,
    edges: [...edges],
    stateKey,
    expectedChange(step, before) {
      const change = step.cause.status?.(before, { before: step.before, seq: step.index }) ?? {};
      // Leaving `running` stops the watch on purpose: no longer connected, and not a failure.
      if (step.before.matches("running") && !step.after.matches("running")) {
        return { ...change, set: { connected: false, ...change.set } };
      }
      return change;
    },
    undeclaredEvents() {
      const [initial] = initialTransition(machine, input);
      const sent = new Set(causes.map((cause) => cause.event({ before: initial, seq: 0 }).type));
      const handled = new Set(
        [machine.root, ...chartStateNodes(machine)].flatMap((node) => [...node.transitions.keys()]),
      );
      return [...handled].filter((type) => !sent.has(type));
    },
  };
}
