/**
 * A ServiceRegistration from gRPC service definitions (Go `NewServiceRegistrationFromGRPC`):
 * every method's `path` (`/pkg.Service/Method`) is registered, deduplicated and sorted.
 * Typed structurally, so `@grpc/grpc-js` stays a dependency of the service, not of this library.
 */
import { utcISO } from "../../machines/utc-time.ts";
import { ServiceOptions, type ServiceOptionsInit } from "./models.ts";
import { checkServiceRegistration, type ServiceRegistration } from "./registration.ts";

/** What `@grpc/grpc-js` calls a `ServiceDefinition`: method name → definition with its `path`. */
export type GRPCServiceDefinition = Record<string, { path: string }>;

/**
 * A ServiceDefinition, or what `loadPackageDefinition` and generated code give for a service
 * (a client constructor carrying the definition in `.service`).
 */
export type GRPCService = GRPCServiceDefinition | { service: GRPCServiceDefinition };

/**
 * How to build a registration straight from gRPC services (Go `GRPCDescriptorOptions`): the
 * ServiceRegistration fields, with weight, kernel and methods coming from serviceOptions and
 * rawServices instead of a node.
 */
export interface GRPCDescriptorOptions extends Omit<ServiceRegistration, "weight" | "node" | "protocol"> {
  /** Default `grpc`. */
  protocol?: string;
  /** Bootstrapped (namespace, weight, kernel defaults) before use. */
  serviceOptions?: ServiceOptions | ServiceOptionsInit;
  rawServices: GRPCService[];
}

function definitionOf(service: GRPCService, index: number): GRPCServiceDefinition {
  // A client constructor is a function; a definition may itself have a method named `service`.
  const inner = (service as { service?: { path?: unknown } } | null)?.service;
  const wrapped =
    typeof service === "function" || (inner !== null && typeof inner === "object" && !("path" in inner));
  const candidate: unknown = wrapped ? inner : service;
  if (candidate === null || typeof candidate !== "object") {
    throw new TypeError(`rawServices[${index}] is not a gRPC ServiceDefinition`);
  }
  return candidate as GRPCServiceDefinition;
}

/** Every method path of the services, deduplicated and sorted. */
export function grpcMethodPaths(services: readonly GRPCService[]): string[] {
  const paths = new Set<string>();
  services.forEach((service, index) => {
    for (const [method, definition] of Object.entries(definitionOf(service, index))) {
      const path = definition?.path;
      if (typeof path !== "string" || path.trim() === "") {
        throw new TypeError(`rawServices[${index}].${method} has no method path`);
      }
      paths.add(path.trim());
    }
  });
  return [...paths].sort();
}

/**
 * Throws InvalidRegistrationError (every problem listed) when the agent would refuse the
 * result: a blank service name, a port outside 1..65535, no methods, and the rest of its rules.
 */
export function newServiceRegistrationFromGRPC(options: GRPCDescriptorOptions): ServiceRegistration {
  if (options === null || typeof options !== "object")
    throw new TypeError("gRPC descriptor options are required");
  if (!Array.isArray(options.rawServices))
    throw new TypeError("rawServices must be an array of gRPC services");
  const serviceOptions = (
    options.serviceOptions instanceof ServiceOptions
      ? options.serviceOptions
      : new ServiceOptions(options.serviceOptions)
  ).bootstrap();
  const methods = grpcMethodPaths(options.rawServices);
  const registration: ServiceRegistration = {
    appId: options.appId,
    appName: options.appName,
    serviceName: options.serviceName,
    namespace: options.namespace?.trim() || serviceOptions.namespace,
    dns: options.dns,
    env: options.env,
    port: options.port,
    protocol: options.protocol?.trim() || "grpc",
    version: options.version,
    weight: serviceOptions.weight,
    node: {
      protoCount: options.rawServices.length,
      weight: serviceOptions.weight,
      runDate: utcISO(Date.now()),
      methods: Object.fromEntries(methods.map((path) => [path, true])),
      kernel: { ...serviceOptions.kernel },
      meta: {
        appId: options.appId?.trim() ?? "",
        instanceId: serviceOptions.instanceId,
        version: options.version?.trim() ?? "",
        env: options.env?.trim() ?? "",
      },
    },
  };
  checkServiceRegistration(registration);
  return registration;
}
