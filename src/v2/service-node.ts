/**
 * The v2 ServiceNode (protocol.md "POST /register (v2)"): what a service registers, built once
 * per process from its options and its gateway manifest, and checked against the agent's rules
 * before anything is sent.
 */
import { validPort } from "../agent/validate.ts";
import { DefaultKernelLanguage } from "../go/models.ts";
import { InvalidServiceNodeError } from "./errors.ts";
import { processInstanceId } from "./instance-id.ts";
import {
  httpRoutesCopy,
  methodPaths,
  normalizeHTTPRoute,
  routeKey,
  serviceCount,
  transcodedMethod,
} from "./routes.ts";
import type {
  DeregisterRequest,
  DrainRequest,
  GatewayManifest,
  HTTPRoute,
  KernelConfig,
  ServiceConfig,
  ServiceNode,
  ServiceOptions,
} from "./types.ts";

// The Go framework's defaults (protocol.md "The service's options"). v0.0.8's DefaultServiceNamespace
// ("firefly") and DefaultServiceWeight keep their names in src/go/models.ts, hence the V2 names.
export const DefaultServiceType = "svc";
export const DefaultV2ServiceNamespace = "default";
export const DefaultClusterDomain = "cluster.local";
export const DefaultServicePort = 9090;
export const DefaultV2ServiceWeight = 100;

/**
 * The kernel when none is given. protocol.md names no kernel default (the Go framework fills in
 * its own); this client is Node.js, so it says so, at the running version. Field by field, as
 * v0.0.8's `ServiceOptions.bootstrap()` does.
 */
function kernelOf(kernel: Partial<KernelConfig> | undefined): KernelConfig {
  return {
    language: kernel?.language?.trim() || DefaultKernelLanguage,
    version: kernel?.version?.trim() || process.version,
  };
}

/** `<name>.<namespace>.<type>.<clusterDomain>`, no port (Go `ServiceOptions.BuildDNS`). */
export function buildDNS(service: ServiceConfig): string {
  return `${service.name}.${service.namespace}.${service.type}.${service.clusterDomain}`;
}

function twoDigits(value: number): string {
  return String(value).padStart(2, "0");
}

/**
 * RFC 3339 as Go's `time.Now().Format(time.RFC3339)` writes it: local time, whole seconds, the
 * offset as `+08:00`, or `Z` at UTC. `offsetMinutes` (east of UTC) defaults to the local zone's.
 */
export function formatRFC3339(date: Date, offsetMinutes = -date.getTimezoneOffset()): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const day = `${local.getUTCFullYear()}-${twoDigits(local.getUTCMonth() + 1)}-${twoDigits(local.getUTCDate())}`;
  const time = `${twoDigits(local.getUTCHours())}:${twoDigits(local.getUTCMinutes())}:${twoDigits(local.getUTCSeconds())}`;
  const sign = offsetMinutes < 0 ? "-" : "+";
  const offset = Math.abs(offsetMinutes);
  const zone =
    offsetMinutes === 0 ? "Z" : `${sign}${twoDigits(Math.floor(offset / 60))}:${twoDigits(offset % 60)}`;
  return `${day}T${time}${zone}`;
}

/**
 * The node a service registers (Go `NewServiceNode`): the framework's defaults applied, strings
 * trimmed, `app.secret` blanked, `app.instanceId` this process's when not given, `dns` composed,
 * `runDate` = `now`; `protoCount`, `methods`, `httpRoutes` from the manifest, which should come
 * normalized (`loadGatewayManifest` / `normalizeAndValidate`). Neither input is changed, and the
 * node shares no array with them. Build it once: every replay registers this same node.
 */
export function newServiceNode(
  options: ServiceOptions,
  manifest: GatewayManifest,
  now = new Date(),
): ServiceNode {
  const { app, service } = options;
  const serviceConfig: ServiceConfig = {
    name: service.name.trim(),
    type: service.type?.trim() || DefaultServiceType,
    namespace: service.namespace?.trim() || DefaultV2ServiceNamespace,
    clusterDomain: service.clusterDomain?.trim() || DefaultClusterDomain,
    port: service.port || DefaultServicePort,
    weight: service.weight || DefaultV2ServiceWeight,
  };
  return {
    app: {
      id: app.id.trim(),
      env: app.env.trim(),
      name: app.name.trim(),
      secret: "",
      version: app.version.trim(),
      instanceId: app.instanceId?.trim() || processInstanceId(),
    },
    kernel: kernelOf(options.kernel),
    service: serviceConfig,
    protocol: options.protocol.trim(),
    serverPort: options.serverPort,
    managedPort: options.managedPort ?? 0,
    dns: buildDNS(serviceConfig),
    runDate: formatRFC3339(now),
    protoCount: serviceCount(manifest),
    methods: methodPaths(manifest),
    httpRoutes: httpRoutesCopy(manifest),
  };
}

