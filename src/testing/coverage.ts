/**
 * Coverage measured on running actors against the chart's own definition: a state counts once
 * an actor was in it, a transition once an actor took it (XState's microstep inspection), an
 * edge of the model once a replay stepped through it. Nothing is counted from the paths alone.
 */
import type { AnyActorRef, AnyMachineSnapshot, InspectionEvent, Subscription } from "xstate";
import { chartStateNodes, chartTransitions, transitionKey } from "./chart-definition.ts";
import type { LifecycleModel } from "./model.ts";

export interface CoverageCount {
  covered: number;
  total: number;
  missing: string[];
}

export interface CoverageReport {
  states: CoverageCount;
  transitions: CoverageCount;
  edges: CoverageCount;
}

function count(all: readonly string[], seen: ReadonlySet<string>): CoverageCount {
  const missing = all.filter((item) => !seen.has(item));
  return { covered: all.length - missing.length, total: all.length, missing };
}

export class LifecycleCoverage {
  readonly #model: LifecycleModel;
  readonly #states = new Set<string>();
  readonly #transitions = new Set<string>();
  readonly #edges = new Set<string>();

  constructor(model: LifecycleModel) {
    this.#model = model;
  }

  #enter(snapshot: AnyMachineSnapshot): void {
    for (const node of snapshot._nodes) this.#states.add(node.id);
  }

  /** Records what `actor` does from now on: the states it enters and the transitions it takes. */
  observe(actor: AnyActorRef): Subscription {
    this.#enter(actor.getSnapshot());
    return actor.system.inspect((event: InspectionEvent) => {
      if (event.type !== "@xstate.microstep" || event.actorRef !== actor) return;
      for (const taken of event._transitions) this.#transitions.add(transitionKey(taken));
      this.#enter(event.snapshot as AnyMachineSnapshot);
    });
  }

  /** A replay took this edge of the model (`state key | cause`). */
  recordEdge(edge: string): void {
    this.#edges.add(edge);
  }

  report(): CoverageReport {
    const machine = this.#model.machine;
    return {
      states: count(
        chartStateNodes(machine).map((node) => node.id),
        this.#states,
      ),
      transitions: count(chartTransitions(machine).map(transitionKey), this.#transitions),
      edges: count(this.#model.edges, this.#edges),
    };
  }

  /** `states 22/22, transitions 37/37, edges 212/212`. */
  summary(): string {
    const { states, transitions, edges } = this.report();
    const figure = (name: string, part: CoverageCount) => `${name} ${part.covered}/${part.total}`;
    return [figure("states", states), figure("transitions", transitions), figure("edges", edges)].join(", ");
  }

  /** Throws, naming every state, transition and edge no replay exercised. */
  assertComplete(): void {
    const { states, transitions, edges } = this.report();
    const undeclared = this.#model.undeclaredEvents();
    const lines = [
      ...states.missing.map((id) => `state never entered: ${id}`),
      ...transitions.missing.map((key) => {
        const event = key.split(": ")[1]?.split(" ")[0] ?? "";
        const hint = undeclared.includes(event) ? ` (no declared cause sends ${event})` : "";
        return `transition never taken: ${key}${hint}`;
      }),
      ...edges.missing.map((edge) => `edge never replayed: ${edge}`),
    ];
    if (lines.length > 0) {
      throw new Error(`model coverage incomplete (${this.summary()}):\n  ${lines.join("\n  ")}`);
    }
  }
}
