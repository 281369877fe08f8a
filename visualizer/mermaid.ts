/**
 * The chart as a Mermaid `stateDiagram-v2`, read from the machine's state nodes, for README.
 * Mermaid draws an edge only between states declared in the same block, so an edge that crosses
 * into or out of a composite state is drawn between the composites that hold its ends, its label
 * naming the real start (`, from registering`) or end (`, to stoppingServer`). A transition that a
 * composite state handles for every state inside it (`session` on WATCH.CONNECTED) is a note on it.
 * Transitions that change no state (actions only) are not drawn.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from "xstate";
import { transitionLabel } from "../src/inspector/chart-graph.ts";
import { guardName } from "../src/testing/chart-definition.ts";

function children(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function ancestry(node: AnyStateNode): AnyStateNode[] {
  const chain: AnyStateNode[] = [];
  for (let current: AnyStateNode | undefined = node; current; current = current.parent)
    chain.unshift(current);
  return chain;
}

function label(transition: AnyTransitionDefinition): string {
  const guard = guardName(transition.guard);
  return transitionLabel({
    eventType: transition.eventType,
    delay: (transition as { delay?: unknown }).delay,
    guard: guard === "" ? undefined : guard,
  }).label;
}

interface Edge {
  start: AnyStateNode;
  end: AnyStateNode;
  text: string;
}

export function mermaidDiagram(machine: AnyStateMachine): string {
  const nodes: AnyStateNode[] = [];
  const collect = (node: AnyStateNode) => {
    for (const child of children(node)) {
      nodes.push(child);
      collect(child);
    }
  };
  collect(machine.root);
  // A state's own name when no other state has it, else its path: Mermaid ids are chart-wide.
  const keyCount = new Map<string, number>();
  for (const node of nodes) keyCount.set(node.key, (keyCount.get(node.key) ?? 0) + 1);
  const idOf = (node: AnyStateNode) =>
    keyCount.get(node.key) === 1 ? node.key : node.path.join("_").replace(/[^\w]/g, "_");

  /** Edges by the composite whose block draws them; notes by the state they are on. */
  const edgesIn = new Map<AnyStateNode, Edge[]>();
  const notesOn = new Map<AnyStateNode, string[]>();
  const add = <T>(map: Map<AnyStateNode, T[]>, node: AnyStateNode, entry: T) =>
    map.set(node, [...(map.get(node) ?? []), entry]);

  for (const source of [machine.root, ...nodes]) {
    const transitions = [...[...source.transitions.values()].flat(), ...(source.always ?? [])];
    for (const transition of transitions) {
      for (const target of transition.target ?? []) {
        const text = label(transition);
        const from = ancestry(source);
        const to = ancestry(target);
        if (target !== source && to.includes(source)) {
          // Handled by the composite for every state inside it.
          const where = source === machine.root ? target : source;
          add(notesOn, where, `${text} → ${target.key}`);
          continue;
        }
        let shared = 0;
        while (from[shared] === to[shared] && shared < Math.min(from.length, to.length) - 1) shared++;
        if (target === source) shared = from.length - 1;
        const container = from[shared - 1] as AnyStateNode;
        const start = from[shared] as AnyStateNode;
        const end = to[shared] as AnyStateNode;
        const notes = [
          ...(start === source ? [] : [`from ${source.key}`]),
          ...(end === target ? [] : [`to ${target.key}`]),
        ];
        const shown = notes.length > 0 ? `${text}, ${notes.join(", ")}` : text;
        add(edgesIn, container, { start, end, text: shown });
      }
    }
  }

  const lines = ["stateDiagram-v2"];
  const write = (depth: number, line: string) => lines.push(`${"  ".repeat(depth)}${line}`);
  const block = (node: AnyStateNode, depth: number) => {
    const inside = children(node);
    if (node.type === "parallel") {
      inside.forEach((region, index) => {
        if (index > 0) write(depth, "--");
        declare(region, depth);
      });
    } else {
      const initial = node.initial?.target[0];
      if (initial) write(depth, `[*] --> ${idOf(initial)}`);
      // A state that no line of its block names would be drawn where it is first named: name it here.
      const edges = edgesIn.get(node) ?? [];
      const named = new Set([initial, ...edges.flatMap((edge) => [edge.start, edge.end])]);
      for (const child of inside) declare(child, depth, !named.has(child));
    }
    for (const edge of edgesIn.get(node) ?? []) {
      write(depth, `${idOf(edge.start)} --> ${idOf(edge.end)}: ${edge.text}`);
    }
    for (const child of inside) if (child.type === "final") write(depth, `${idOf(child)} --> [*]`);
  };
  const declare = (node: AnyStateNode, depth: number, unnamed = false) => {
    const id = idOf(node);
    if (id !== node.key) write(depth, `state "${node.key}" as ${id}`);
    else if (unnamed && children(node).length === 0) write(depth, id);
    if (children(node).length > 0) {
      write(depth, `state ${id} {`);
      block(node, depth + 1);
      write(depth, "}");
    }
    const notes = notesOn.get(node);
    if (notes) {
      write(depth, `note left of ${id}`);
      for (const note of notes) write(depth + 1, `${note}`);
      write(depth, "end note");
    }
  };
  block(machine.root, 1);
  return `${lines.join("\n")}\n`;
}
