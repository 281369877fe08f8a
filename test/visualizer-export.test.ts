import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AnyStateMachine, createActor } from "xstate";
import { lifecycleMachine } from "../machines/lifecycle.machine.ts";
import { chartGraph, type StateDefinition } from "../src/inspector/chart-graph.ts";
import { chartStateNodes, chartTransitions, transitionKey } from "../src/testing/chart-definition.ts";
import {
  diagram,
  diagramBegin,
  diagramBlock,
  diagramEnd,
  readmePath,
  statelyFile,
  statelyPath,
} from "../visualizer/generate.ts";
import { lifecycleMachine as exported } from "../visualizer/lifecycle.stately.ts";
import { assignedFields } from "../visualizer/stately-source.ts";
import { chartLeafNames } from "./support/inspector.ts";

const generated = statelyFile();

/** The chart's shape, one line per fact: states, entry/exit, invokes, transitions with their actions, timers. */
function shape(machine: AnyStateMachine, actionName: (action: unknown) => string | undefined): string[] {
  const lines: string[] = [];
  const named = (actions: readonly unknown[]) => actions.map(actionName).filter((name) => name !== undefined);
  for (const node of [machine.root, ...chartStateNodes(machine)]) {
    const initial = node.initial ? ` initial ${node.initial.target.map((target) => target.id).join()}` : "";
    lines.push(`state ${node.id} ${node.type}${initial}`);
    for (const action of named(node.entry)) lines.push(`${node.id} entry ${action}`);
    for (const action of named(node.exit)) lines.push(`${node.id} exit ${action}`);
    for (const invoke of node.invoke) lines.push(`${node.id} invokes ${String(invoke.src)} as ${invoke.id}`);
    for (const timer of node.after) lines.push(`${node.id} after ${String(timer.delay)}`);
  }
  for (const transition of chartTransitions(machine)) {
    const actions = named(transition.actions).join(", ");
    lines.push(`${transitionKey(transition)}${transition.reenter ? " (reenter)" : ""} / ${actions}`);
  }
  return lines;
}

/**
 * An action by its name. The functions left are XState's own, not the chart's: the raise and
 * cancel of each `after` timer, in its state's entry and exit.
 */
const byReference = (action: unknown) =>
  typeof action === "function"
    ? undefined
    : typeof action === "string"
      ? action
      : (action as { type: string }).type;
/** The real chart's inline actions carry the names the export gave them. */
const realName = (action: unknown) =>
  typeof action === "function" ? generated.inlineActions.get(action) : byReference(action);

describe("visualizer/lifecycle.stately.ts, the chart for Stately's editor", () => {
  const committed = readFileSync(statelyPath, "utf8");

  it("is current: regenerating it gives the committed file (run `npm run visualize:export`)", () => {
    expect(committed).toBe(generated.source);
  });

  it("imports only xstate, so it can be pasted as it is", () => {
    const sources = [...committed.matchAll(/(?:from|import|require)\s*\(?\s*"([^"]+)"/g)].map(
      (match) => match[1],
    );
    expect(sources).toEqual(["xstate"]);
  });

  it("builds a machine with the chart's states, transitions (source, event, target, guard), actions and timers", () => {
    expect(exported.id).toBe(lifecycleMachine.id);
    expect(shape(exported, byReference)).toEqual(shape(lifecycleMachine, realName));
  });

  it("names every guard, delay and actor the chart names, and implements every action it references", () => {
    const names = (machine: AnyStateMachine, kind: "guards" | "delays" | "actors") =>
      Object.keys(machine.implementations[kind]).sort();
    for (const kind of ["guards", "delays", "actors"] as const) {
      expect(names(exported, kind), kind).toEqual(names(lifecycleMachine, kind));
    }
    const referenced = [
      ...chartTransitions(exported).flatMap((transition) => transition.actions),
      ...chartStateNodes(exported).flatMap((node) => [...node.entry, ...node.exit]),
    ].map(byReference);
    const implemented = Object.keys(exported.implementations.actions);
    for (const name of referenced) if (name !== undefined) expect(implemented, name).toContain(name);
    for (const [name, delay] of Object.entries(exported.implementations.delays)) {
      expect(typeof delay, name).toBe("number");
    }
  });

  it("runs: the stubs let the machine start and take START", () => {
    const actor = createActor(exported).start();
    actor.send({ type: "START" });
    expect(actor.getSnapshot().value).toEqual({
      running: { online: { session: "connecting", liveness: "listening" } },
    });
    actor.stop();
  });

  it("names an inline assign by the fields it sets, whether its assignment is an object or a function", () => {
    expect(assignedFields({ holdAfterDrain: true })).toEqual(["holdAfterDrain"]);
    expect(
      assignedFields(({ context }: { context: { n: number } }) => ({ n: context.n + 1, "x-y": 1 })),
    ).toEqual(["n"]);
    expect(
      assignedFields(() => {
        const error = new Error("x");
        return { status: { error }, shutdownError: error };
      }),
    ).toEqual(["status", "shutdownError"]);
    expect(assignedFields(() => undefined)).toBeUndefined();
  });
});

