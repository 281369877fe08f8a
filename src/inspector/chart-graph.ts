/**
 * The chart as a drawable graph: one box per state (nested as in the chart), one edge per
 * transition with a readable label (event, `after <delay>`, `done: <actor>`, `[guard]`). The
 * inspector page lays it out with elkjs and draws it as SVG; this module only reads XState's
 * definition, so it works on `machine.toJSON()` and on the committed export alike.
 */

/** The part of XState's `StateNodeDefinition` (machine.toJSON()) this module reads. */
export interface StateDefinition {
  id: string;
  key: string;
  type: "atomic" | "compound" | "parallel" | "final" | "history";
  initial?: { target: string[] };
  states: Record<string, StateDefinition>;
  transitions: TransitionDefinition[];
  invoke: { src: unknown; id?: string }[];
}

export interface TransitionDefinition {
  eventType: string;
  target?: string[];
  guard?: unknown;
  delay?: unknown;
}

export interface ChartNode {
  /** XState state node id, e.g. `lifecycle.running.online.session.connected`. */
  id: string;
  label: string;
  type: StateDefinition["type"];
  parent: string | null;
  /** The parent's initial child. */
  initial: boolean;
  /** Actors the state invokes: their life is the state's life. */
  invokes: string[];
  /** Transitions that do not leave the state (no target, or a re-entry of itself). */
  internal: string[];
}

export interface ChartEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  kind: "event" | "delay" | "done" | "error";
}

export interface ChartGraph {
  id: string;
  nodes: ChartNode[];
  edges: ChartEdge[];
  /** Ids of the states that have no children: what a running service can be "in". */
  leaves: string[];
}

function guardName(guard: unknown): string | undefined {
  if (typeof guard === "string") return guard;
  if (guard && typeof guard === "object" && typeof (guard as { type?: unknown }).type === "string") {
    return (guard as { type: string }).type;
  }
  return guard === undefined ? undefined : "guard";
}

/** `xstate.after.reconnectDelay.lifecycle.running.disconnected` → `after reconnectDelay`. */
export function transitionLabel(transition: TransitionDefinition): {
  label: string;
  kind: ChartEdge["kind"];
} {
  const type = transition.eventType;
  let label = type;
  let kind: ChartEdge["kind"] = "event";
  if (transition.delay !== undefined || type.startsWith("xstate.after.")) {
    const delay = transition.delay ?? type.split(".")[2];
    label = `after ${typeof delay === "number" ? `${delay}ms` : String(delay)}`;
    kind = "delay";
  } else if (type.startsWith("xstate.done.actor.")) {
    label = `done: ${type.slice("xstate.done.actor.".length)}`;
    kind = "done";
  } else if (type.startsWith("xstate.error.actor.")) {
    label = `error: ${type.slice("xstate.error.actor.".length)}`;
    kind = "error";
  } else if (type.startsWith("xstate.done.state.")) {
    label = "done";
    kind = "done";
  } else if (type === "") {
    label = "always";
  }
  const guard = guardName(transition.guard);
  return { label: guard ? `${label} [${guard}]` : label, kind };
}

function invokeName(invoke: { src: unknown; id?: string }): string {
  return typeof invoke.src === "string" ? invoke.src : (invoke.id ?? "actor");
}

export function chartGraph(root: StateDefinition): ChartGraph {
  const nodes: ChartNode[] = [];
  const edges: ChartEdge[] = [];
  const leaves: string[] = [];

  const visit = (state: StateDefinition, parent: StateDefinition | null) => {
    const node: ChartNode = {
      id: state.id,
      label: state.key,
      type: state.type,
      parent: parent?.id ?? null,
      initial: parent?.initial?.target.includes(`#${state.id}`) ?? false,
      invokes: state.invoke.map(invokeName),
      internal: [],
    };
    nodes.push(node);
    const children = Object.values(state.states);
    if (children.length === 0) leaves.push(state.id);

    for (const transition of state.transitions) {
      const { label, kind } = transitionLabel(transition);
      const targets = (transition.target ?? []).map((target) => target.replace(/^#/, ""));
      if (targets.length === 0) {
        node.internal.push(label);
        continue;
      }
      for (const target of targets) {
        if (target === state.id) {
          node.internal.push(`${label} ↻`);
          continue;
        }
        edges.push({ id: `e${edges.length}`, source: state.id, target, label, kind });
      }
    }
    for (const child of children) visit(child, state);
  };
  visit(root, null);

  return { id: root.id, nodes, edges, leaves };
}
