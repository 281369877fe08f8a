/**
 * `sidecar-lifecycle/testing`: the model-based tests of the lifecycle chart, for a service that
 * embeds it. Paths generated from the chart's graph, a simulated driver over controlled actors,
 * a replay that checks state and status after every step, and coverage measured against the
 * chart's own definition. Replay the same paths against your own runtime with your own driver.
 */
export {
  agentEvent,
  type CauseInput,
  type CauseOrigin,
  disconnects,
  generatedAt,
  type LifecycleCause,
  lifecycleCauses,
  type StatusChange,
  timerStatus,
} from "./testing/causes.ts";
export { chartStateNodes, chartTransitions, transitionKey } from "./testing/chart-definition.ts";
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
export { type LifecycleDriver, type ReplayOptions, replayPath } from "./testing/replay.ts";
export { type SimulatedLifecycle, type SimulateOptions, simulateLifecycle } from "./testing/simulation.ts";
export { statusProblems } from "./testing/status-check.ts";
