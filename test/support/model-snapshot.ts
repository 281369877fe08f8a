/**
 * What the model explores, pinned: the chart's states and transitions (source, event, guard,
 * targets) and the counts of states, transitions, edges and paths. The model adapts to any chart,
 * so a lost transition or a guard that now reads the wrong field would shrink it without a single
 * failing path; comparing with the reviewed `test/model-snapshot.json` makes that change visible.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chartStateNodes, chartTransitions, transitionKey } from "../../src/testing/chart-definition.ts";
import type { LifecycleModel } from "../../src/testing.ts";

export interface ModelSnapshot {
  counts: { states: number; transitions: number; edges: number; paths: number };
  states: string[];
  transitions: string[];
  /** `state key | cause`: what distinguishes the paths, so a lost edge is named, not only counted. */
  edges: string[];
}

export const SNAPSHOT_FILE = join(import.meta.dirname, "..", "model-snapshot.json");
/** Set to rewrite the snapshot from the chart as it is, once the change was reviewed. */
export const UPDATE_VARIABLE = "UPDATE_MODEL_SNAPSHOT";

export function modelSnapshot(model: LifecycleModel): ModelSnapshot {
  const states = chartStateNodes(model.machine).map((node) => node.id);
  const transitions = chartTransitions(model.machine).map(transitionKey);
  return {
    counts: {
      states: states.length,
      transitions: transitions.length,
      edges: model.edges.length,
      paths: model.paths.length,
    },
    states,
    transitions,
    edges: [...model.edges].sort(),
  };
}

function listDifferences(name: string, pinned: readonly string[], now: readonly string[]): string[] {
  const before = new Set(pinned);
  const after = new Set(now);
  return [
    ...pinned.filter((item) => !after.has(item)).map((item) => `${name} lost: ${item}`),
    ...now.filter((item) => !before.has(item)).map((item) => `${name} new: ${item}`),
  ];
}

/** Every difference between the pinned snapshot and the model as explored now; empty when they agree. */
export function snapshotDifferences(pinned: ModelSnapshot, now: ModelSnapshot): string[] {
  const counts = (Object.keys(now.counts) as (keyof ModelSnapshot["counts"])[])
    .filter((key) => pinned.counts[key] !== now.counts[key])
    .map((key) => `${key}: ${pinned.counts[key]} pinned, ${now.counts[key]} now`);
  return [
    ...counts,
    ...listDifferences("state", pinned.states, now.states),
    ...listDifferences("transition", pinned.transitions, now.transitions),
    ...listDifferences("edge", pinned.edges, now.edges),
  ];
}

export function readSnapshot(): ModelSnapshot {
  return JSON.parse(readFileSync(SNAPSHOT_FILE, "utf8")) as ModelSnapshot;
}

export function writeSnapshot(snapshot: ModelSnapshot): void {
  writeFileSync(SNAPSHOT_FILE, `${JSON.stringify(snapshot, null, 2)}\n`);
}
