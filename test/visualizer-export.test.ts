import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chartGraph, type StateDefinition } from "../src/inspector/chart-graph.ts";
import { exportPath, lifecycleDefinitionJSON } from "../visualizer/definition.ts";
import { chartLeafNames } from "./support/inspector.ts";

describe("visualizer/lifecycle.stately.json", () => {
  const committed = readFileSync(exportPath, "utf8");

  it("is current: regenerating it gives the committed file (run `npm run visualize:export`)", () => {
    expect(committed).toBe(lifecycleDefinitionJSON());
  });

  it("names every leaf state of the chart, the design's seven included", () => {
    const definition = JSON.parse(committed) as StateDefinition;
    const graph = chartGraph(definition);
    const leafNames = graph.leaves.map((id) => id.split(".").at(-1));
    expect(leafNames.sort()).toEqual(chartLeafNames().sort());
    for (const name of [
      "idle",
      "connecting",
      "connected",
      "registered",
      "disconnected",
      "draining",
      "deregistered",
    ]) {
      expect(leafNames).toContain(name);
    }
  });

  it("keeps machines/ pasteable into the Stately visualizer: the chart imports only xstate", () => {
    const source = readFileSync(new URL("../machines/lifecycle.machine.ts", import.meta.url), "utf8");
    const packages = [...source.matchAll(/from "([^".][^"]*)"/g)].map((match) => match[1]);
    expect(packages).toEqual(["xstate"]);
  });
});

describe("chartGraph", () => {
  const definition = JSON.parse(lifecycleDefinitionJSON()) as StateDefinition;
  const graph = chartGraph(definition);
  const edge = (source: string, label: string) =>
    graph.edges.find((e) => e.source === `lifecycle.${source}` && e.label === label);

  it("labels delayed, actor-done and guarded transitions as a reader names them", () => {
    expect(edge("running.disconnected", "after reconnectDelay")).toMatchObject({
      target: "lifecycle.running.online",
      kind: "delay",
    });
    expect(edge("running.online.session.connected", "done: register")).toMatchObject({
      target: "lifecycle.running.online.session.registered",
      kind: "done",
    });
    expect(edge("running.online.session.connected", "error: register")?.kind).toBe("error");
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
