/**
 * Model-based tests, pure layer: every path generated from the chart's graph, replayed on the
 * chart with controlled actors (`machine.provide()`) and a simulated clock, through the public
 * `sidecar-lifecycle/testing` helper. After every step: state value, status change, actors started.
 */
import { describe, expect, it } from "vitest";
import type { AnyMachineSnapshot } from "xstate";
import { lifecycleMachine } from "../machines/lifecycle.machine.ts";
import {
  createLifecycleModel,
  LifecycleCoverage,
  type ModelStep,
  replayPath,
  simulateLifecycle,
} from "../src/testing.ts";
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
    const reported: string[] = [];
    const machine = lifecycleMachine.provide({
      actions: { reportError: (_args, { error }) => reported.push(error.message) },
    });
    const simulated = simulateLifecycle(model, { machine });
    let seen = 0;
    const check = async (step: ModelStep, observed: AnyMachineSnapshot) => {
      await simulated.check?.(step, observed);
      // Failures reach the service's error handler once each; an error the service recorded
      // itself (RECORD_ERROR) and the shutdown deadline (the shutdown promise rejects) do not.
      const error = step.cause.name === "RECORD_ERROR" ? undefined : (step.event.error as Error | undefined);
      const liveness = step.cause.name.startsWith("timer:livenessTimeout");
      const wanted = error ? [error.message] : liveness ? [observed.context.status.lastError] : [];
      expect(reported.slice(seen)).toEqual(wanted);
      seen = reported.length;
    };
    await replayPath(model, path, { ...simulated, check }, { coverage, timeoutMs: 1_000 });
    replayed += 1;
  });

  it("covers every state, transition and edge of the chart", () => {
    const paths = `${replayed}/${model.paths.length} paths replayed`;
    console.log(`model coverage, pure layer: ${coverage.summary()} (${paths})`);
    coverage.assertComplete();
  });
});
