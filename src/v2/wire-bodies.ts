/**
 * The v2 bodies a client sends (snake_case JSON, protocol.md "Contract v2"): what `ApiClient`
 * posts. Apart from src/v2/wire.ts (the same bodies read back as a Go agent reads them) so that
 * the main entry, which reaches ApiClient, does not load those decoders.
 */
import type { DeregisterRequest, DrainRequest, HTTPRoute, ServiceNode } from "./types.ts";

export interface WireHTTPRoute {
  http_method: string;
  path: string;
  full_method?: string;
  upstream_path?: string;
  strip_prefix?: boolean;
}

/** The v2 `/register` body. */
export interface WireServiceNode {
  app: { id: string; env: string; name: string; secret: string; version: string; instance_id: string };
  /** Capitalised keys: the Go framework's kernel config has no JSON tags. */
  kernel: { Language: string; Version: string };
  service: {
    name: string;
    type: string;
    namespace: string;
    cluster_domain: string;
    port: number;
    weight: number;
  };
  protocol: string;
  server_port: number;
  managed_port: number;
  dns: string;
  run_date: string;
  proto_count: number;
  methods: string[];
  /** Left out when there are none (Go's omitempty). */
  http_routes?: WireHTTPRoute[];
}

export interface WireDrainRequest {
  app_id: string;
  app_instance_id: string;
  grace_period: string;
}

export interface WireDeregisterRequest {
  app_id: string;
  app_instance_id: string;
}

/** A route as Go's omitempty writes it: no empty `full_method` / `upstream_path`, no false `strip_prefix`. */
function toWireRoute(route: HTTPRoute): WireHTTPRoute {
  const wire: WireHTTPRoute = { http_method: route.httpMethod, path: route.path };
  if (route.fullMethod) wire.full_method = route.fullMethod;
  if (route.upstreamPath) wire.upstream_path = route.upstreamPath;
  if (route.stripPrefix) wire.strip_prefix = true;
  return wire;
}

/** The v2 `/register` body, key for key as the Go client sends it; `app.secret` is always "". */
export function toWireNode(node: ServiceNode): WireServiceNode {
  const { app, kernel, service } = node;
  const wire: WireServiceNode = {
    app: {
      id: app.id,
      env: app.env,
      name: app.name,
      secret: "",
      version: app.version,
      instance_id: app.instanceId,
    },
    kernel: { Language: kernel.language, Version: kernel.version },
    service: {
      name: service.name,
      type: service.type,
      namespace: service.namespace,
      cluster_domain: service.clusterDomain,
      port: service.port,
      weight: service.weight,
    },
    protocol: node.protocol,
    server_port: node.serverPort,
    managed_port: node.managedPort,
    dns: node.dns,
    run_date: node.runDate,
    proto_count: node.protoCount,
    methods: [...node.methods],
  };
  if (node.httpRoutes.length > 0) wire.http_routes = node.httpRoutes.map(toWireRoute);
  return wire;
}

export function toWireDrain(request: DrainRequest): WireDrainRequest {
  return { app_id: request.appId, app_instance_id: request.appInstanceId, grace_period: request.gracePeriod };
}

export function toWireDeregister(request: DeregisterRequest): WireDeregisterRequest {
  return { app_id: request.appId, app_instance_id: request.appInstanceId };
}
