/**
 * What the chart's definition holds, read from `machine.root` itself (never from a list kept by
 * hand): every state node and every transition, `after` timers, invoke `onDone`/`onError` and
 * `always` included. Coverage is measured against this, so a transition drawn tomorrow counts
 * as missing until some path takes it.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from "xstate";

/** Every state node below the root, in document order. */
export function chartStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const nodes: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      nodes.push(child);
      walk(child);
    }
  };
  walk(machine.root);
  return nodes;
}

/** The transitions a node declares: `on`, `after`, invoke results, then `always`. */
function ownTransitions(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
}

/** Every transition of the chart, the root's own included. */
export function chartTransitions(machine: AnyStateMachine): AnyTransitionDefinition[] {
  return [machine.root, ...chartStateNodes(machine)].flatMap(ownTransitions);
}

/** A guard's name as the chart declares it; empty for none. */
export function guardName(guard: unknown): string {
  if (guard === undefined) return "";
  if (typeof guard === "string") return guard;
  if (typeof guard === "function") return guard.name || "inline guard";
  const type = (guard as { type?: unknown }).type;
  return typeof type === "string" ? type : "inline guard";
}

function baseKey(transition: AnyTransitionDefinition): string {
  const guard = guardName(transition.guard);
  const targets = transition.target?.map((node) => node.id).join(", ") ?? "(no target)";
  return `${transition.source.id}: ${transition.eventType || "(always)"}${guard ? ` [${guard}]` : ""} → ${targets}`;
}

/**
 * A readable identity for a transition: `source: event [guard] → targets`. It is computed from
 * the transition's place in its source node, so the same transition of a `machine.provide()`d
 * copy (other objects, same chart) gets the same key.
 */
export function transitionKey(transition: AnyTransitionDefinition): string {
  const key = baseKey(transition);
  const siblings = transition.eventType
    ? (transition.source.transitions.get(transition.eventType) ?? [])
    : (transition.source.always ?? []);
  const twins = siblings.filter((other) => baseKey(other) === key);
  return twins.length > 1 ? `${key} #${twins.indexOf(transition) + 1}` : key;
}
