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
export {
  Controller,
  type ControllerOptions,
  LifecycleFinishedError,
  newController,
  RegisterRequestNotInitializedError,
} from "./controller.ts";
export * from "./defaults.ts";
export {
  type DevAgent,
  type DevAgentCall,
  type DevAgentOptions,
  startDevAgent,
} from "./dev-agent/server.ts";
export type { LocalService, ServiceState } from "./dev-agent/store.ts";
export type { WatchProtocol } from "./dev-agent/watch-hub.ts";
export { parseGoDuration } from "./duration.ts";
export { ErrorQueue } from "./error-queue.ts";
export * from "./errors.ts";
export {
  type GRPCDescriptorOptions,
  type GRPCService,
  type GRPCServiceDefinition,
  grpcMethodPaths,
  newServiceRegistrationFromGRPC,
} from "./grpc.ts";
export { type LifecycleHookOptions, LifecycleHooks, newLifecycleHooks } from "./hooks.ts";
export { InspectEnv, type InspectOption } from "./inspector/connect.ts";
export {
  DefaultInspectorPort,
  type InspectorServer,
  type InspectorServerOptions,
  startInspectorServer,
} from "./inspector/server.ts";
export {
  type Clock,
  type CreateLifecycleOptions,
  createLifecycle,
  type Lifecycle,
  type LifecycleStatus,
  onStateChange,
} from "./lifecycle.ts";
export {
  ManagedServer,
  type ManagedServerOptions,
  ManagedServerRunError,
  type ManagedServerStage,
  newManagedServer,
  type ServeFunc,
  type ShutdownFunc,
} from "./managed-server.ts";
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
} from "./models.ts";
export type { ErrorHandler, RuntimeOptions } from "./options.ts";
export { freePort, waitForPort } from "./port-probe.ts";
export {
  type DescriptorProvider,
  enabledMethods,
  newServiceRegistrationProvider,
  registerRequestOf,
  type ServiceRegistration,
  ServiceRegistrationProvider,
} from "./registration.ts";
export { newRunner, Runner, type RunOptions } from "./runner.ts";
export {
  defaultLocalRuntimeOptions,
  LocalRuntime,
  type LocalRuntimeOptions,
  newJSONHTTPClient,
  newLocalRuntime,
  newLocalRuntimeFromServiceRegistration,
} from "./runtime.ts";
export {
  type LifecycleOptions,
  newServiceLifecycle,
  newServiceLifecycleFromGRPC,
  newServiceLifecycleFromServiceRegistration,
  ServiceLifecycle,
  type ServiceLifecycleOptions,
  type StartOptions,
} from "./service-lifecycle.ts";
export { onTerminationSignals, TerminationSignals } from "./signals.ts";
export {
  assertValidRegisterRequest,
  InvalidRegistrationError,
  registerRequestProblems,
} from "./validate.ts";
export { openWatchStream, type WatchStreamOptions } from "./watch.ts";
export {
  disconnectedEvent,
  type EventSource,
  eventSourceStream,
  newWatchSource,
  WatchSource,
} from "./watch-source.ts";