describe("README's state diagram", () => {
  const readme = readFileSync(readmePath, "utf8");

  it("is the Mermaid text generated from the chart (run `npm run visualize:export`)", () => {
    const begin = readme.indexOf(diagramBegin);
    const end = readme.indexOf(diagramEnd);
    expect(begin, "README.md has the diagram markers").toBeGreaterThanOrEqual(0);
    expect(readme.slice(begin, end + diagramEnd.length)).toBe(diagramBlock());
  });

  it("draws every state and every transition that changes state, once", () => {
    const text = diagram();
    expect(text.startsWith("stateDiagram-v2\n")).toBe(true);
    for (const node of chartStateNodes(lifecycleMachine)) {
      expect(text, node.id).toMatch(new RegExp(`(^|\\s|")${node.key}(\\s|"|:|$)`, "m"));
    }
    const drawn = text
      .split("\n")
      .filter((line) => / --> (?!\[\*\])/.test(line) && !line.includes("[*] -->"));
    const notes = text.split("\n").filter((line) => line.includes(" → "));
    const changing = chartTransitions(lifecycleMachine).flatMap((transition) => transition.target ?? []);
    expect(drawn.length + notes.length).toBe(changing.length);
  });
});

describe("chartGraph", () => {
  const definition = JSON.parse(JSON.stringify(lifecycleMachine.toJSON())) as StateDefinition;
  const graph = chartGraph(definition);
  const edge = (source: string, label: string) =>
    graph.edges.find((e) => e.source === `lifecycle.${source}` && e.label === label);

  it("names every leaf state of the chart", () => {
    expect(graph.leaves.map((id) => id.split(".").at(-1)).sort()).toEqual(chartLeafNames().sort());
  });

  it("labels delayed, actor-done and guarded transitions as a reader names them", () => {
    expect(edge("running.disconnected", "after reconnectDelay")).toMatchObject({
      target: "lifecycle.running.online",
      kind: "delay",
    });
    expect(edge("running.online.session.registering", "done: register")).toMatchObject({
      target: "lifecycle.running.online.session.registered",
      kind: "done",
    });
    expect(edge("running.online.session.registering", "error: register")?.kind).toBe("error");
    expect(edge("running", "SHUTDOWN [registerSent]")?.target).toBe("lifecycle.stopping");
  });

  it("nests states under their parents and marks parallel regions and initial children", () => {
    const node = (id: string) => graph.nodes.find((n) => n.id === `lifecycle.${id}`);
    expect(node("running.online")?.type).toBe("parallel");
    expect(node("running.online.session")?.parent).toBe("lifecycle.running.online");
    expect(node("running.online.session.connecting")?.initial).toBe(true);
    expect(node("running.online")?.invokes).toEqual(["watch"]);
    expect(node("running.online.liveness.listening")?.internal).toContain("WATCH.ACTIVITY ↻");
    expect(node("idle")?.parent).toBe("lifecycle");
    // The machine's own transitions, which change no state, are listed in its outer box.
    expect(graph.nodes.find((n) => n.id === "lifecycle")?.internal).toEqual([
      "RECORD_ERROR",
      "OBSERVE_EVENT",
    ]);
  });
});
