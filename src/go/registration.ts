/**
 * From a service description (Go `ServiceRegistration`, go-micro shaped) to the agent's
 * RegisterRequest: trimmed strings, the reference's fallbacks, sorted methods, and the agent's
 * rules checked at construction so a bad description never reaches the agent.
 */
import type { RegisterRequest } from "../../machines/types.ts";
import {
  describeService,
  InvalidRegistrationError,
  registerRequestProblems,
  validPort,
} from "../agent/validate.ts";
import { DefaultServiceWeight, type ServiceNode } from "./models.ts";

/** Builds the full register request of a service (Go `DescriptorProvider`). */
export interface DescriptorProvider {
  buildRegisterRequest(signal?: AbortSignal): RegisterRequest | Promise<RegisterRequest>;
}

/** How a service description maps onto a register request (Go `ServiceRegistration`). */
export interface ServiceRegistration {
  /** Falls back to `node.meta.appId`. */
  appId?: string;
  /** Falls back to `serviceName`. */
  appName?: string;
  serviceName: string;
  namespace?: string;
  dns?: string;
  env?: string;
  port: number;
  protocol?: string;
  version?: string;
  /** Falls back to `node.weight`, then 100. */
  weight?: number;
  node?: ServiceNode;
}

function trim(value: string | undefined): string {
  return (value ?? "").trim();
}

/** The enabled method paths of a node: keys whose value is true, trimmed, deduplicated, sorted. */
export function enabledMethods(methods: Record<string, boolean> | undefined): string[] {
  const paths = Object.entries(methods ?? {})
    .filter(([, enabled]) => enabled === true)
    .map(([path]) => path.trim())
    .filter((path) => path !== "");
  return [...new Set(paths)].sort();
}

/** The register request a description yields, unchecked. */
export function registerRequestOf(descriptor: ServiceRegistration): RegisterRequest {
  const node = descriptor.node;
  const serviceName = trim(descriptor.serviceName);
  const weight = [descriptor.weight, node?.weight].find((value) => typeof value === "number" && value > 0);
  return {
    appId: trim(descriptor.appId) || trim(node?.meta?.appId),
    appName: trim(descriptor.appName) || serviceName,
    name: serviceName,
    namespace: trim(descriptor.namespace),
    port: descriptor.port,
    dns: trim(descriptor.dns),
    env: trim(descriptor.env),
    weight: weight ?? DefaultServiceWeight,
    protocol: trim(descriptor.protocol),
    kernel: { language: trim(node?.kernel?.language), version: trim(node?.kernel?.version) },
    methods: enabledMethods(node?.methods),
    version: trim(descriptor.version),
  };
}

/**
 * Refuses a description the agent would refuse, with one InvalidRegistrationError listing every
 * problem: a blank service name and a port outside 1..65535 in the description's own words
 * first, then the rest of the agent's rules.
 */
export function checkServiceRegistration(descriptor: ServiceRegistration): RegisterRequest {
  if (descriptor === null || typeof descriptor !== "object") {
    throw new TypeError("service registration is required");
  }
  const request = registerRequestOf(descriptor);
  const identity: string[] = [];
  if (request.name === "") identity.push("serviceName is required");
  if (!validPort(descriptor.port)) identity.push(`port is invalid: ${String(descriptor.port)}`);
  // The agent's wording of the same problems, left out so each is said once.
  const restated = new Set(["name is required", `port is invalid: ${String(descriptor.port)}`]);
  if (trim(descriptor.appName) === "") restated.add("app_name is required"); // appName falls back to serviceName
  const problems = [...identity, ...registerRequestProblems(request).filter((p) => !restated.has(p))];
  if (problems.length > 0) {
    throw new InvalidRegistrationError(describeService(descriptor.serviceName, descriptor.port), problems);
  }
  return request;
}

/** Turns a ServiceRegistration into the agent's register request (Go `ServiceRegistrationProvider`). */
export class ServiceRegistrationProvider implements DescriptorProvider {
  readonly descriptor: ServiceRegistration;
  readonly #request: RegisterRequest;

  /** Throws InvalidRegistrationError (every problem listed) when the agent would refuse it. */
  constructor(descriptor: ServiceRegistration) {
    this.#request = checkServiceRegistration(descriptor);
    this.descriptor = descriptor;
  }

  async buildRegisterRequest(): Promise<RegisterRequest> {
    return structuredClone(this.#request);
  }
}

export function newServiceRegistrationProvider(descriptor: ServiceRegistration): ServiceRegistrationProvider {
  return new ServiceRegistrationProvider(descriptor);
}