function blank(value: unknown): boolean {
  return typeof value !== "string" || value.trim() === "";
}

function routeProblems(methods: readonly string[], httpRoutes: readonly HTTPRoute[]): string[] {
  const problems: string[] = [];
  const declared = new Set(methods.map((method) => method.trim()));
  const keys = new Set<string>();
  let transcoding = 0;
  let proxy = 0;
  httpRoutes.forEach((raw, index) => {
    const { route, problems: own } = normalizeHTTPRoute(raw, index);
    problems.push(...own);
    const method = transcodedMethod(route);
    if (method && !declared.has(method)) {
      problems.push(`http_routes[${index}].full_method is not declared in methods: ${method}`);
    }
    if (route.fullMethod) transcoding++;
    else proxy++;
    const key = routeKey(route);
    if (key && keys.has(key)) problems.push(`duplicate http route: ${key}`);
    if (key) keys.add(key);
  });
  if (transcoding > 0 && proxy > 0)
    problems.push("http_routes must not mix grpc transcoding and http proxy routes");
  return problems;
}

/** `value` when it is an object, else an empty one (its fields then read as missing). */
function partOf<T extends object>(value: T | undefined): Partial<T> {
  return typeof value === "object" && value !== null ? value : {};
}

/**
 * Every problem the agent would refuse the node for, in protocol.md's order, as its texts
 * (Go `ServiceNode.Validate` reports only the first). Beyond protocol.md, `service.port` must be
 * a port and `managed_port` 0 or a port, and the weight an integer: the Go types are `uint`, so an
 * agent cannot even decode a negative or fractional value.
 */
export function serviceNodeProblems(node: ServiceNode): string[] {
  const problems: string[] = [];
  // A node built by hand (not by newServiceNode) may lack a part: its fields are then reported
  // missing, never read off undefined.
  const app = partOf(node.app);
  const kernel = partOf(node.kernel);
  const service = partOf(node.service);
  const required: Array<[string, unknown]> = [
    ["app.id", app.id],
    ["app.instance_id", app.instanceId],
    ["app.name", app.name],
    ["app.env", app.env],
    ["app.version", app.version],
    ["kernel.language", kernel.language],
    ["kernel.version", kernel.version],
    ["service.name", service.name],
    ["service.namespace", service.namespace],
    ["protocol", node.protocol],
    ["dns", node.dns],
  ];
  for (const [field, value] of required) if (blank(value)) problems.push(`${field} is required`);
  if (!validPort(node.serverPort)) problems.push(`server_port is invalid: ${String(node.serverPort)}`);
  if (!validPort(service.port)) problems.push(`service.port is invalid: ${String(service.port)}`);
  if (node.managedPort !== 0 && !validPort(node.managedPort)) {
    problems.push(`managed_port is invalid: ${String(node.managedPort)}`);
  }
  const weight = service.weight as number;
  if (!(weight > 0)) problems.push("service.weight must be greater than zero");
  else if (!Number.isSafeInteger(weight)) problems.push(`service.weight is invalid: ${String(weight)}`);
  const methods = Array.isArray(node.methods) ? node.methods : [];
  if (!Array.isArray(node.methods)) problems.push("methods must be a list of method paths");
  else if (methods.length === 0) problems.push("methods must not be empty");
  const paths = methods.filter((method) => typeof method === "string");
  for (const method of methods) {
    if (typeof method !== "string" || !method.trim().startsWith("/"))
      problems.push(`method is invalid: ${String(method)}`);
  }
  if (!Array.isArray(node.httpRoutes)) problems.push("http_routes must be a list of routes");
  else problems.push(...routeProblems(paths, node.httpRoutes));
  return problems;
}

/** `<app.id>/<app.instance_id>`: the key the agent holds a v2 instance by. */
export function instanceKeyOf(node: ServiceNode): string {
  const app = partOf(node.app);
  return `${app.id ?? "(no app.id)"}/${app.instanceId ?? "(no app.instance_id)"}`;
}

/** Throws InvalidServiceNodeError naming the service and listing every problem; returns the node otherwise. */
export function validateServiceNode(node: ServiceNode): ServiceNode {
  const problems = serviceNodeProblems(node);
  if (problems.length > 0)
    throw new InvalidServiceNodeError(
      partOf(node.service).name ?? "(no service.name)",
      instanceKeyOf(node),
      problems,
    );
  return node;
}

/** v2 `/drain` for this node (Go `BuildDrainRequest`); `gracePeriod` a Go duration, "" for the agent's default. */
export function buildDrainRequest(node: ServiceNode, gracePeriod: string): DrainRequest {
  return { appId: node.app.id, appInstanceId: node.app.instanceId, gracePeriod };
}

/** v2 `/deregister` for this node (Go `BuildDeregisterRequest`). */
export function buildDeregisterRequest(node: ServiceNode): DeregisterRequest {
  return { appId: node.app.id, appInstanceId: node.app.instanceId };
}
