/** The leaf names users read (status().state, metrics, probes) are exactly the chart's leaves. */
import { describe, expect, it } from "vitest";
import type { AnyStateNode } from "xstate";
import { lifecycleMachine } from "../machines/lifecycle.machine.ts";
import { LIFECYCLE_STATE_NAMES, lifecycleStateName, WAY_OUT_STATES } from "../machines/state-name.ts";

function leaves(node: AnyStateNode): AnyStateNode[] {
  const children = Object.values(node.states);
  return children.length === 0 ? [node] : children.flatMap(leaves);
}

describe("leaf state names", () => {
  const chartLeaves = leaves(lifecycleMachine.root)
    .filter((node) => !node.path.includes("liveness"))
    .map((node) => node.key);

  it("LIFECYCLE_STATE_NAMES lists every leaf of the chart's session and top level, once", () => {
    expect([...LIFECYCLE_STATE_NAMES].sort()).toEqual([...chartLeaves].sort());
  });

  it("the way out's leaves are the chart's leaves under stopping, plus drainHeld and forcedExit", () => {
    const stopping = leaves(lifecycleMachine.root)
      .filter((node) => node.path[0] === "stopping")
      .map((node) => node.key);
    expect([...WAY_OUT_STATES].sort()).toEqual([...stopping, "drainHeld", "forcedExit"].sort());
  });
});

describe("lifecycleStateName", () => {
  it("names a top-level leaf as itself and a nested leaf by its innermost name", () => {
    expect(lifecycleStateName("idle")).toBe("idle");
    expect(lifecycleStateName({ stopping: "deregisterRetry" })).toBe("deregisterRetry");
    expect(lifecycleStateName({ running: "disconnected" })).toBe("disconnected");
  });

  it("lets the session region speak in the parallel online state, whatever the key order", () => {
    expect(
      lifecycleStateName({
        running: { online: { session: { registering: "streamLost" }, liveness: "listening" } },
      }),
    ).toBe("streamLost");
    expect(
      lifecycleStateName({ running: { online: { liveness: "listening", session: "registered" } } }),
    ).toBe("registered");
  });

  it("refuses a state value with no leaf, naming the value", () => {
    expect(() => lifecycleStateName({})).toThrow(new Error("state value has no leaf: {}"));
    expect(() => lifecycleStateName({ running: {} })).toThrow(
      new Error('state value has no leaf: {"running":{}}'),
    );
  });
});
