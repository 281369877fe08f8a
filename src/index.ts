/** sidecar-lifecycle: bind a service's lifecycle to the host-local sidecar agent. */

export type {
  DrainOutput,
  LifecycleContext,
  LifecycleEvent,
  LifecycleInput,
} from "../machines/lifecycle.machine.ts";
export { lifecycleMachine } from "../machines/lifecycle.machine.ts";
export { type LifecycleStateName, lifecycleStateName } from "../machines/state-name.ts";
export { initialStatus } from "../machines/status.ts";
export type {
  ConnectionEvent,
  ConnectionEventType,
  DeregisterRequest,
  DrainRequest,
  ErrorKind,
  KernelInfo,
  LifecycleTiming,
  RegisterRequest,
  Status,
} from "../machines/types.ts";
export { agentCallActors, type OpenStream, watchActor } from "./actors.ts";
export { type Client, JSONHTTPClient } from "./client.ts";
export * from "./defaults.ts";
export { parseGoDuration } from "./duration.ts";
export * from "./errors.ts";
export {
  type CreateLifecycleOptions,
  createLifecycle,
  type Lifecycle,
  type LifecycleStatus,
} from "./lifecycle.ts";
export type { ErrorHandler, RuntimeOptions } from "./options.ts";
export { waitForPort } from "./port-probe.ts";
export { openWatchStream, type WatchStreamOptions } from "./watch.ts";
