/**
 * `sidecar-lifecycle/v2`: the Go client v0.3's names (contract v2: ServiceNode, gateway manifest,
 * drain and deregister by instance id), on the same chart as `sidecar-lifecycle`.
 */
export { HttpClient } from "./agent/http-client.ts";
export { SidecarAPIError } from "./errors.ts";
export {
  Agent,
  AgentRunError,
  type AgentRunStage,
  AgentRunStageAgentShutdown,
  AgentRunStageLifecycle,
  AgentRunStageServe,
  AgentRunStageShutdown,
  defaultSidecarAgentConfig,
  newAgent,
  type SidecarAgentConfig,
} from "./v2/agent.ts";
export { ApiClient, type Client, newApiClient, newHttpClient } from "./v2/client.ts";
export { GatewayManifestError, InvalidServiceNodeError } from "./v2/errors.ts";
export { newInstanceId, processInstanceId } from "./v2/instance-id.ts";
export {
  DefaultGatewayManifestPath,
  GatewayManifestSchema,
  loadGatewayManifest,
  normalizeAndValidate,
} from "./v2/manifest.ts";
export { type SidecarResponseMeta, sidecarResponseMeta } from "./v2/response-meta.ts";
export { httpRoutesCopy, methodPaths, serviceCount } from "./v2/routes.ts";
export {
  buildDeregisterRequest,
  buildDNS,
  buildDrainRequest,
  DefaultClusterDomain,
  DefaultServicePort,
  DefaultServiceType,
  DefaultV2ServiceNamespace,
  DefaultV2ServiceWeight,
  newServiceNode,
  serviceNodeProblems,
  validateServiceNode,
} from "./v2/service-node.ts";
export type {
  AppConfig,
  DeregisterRequest,
  DrainRequest,
  GatewayManifest,
  GatewayManifestService,
  HTTPRoute,
  KernelConfig,
  ServiceConfig,
  ServiceNode,
  ServiceOptions,
} from "./v2/types.ts";
export { toWireDeregister, toWireDrain, toWireNode } from "./v2/wire-bodies.ts";
