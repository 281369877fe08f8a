/** The leaf names users read (status().state, metrics, probes) are exactly the chart's leaves. */
import { describe, expect, it } from "vitest";
import type { AnyStateNode } from "xstate";
import { lifecycleMachine } from "../machines/lifecycle.machine.ts";
import { LIFECYCLE_STATE_NAMES, WAY_OUT_STATES } from "../machines/state-name.ts";

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
