/**
 * The agent's own `/register` rules (protocol.md), checked before any request leaves, so a
 * request the agent would refuse fails locally with one error naming every problem.
 */
import { SidecarLifecycleError } from "../../machines/errors.ts";
import type { RegisterRequest } from "../../machines/types.ts";

/** A registration the agent would refuse; `problems` uses the agent's own wording. */
export class InvalidRegistrationError extends SidecarLifecycleError {
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[]) {
    super("runtime_error", `invalid registration for ${what}: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

function blank(value: unknown): boolean {
  return typeof value !== "string" || value.trim() === "";
}

export function validPort(port: unknown): port is number {
  return typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Every rule the agent applies to `/register`, as its error texts (wire field names). */
export function registerRequestProblems(request: RegisterRequest): string[] {
  const problems: string[] = [];
  const required: Array<[string, unknown]> = [
    ["app_id", request.appId],
    ["app_name", request.appName],
    ["name", request.name],
    ["namespace", request.namespace],
    ["dns", request.dns],
    ["env", request.env],
    ["protocol", request.protocol],
    ["version", request.version],
    ["kernel.language", request.kernel?.language],
    ["kernel.version", request.kernel?.version],
  ];
  for (const [field, value] of required) if (blank(value)) problems.push(`${field} is required`);
  if (!validPort(request.port)) problems.push(`port is invalid: ${String(request.port)}`);
  if (!(typeof request.weight === "number" && request.weight > 0)) {
    problems.push("weight must be greater than zero");
  }
  const methods = Array.isArray(request.methods) ? request.methods : [];
  if (methods.length === 0) problems.push("methods must not be empty");
  for (const method of methods) {
    if (typeof method !== "string" || !method.startsWith("/")) problems.push(`method is invalid: ${method}`);
  }
  return problems;
}

export function describeService(name: unknown, port: unknown): string {
  return `service "${typeof name === "string" ? name.trim() : String(name)}" port ${String(port)}`;
}

/** Throws InvalidRegistrationError listing every problem; returns the request when the agent would take it. */
export function assertValidRegisterRequest(request: RegisterRequest): RegisterRequest {
  const problems = registerRequestProblems(request);
  if (problems.length > 0) {
    throw new InvalidRegistrationError(describeService(request.name, request.port), problems);
  }
  return request;
}
