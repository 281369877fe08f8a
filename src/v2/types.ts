/**
 * Contract v2 shapes (protocol.md "Contract v2"; the Go client v0.3's `agent` package),
 * camelCase. The wire keeps snake_case: `wire.ts` converts both ways.
 */

/** The Go framework's `app.Config`. `secret` is never sent (the node carries ""). */
export interface AppConfig {
  id: string;
  env: string;
  name: string;
  secret: string;
  version: string;
  /** This process's instance; a UUIDv7 generated once per process when not given. */
  instanceId: string;
}

/** The Go framework's `kernel.Config` (sent as `Language` / `Version`, as the Go client does). */
export interface KernelConfig {
  language: string;
  version: string;
}

/** The Go framework's `service.Config`. */
export interface ServiceConfig {
  name: string;
  /** Default `svc`. */
  type: string;
  /** Default `default`. */
  namespace: string;
  /** Default `cluster.local`. */
  clusterDomain: string;
  /** The port callers dial in the mesh (`<dns>:<port>`); default 9090. Need not equal serverPort. */
  port: number;
  /** Default 100. */
  weight: number;
}

/**
 * What a service says about itself (Go v0.3 `ServiceOptions`). Fields with a framework default
 * may be left out; `newServiceNode` applies the defaults.
 */
export interface ServiceOptions {
  app: Partial<AppConfig> & Pick<AppConfig, "id" | "env" | "name" | "version">;
  /** Default: `Node.js` at the running `process.version`. */
  kernel?: Partial<KernelConfig>;
  service: Partial<ServiceConfig> & Pick<ServiceConfig, "name">;
  /** `grpc` or `http`. */
  protocol: string;
  /** The port this process's business server listens on. */
  serverPort: number;
  /** This process's management port; 0 (the default) when none. */
  managedPort?: number;
}

/** A gateway route (Go `HTTPRoute`): gRPC transcoding when `fullMethod` is set, else an HTTP proxy route. */
export interface HTTPRoute {
  httpMethod: string;
  path: string;
  fullMethod?: string;
  /** HTTP proxy routes only: the path sent upstream (default: the entry path). */
  upstreamPath?: string;
  /** HTTP proxy routes only: strip the entry path as a prefix. */
  stripPrefix?: boolean;
}

export interface GatewayManifestService {
  name: string;
  methods: string[];
}

/** `gateway.manifest.json` (schema `firefly.gateway.manifest.v1`). */
export interface GatewayManifest {
  schema: string;
  services: GatewayManifestService[];
  routes: HTTPRoute[];
}

/** What v2 `/register` sends: built once per process, replayed unchanged (Go v0.3 `ServiceNode`). */
export interface ServiceNode {
  app: AppConfig;
  kernel: KernelConfig;
  service: ServiceConfig;
  protocol: string;
  serverPort: number;
  managedPort: number;
  /** `<service.name>.<service.namespace>.<service.type>.<service.clusterDomain>`, no port. */
  dns: string;
  /** When the node was built, RFC 3339. */
  runDate: string;
  /** Number of manifest services. */
  protoCount: number;
  /** Every manifest method, de-duplicated, sorted. */
  methods: string[];
  /** The manifest's routes as normalized; empty when none (then omitted on the wire). */
  httpRoutes: HTTPRoute[];
}

/** v2 `/drain` (Go v0.3 `DrainRequest`). */
export interface DrainRequest {
  appId: string;
  appInstanceId: string;
  /** Go duration string; empty means the agent's default (20 s). */
  gracePeriod: string;
}

/** v2 `/deregister` (Go v0.3 `DeregisterRequest`). */
export interface DeregisterRequest {
  appId: string;
  appInstanceId: string;
}
