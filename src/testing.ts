/**
 * `sidecar-lifecycle/testing`: the model-based tests of the lifecycle chart, for a service that
 * embeds it. Paths generated from the chart's graph, a simulated driver over controlled actors,
 * a replay that checks state and status after every step, and coverage measured against the
 * chart's own definition. Replay the same paths against your own runtime with your own driver.
 */
export {
  type CauseInput,
  type CauseOrigin,
  generatedAt,
  type LifecycleCause,
  type StatusChange,
} from "./testing/causes.ts";
export { ModelClock } from "./testing/clock.ts";
export { type CoverageCount, type CoverageReport, LifecycleCoverage } from "./testing/coverage.ts";
export {
  createLifecycleModel,
  type LifecycleModel,
  type LifecycleModelOptions,
  type LifecyclePath,
  type ModelStep,
  type StartedActor,
} from "./testing/model.ts";
export {
  type AgentCallPath,
  backoffWindow,
  LifecycleProperties,
  reconnectWindow,
  type StepObservation,
} from "./testing/properties.ts";
export { type LifecycleDriver, type ReplayOptions, replayPath } from "./testing/replay.ts";
export { type SimulatedLifecycle, type SimulateOptions, simulateLifecycle } from "./testing/simulation.ts";
