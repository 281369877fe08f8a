/**
 * Model-based tests, real layer: the same paths as the pure layer, replayed against the real
 * runtime (`createLifecycle`: undici, eventsource-parser, real sockets) and a loopback agent
 * whose every event has a real cause. After every step: the chart's state, the status change,
 * what `lifecycle.status()` says, what the agent received (bodies, order, count), and the
 * properties of src/testing/properties.ts. The jitter is pinned near its top, as in the pure layer.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLifecycleModel, LifecycleCoverage, replayPath } from "../src/testing.ts";
import { contracts } from "./support/contracts.ts";
import { realCauses, startAgentDriver } from "./support/model-agent-driver.ts";
import { modelInput } from "./support/model-input.ts";

// Both agent contracts, same paths: only what the chart holds (and so the bodies) differs.
beforeAll(() => {
  vi.spyOn(Math, "random").mockReturnValue(0.999);
});
afterAll(() => {
  vi.restoreAllMocks();
});

describe.each(contracts.map((contract) => [contract.name, contract] as const))(
  "lifecycle model, real layer, contract %s",
  (_, contract) => {
    const model = createLifecycleModel({ input: { ...modelInput, registration: contract.registration } });
    const coverage = new LifecycleCoverage(model);
    let replayed = 0;

    it("has a real cause for every cause of the model", () => {
      const missing = model.causes.filter((cause) => cause.origin !== "timer" && !(cause.name in realCauses));
      expect(missing.map((cause) => cause.name)).toEqual([]);
    });

    it.each(model.paths.map((path) => [path.description, path] as const))("%s", async (_, path) => {
      await replayPath(model, path, await startAgentDriver(model, contract), { coverage });
      replayed += 1;
    });

    it("covers every state, transition and edge of the chart", () => {
      const paths = `${replayed}/${model.paths.length} paths replayed`;
      console.log(`model coverage, real layer (${contract.name}): ${coverage.summary()} (${paths})`);
      coverage.assertComplete();
    });
  },
);
