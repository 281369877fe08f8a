/**
 * Model-based tests, pure layer: every path generated from the chart's graph, replayed on the
 * chart with controlled actors (`machine.provide()`) and a simulated clock, through the public
 * `sidecar-lifecycle/testing` helper. After every step: state value, status change, actors started,
 * and the properties of src/testing/properties.ts (protocol.md's and design.md's rules, not the chart's).
 * The jitter is pinned near its top (0.999), so a backoff wait past its documented window shows every run.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLifecycleModel, LifecycleCoverage, replayPath, simulateLifecycle } from "../src/testing.ts";
import { modelInput } from "./support/model-input.ts";
import {
  modelSnapshot,
  readSnapshot,
  SNAPSHOT_FILE,
  snapshotDifferences,
  UPDATE_VARIABLE,
  writeSnapshot,
} from "./support/model-snapshot.ts";

const model = createLifecycleModel({ input: modelInput });
const coverage = new LifecycleCoverage(model);
let replayed = 0;

describe("lifecycle model, pure layer", () => {
  beforeAll(() => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("has paths, and every event the chart handles has a declared cause", () => {
    expect(model.paths.length).toBeGreaterThan(0);
    expect(model.undeclaredEvents()).toEqual([]);
  });

  it("explores exactly what test/model-snapshot.json pins (states, transitions, edges, counts)", () => {
    const now = modelSnapshot(model);
    if (process.env[UPDATE_VARIABLE] === "1") writeSnapshot(now);
    const differences = snapshotDifferences(readSnapshot(), now);
    if (differences.length > 0) {
      const shown = differences.slice(0, 40);
      if (differences.length > shown.length) shown.push(`… and ${differences.length - shown.length} more`);
      throw new Error(
        `the model changed since ${SNAPSHOT_FILE} was reviewed:\n  ${shown.join("\n  ")}\n` +
          `review the chart change; if it is intended, update the snapshot with ` +
          `${UPDATE_VARIABLE}=1 npx vitest run test/model-pure.test.ts and commit it`,
      );
    }
  });

  it.each(model.paths.map((path) => [path.description, path] as const))("%s", async (_, path) => {
    await replayPath(model, path, simulateLifecycle(model), { coverage, timeoutMs: 1_000 });
    replayed += 1;
  });

  it("covers every state, transition and edge of the chart", () => {
    const paths = `${replayed}/${model.paths.length} paths replayed`;
    console.log(`model coverage, pure layer: ${coverage.summary()} (${paths})`);
    coverage.assertComplete();
  });
});
