/**
 * sidecar-lifecycle/ops: the managed endpoints to mount in a service's own server (node:http or
 * Fastify), the diagnostics channel names, and the typed event payloads (README "Operations").
 */
export {
  type AgentCallContext,
  DeregisterChannel,
  DrainChannel,
  RegisterChannel,
  TransitionChannel,
} from "./ops/channels.ts";
export type {
  LifecycleEventMap,
  LifecycleEventName,
  LifecycleListener,
  TransitionInfo,
} from "./ops/events.ts";
export {
  createManagedHandler,
  type FastifyLike,
  type ManagedAnswer,
  type ManagedHandler,
  type ManagedHandlerOptions,
  ManagedPaths,
  managedFastifyPlugin,
} from "./ops/handler.ts";
export type { LogFn, Logger } from "./ops/log.ts";
export { type ManagedPortAddress, ManagedPortError } from "./ops/managed-port.ts";
