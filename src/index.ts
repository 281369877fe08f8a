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
export { parseGoDuration } from "./agent/duration.ts";
export { type Client, JSONHTTPClient } from "./agent/http-client.ts";
export {
  assertValidRegisterRequest,
  InvalidRegistrationError,
  registerRequestProblems,
} from "./agent/validate.ts";
export { openWatchStream, type WatchStreamOptions } from "./agent/watch-stream.ts";
export * from "./defaults.ts";
export * from "./errors.ts";
export {
  Controller,
  type ControllerOptions,
  LifecycleFinishedError,
  newController,
  RegisterRequestNotInitializedError,
} from "./go/controller.ts";
export { ErrorQueue } from "./go/error-queue.ts";
export {
  type GRPCDescriptorOptions,
  type GRPCService,
  type GRPCServiceDefinition,
  grpcMethodPaths,
  newServiceRegistrationFromGRPC,
} from "./go/grpc.ts";
export { type LifecycleHookOptions, LifecycleHooks, newLifecycleHooks } from "./go/hooks.ts";
export {
  ManagedServer,
  type ManagedServerOptions,
  ManagedServerRunError,
  type ManagedServerStage,
  newManagedServer,
  type ServeFunc,
  type ShutdownFunc,
} from "./go/managed-server.ts";
export {
  DefaultKernelLanguage,
  DefaultServiceNamespace,
  DefaultServiceWeight,
  MinServiceMaxRetry,
  MinServiceTTL,
  type ServiceKernel,
  type ServiceMeta,
  type ServiceNode,
  ServiceOptions,
  type ServiceOptionsInit,
} from "./go/models.ts";
export {
  type DescriptorProvider,
  enabledMethods,
  newServiceRegistrationProvider,
  registerRequestOf,
  type ServiceRegistration,
  ServiceRegistrationProvider,
} from "./go/registration.ts";
export { newRunner, Runner, type RunOptions } from "./go/runner.ts";
export {
  defaultLocalRuntimeOptions,
  LocalRuntime,
  type LocalRuntimeOptions,
  newJSONHTTPClient,
  newLocalRuntime,
  newLocalRuntimeFromServiceRegistration,
} from "./go/runtime.ts";
export {
  type LifecycleOptions,
  newServiceLifecycle,
  newServiceLifecycleFromGRPC,
  newServiceLifecycleFromServiceRegistration,
  ServiceLifecycle,
  type ServiceLifecycleOptions,
  type StartOptions,
} from "./go/service-lifecycle.ts";
export {
  disconnectedEvent,
  type EventSource,
  eventSourceStream,
  newWatchSource,
  WatchSource,
} from "./go/watch-source.ts";
export { InspectEnv, type InspectOption } from "./inspector/connect.ts";
export {
  type Clock,
  type CreateLifecycleOptions,
  createLifecycle,
  type Lifecycle,
  type LifecycleStatus,
  onStateChange,
} from "./lifecycle.ts";
export type { LogFn, Logger } from "./ops/log.ts";
export type { ErrorHandler, RuntimeOptions } from "./options.ts";
export { freePort, waitForPort } from "./port-probe.ts";
export { onTerminationSignals, TerminationSignals } from "./signals.ts";
